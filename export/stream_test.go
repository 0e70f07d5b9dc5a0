package export

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/providers"
)

// bigTenant is n accounts of varied shapes (attribute name widths differ, so
// alignment matters) in two departments, and a group per 100 accounts.
func bigTenant(n int) *planner.Tenant {
	t := &planner.Tenant{Objects: map[string][]providers.Remote{}, Skipped: map[string]string{}}
	t.Objects["department"] = []providers.Remote{
		{ID: "1", Attrs: map[string]any{"id": "1", "name": "Sales", "order": int64(0)}},
		{ID: "2", Attrs: map[string]any{"id": "2", "name": "Support", "parent": "1", "order": int64(3)}},
	}
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("user%05d@example.com", i)
		o := map[string]any{"email": email, "name": fmt.Sprintf("User %d", i), "departments": []string{fmt.Sprint(1 + i%2)}, "status": "active"}
		if i%3 == 0 {
			o["position"] = "Engineer"
			o["force_secure_login"] = true
		}
		if i%7 == 0 {
			o["aliases"] = []string{fmt.Sprintf("alias%05d@example.com", i)}
			o["quota_mb"] = int64(2048)
		}
		t.Objects["account"] = append(t.Objects["account"], providers.Remote{ID: email, Attrs: o})
		if i%100 == 0 {
			g := fmt.Sprintf("team%03d@example.com", i/100)
			t.Objects["group"] = append(t.Objects["group"], providers.Remote{ID: g, Attrs: map[string]any{"email": g, "name": "Team",
				"members": []string{email}, "senders": "organization"}})
		}
	}
	return t
}

// Files formats block by block, several thousand at a time in parallel; the result
// must be what formatting each whole file gives, in order, for more blocks than one
// batch holds.
func TestFilesFormattedBlockByBlock(t *testing.T) {
	n := formatBatch*2 + 17
	fs := Files(bigTenant(n), Options{})
	files := filesByName(fs)
	acc := files["accounts.mf.hcl"]
	if got := strings.Count(acc, "\naccount \""); got != n {
		t.Fatalf("accounts.mf.hcl holds %d blocks, want %d", got, n)
	}
	for _, f := range fs {
		if !bytes.Equal(f.Content, hclwrite.Format(f.Content)) {
			t.Errorf("%s is not what formatting the whole file gives", f.Name)
		}
	}
	// In order: each block after the one before it.
	last := -1
	for i := 0; i < n; i += 997 {
		at := strings.Index(acc, fmt.Sprintf(`email = "user%05d@example.com"`, i))
		if at < 0 {
			at = strings.Index(acc, fmt.Sprintf(`"user%05d@example.com"`, i))
		}
		if at <= last {
			t.Fatalf("user%05d is out of order (at %d, the one before at %d)", i, at, last)
		}
		last = at
	}
}

// BenchmarkFiles writes the HCL files of 20,000 accounts.
func BenchmarkFiles(b *testing.B) {
	t := bigTenant(20000)
	b.ReportAllocs()
	for b.Loop() {
		Files(t, Options{})
	}
}
