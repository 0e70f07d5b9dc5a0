package sandbox

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// TestLockedDirectoryWaitsOnce checks that once the directory was found held by
// another process (mailform sandbox serve), the provider's other reads fail at once
// with the same error instead of each waiting the lock timeout again — a plan reads
// seven types — and that Close lets a later use try again.
func TestLockedDirectoryWaitsOnce(t *testing.T) {
	p, dir := newProvider(t, model.Object{"dir": "tenant", "lock_timeout": int64(1)})
	other, err := tenant.Open(filepath.Join(dir, "tenant"), tenant.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Read(context.Background(), providers.ReadRequest{Type: "account"}); !errors.Is(err, tenant.ErrLocked) {
		t.Fatalf("read of a held directory: %v, want ErrLocked", err)
	}
	// Released now: a provider that waited again would succeed; this one gave up.
	other.Close()
	for _, typ := range []string{"group", "department", "dns_record"} {
		if _, err := p.Read(context.Background(), providers.ReadRequest{Type: typ}); !errors.Is(err, tenant.ErrLocked) {
			t.Errorf("read of %s after the lock wait failed: %v, want the same ErrLocked at once", typ, err)
		}
	}
	p.Close()
	if _, err := p.Read(context.Background(), providers.ReadRequest{Type: "account"}); err != nil {
		t.Errorf("read after Close: %v", err)
	}
}
