package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

func newProvider(t *testing.T, cfg model.Object) (*Provider, string) {
	t.Helper()
	dir := t.TempDir()
	p, err := New(cfg, providers.Env{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.(*Provider), dir
}

func TestRegisterAndFactory(t *testing.T) {
	Register()
	Register() // a second call must not panic
	f := providers.Lookup(Kind)
	if f == nil {
		t.Fatal("sandbox kind not registered")
	}
	if strings.Join(f.Types, ",") != strings.Join(model.TypeNames(), ",") {
		t.Errorf("types = %v", f.Types)
	}
	if len(f.Config) == 0 || f.Config[0].Name != "dir" || f.Config[0].Default != DefaultDir {
		t.Errorf("config = %+v", f.Config[0])
	}
	if _, err := f.New(model.Object{"lock_timeout": int64(-1)}, providers.Env{}); err == nil {
		t.Error("negative lock_timeout accepted")
	}
}

func TestOpensLazilyInConfigDir(t *testing.T) {
	p, dir := newProvider(t, model.Object{"dir": "tenant"})
	if _, err := os.Stat(filepath.Join(dir, "tenant")); !os.IsNotExist(err) {
		t.Fatalf("directory made before first use: %v", err)
	}
	if _, err := p.Read(context.Background(), providers.ReadRequest{Type: "domain"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tenant")); err != nil {
		t.Fatalf("directory not made on first use: %v", err)
	}
	// While p holds it, nobody else may open it; after Close they may.
	if _, err := tenant.Open(filepath.Join(dir, "tenant"), tenant.Options{LockTimeout: 100e6}); !errors.Is(err, tenant.ErrLocked) {
		t.Fatalf("second open while provider holds dir: %v", err)
	}
	p.Close()
	s, err := tenant.Open(filepath.Join(dir, "tenant"), tenant.Options{LockTimeout: 100e6})
	if err != nil {
		t.Fatalf("open after Close: %v", err)
	}
	s.Close()
}

func TestCanceledContext(t *testing.T) {
	p, _ := newProvider(t, model.Object{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Read(ctx, providers.ReadRequest{Type: "domain"}); !errors.Is(err, context.Canceled) {
		t.Errorf("read with canceled context: %v", err)
	}
}

// TestCRUDPerType creates, reads, updates and deletes one object of every type.
func TestCRUDPerType(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		typ, label   string
		create       model.Object
		update       func(o model.Object)
		wantID, attr string
		want         any
	}{
		{"domain", "main", model.Object{"name": "Example.COM."}, nil, "example.com", "name", "example.com"},
		{"department", "eng", model.Object{"name": "Eng", "order": int64(2)}, func(o model.Object) { o["name"] = "Engineering" }, strconv.FormatInt(tenant.FirstDepartmentID, 10), "name", "Engineering"},
		{"account", "alice", model.Object{"email": "Alice@example.com", "name": "Alice", "password": "pw-1234567"}, func(o model.Object) { o["status"] = "departed" }, "alice@example.com", "status", "departed"},
		{"group", "all", model.Object{"email": "all@example.com", "name": "All", "members": []string{"b@example.com", "A@example.com"}}, func(o model.Object) { o["senders"] = "anyone" }, "all@example.com", "senders", "anyone"},
		{"dns_record", "mx", model.Object{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"10 mxbiz2.qq.com.", "5 MXBIZ1.qq.com"}}, func(o model.Object) { o["ttl"] = int64(3600) }, "example.com/@/MX", "ttl", int64(3600)},
		{"send_restriction", "interns", model.Object{"groups": []string{"all@example.com"}, "external": "deny"}, func(o model.Object) { o["max_recipients"] = int64(10) }, "interns", "max_recipients", int64(10)},
		{"backup_rule", "archive", model.Object{"destination": "archive@example.com", "accounts": []string{"alice@example.com"}}, func(o model.Object) { o["direction"] = "inbound" }, "archive", "direction", "inbound"},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			p, _ := newProvider(t, model.Object{})
			r, err := p.Create(ctx, tt.typ, tt.label, tt.create)
			if err != nil {
				t.Fatal(err)
			}
			if r.ID != tt.wantID {
				t.Errorf("created id = %s, want %s", r.ID, tt.wantID)
			}
			read, err := p.Read(ctx, providers.ReadRequest{Type: tt.typ})
			if err != nil || len(read) != 1 || read[0].ID != tt.wantID {
				t.Fatalf("read = %+v, %v", read, err)
			}
			if _, ok := read[0].Attrs["password"]; ok {
				t.Error("read returned a password")
			}
			want := model.Canonical(model.Lookup(tt.typ), tt.create)
			for k := range want {
				if model.Lookup(tt.typ).Attr(k).WriteOnly {
					continue
				}
				if !model.Equal(read[0].Attrs[k], want[k]) {
					t.Errorf("read %s = %v, want %v", k, read[0].Attrs[k], want[k])
				}
			}
			if tt.update != nil {
				desired := read[0].Attrs.Clone()
				tt.update(desired)
				u, err := p.Update(ctx, tt.typ, r.ID, read[0].Attrs, desired)
				if err != nil {
					t.Fatal(err)
				}
				read, _ = p.Read(ctx, providers.ReadRequest{Type: tt.typ})
				if !model.Equal(read[0].Attrs[tt.attr], tt.want) || !model.Equal(u.Attrs[tt.attr], tt.want) {
					t.Errorf("after update %s = %v (returned %v), want %v", tt.attr, read[0].Attrs[tt.attr], u.Attrs[tt.attr], tt.want)
				}
			}
			if err := p.Delete(ctx, tt.typ, r.ID, read[0].Attrs); err != nil {
				t.Fatal(err)
			}
			if read, _ = p.Read(ctx, providers.ReadRequest{Type: tt.typ}); len(read) != 0 {
				t.Errorf("after delete read = %+v", read)
			}
			if err := p.Delete(ctx, tt.typ, r.ID, nil); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("second delete: %v, want ErrNotFound", err)
			}
			if _, err := p.Update(ctx, tt.typ, r.ID, nil, tt.create); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("update of deleted: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestDNSReadByZoneAndPrior(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t, model.Object{})
	a, err := p.Create(ctx, "dns_record", "", model.Object{"zone": "example.com", "name": "www", "type": "A", "records": []string{"192.0.2.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Create(ctx, "dns_record", "", model.Object{"zone": "example.org", "name": "@", "type": "TXT", "records": []string{"hello"}}); err != nil {
		t.Fatal(err)
	}
	got, err := p.Read(ctx, providers.ReadRequest{Type: "dns_record", Zones: []string{"example.com"}})
	if err != nil || len(got) != 1 || got[0].ID != "example.com/www/A" {
		t.Fatalf("read of one zone = %+v, %v", got, err)
	}
	for _, k := range []string{"zone", "name", "type", "records", "ttl"} {
		if got[0].Attrs[k] == nil {
			t.Errorf("dns_record read lacks %s", k)
		}
	}
	if all, _ := p.Read(ctx, providers.ReadRequest{Type: "dns_record"}); len(all) != 2 {
		t.Errorf("read of all zones = %d RRsets, want 2", len(all))
	}
	// Someone changes the RRset "in the console"; a write planned on the old value fails.
	s, _ := p.Store()
	if _, err := s.Patch("dns_record", a.ID, func(o model.Object) error { o["records"] = []string{"192.0.2.2"}; return nil }); err != nil {
		t.Fatal(err)
	}
	desired := a.Attrs.Clone()
	desired["ttl"] = int64(60)
	if _, err := p.Update(ctx, "dns_record", a.ID, a.Attrs, desired); !errors.Is(err, providers.ErrChangedSincePlan) || !strings.Contains(err.Error(), "192.0.2.2") {
		t.Errorf("update on stale prior: %v", err)
	}
	if err := p.Delete(ctx, "dns_record", a.ID, a.Attrs); !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Errorf("delete on stale prior: %v", err)
	}
	// Accounts are last-writer-wins, like the Exmail API.
	acc, err := p.Create(ctx, "account", "", model.Object{"email": "bob@example.com", "name": "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	stale := acc.Attrs.Clone()
	stale["name"] = "Robert"
	if _, err := p.Update(ctx, "account", acc.ID, stale, model.Object{"email": "bob@example.com", "name": "Bobby"}); err != nil {
		t.Errorf("account update with other prior: %v", err)
	}
}

func TestApplyBatch(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t, model.Object{})
	s, _ := p.Store()
	mx := model.Object{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"5 mxbiz1.qq.com."}}
	r, err := p.Create(ctx, "dns_record", "mx", mx)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := s.ZoneSerial("example.com")
	res := p.ApplyBatch(ctx, "dns_record", []providers.Change{
		{Op: providers.OpCreate, Label: "spf", Desired: model.Object{"zone": "example.com", "name": "@", "type": "TXT", "records": []string{"v=spf1 include:spf.mail.qq.com ~all"}}},
		{Op: providers.OpDelete, ID: r.ID, Prior: r.Attrs},
	})
	for i, x := range res {
		if x.Err != nil {
			t.Fatalf("change %d: %v", i, x.Err)
		}
	}
	if res[0].Remote.ID != "example.com/@/TXT" {
		t.Errorf("created id = %q", res[0].Remote.ID)
	}
	if n, _ := s.ZoneSerial("example.com"); n != serial+1 {
		t.Errorf("serial %d after one batch, want %d", n, serial+1)
	}
	// A failing change leaves the whole batch unapplied and says which one failed.
	res = p.ApplyBatch(ctx, "dns_record", []providers.Change{
		{Op: providers.OpCreate, Label: "a", Desired: model.Object{"zone": "example.com", "name": "a", "type": "A", "records": []string{"192.0.2.1"}}},
		{Op: providers.OpDelete, ID: "example.com/nothing/A"},
	})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "not applied") {
		t.Errorf("first change of failed batch: %v", res[0].Err)
	}
	if !errors.Is(res[1].Err, providers.ErrNotFound) || strings.Contains(res[1].Err.Error(), "not applied") {
		t.Errorf("failing change: %v", res[1].Err)
	}
	if _, err := s.Get("dns_record", "example.com/a/A"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("create of failed batch was kept: %v", err)
	}
	// Other types apply change by change.
	res = p.ApplyBatch(ctx, "domain", []providers.Change{
		{Op: providers.OpCreate, Desired: model.Object{"name": "example.com"}},
		{Op: providers.OpDelete, ID: "missing.example"},
	})
	if res[0].Err != nil || res[0].Remote.ID != "example.com" || !errors.Is(res[1].Err, providers.ErrNotFound) {
		t.Errorf("domain batch = %+v", res)
	}
}

func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvider(t, model.Object{})
	const n = 16
	ids := make(chan string, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			r, err := p.Create(ctx, "department", "", model.Object{"name": "D" + string(rune('a'+i))})
			ids <- r.ID
			errs <- err
		}(i)
	}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		id := <-ids
		if seen[id] {
			t.Errorf("department id %s handed out twice", id)
		}
		seen[id] = true
	}
	if got, _ := p.Read(ctx, providers.ReadRequest{Type: "department"}); len(got) != n {
		t.Errorf("%d departments read, want %d", len(got), n)
	}
}
