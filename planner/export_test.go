package planner

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// countingProvider records which types were read.
type countingProvider struct {
	*memProvider
	reads []string
}

func (p *countingProvider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	p.reads = append(p.reads, req.Type)
	return p.memProvider.Read(ctx, req)
}

func exportWorld() map[string]map[string]model.Object {
	return map[string]map[string]model.Object{
		"domain": {"example.com": {"name": "Example.COM"}},
		"department": {
			"10": {"name": "EMEA", "parent": "9"},
			"9":  {"name": "Sales"},
		},
		"account": {"alice@example.com": {"email": "Alice@Example.com", "name": "Alice", "departments": []string{"10"}}},
		"dns_record": {
			"example.com/@/MX":   {"zone": "example.com", "name": "@", "type": "MX", "records": []string{"5 MXBIZ1.qq.com."}},
			"example.com/@/NS":   {"zone": "example.com", "name": "@", "type": "NS", "records": []string{"ns1.example.com."}},
			"example.com/@/SOA":  {"zone": "example.com", "name": "@", "type": "SOA", "records": []string{"ns1. host. 1 2 3 4 5"}},
			"example.com/sub/NS": {"zone": "example.com", "name": "sub", "type": "NS", "records": []string{"ns.other.net."}},
			"other.net/@/TXT":    {"zone": "other.net", "name": "@", "type": "TXT", "records": []string{"hello"}},
		},
	}
}

func tenantOf(t *testing.T, src string, ps *ProviderSet, zones ...string) (*Tenant, error) {
	t.Helper()
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	tn, diags := ReadTenant(context.Background(), TenantOptions{Config: cfg, Providers: ps, Zones: zones})
	if diags.HasErrors() {
		return nil, errors.New(diags.Error())
	}
	return tn, nil
}

func oneProvider(kind string, p providers.Provider) *ProviderSet {
	return &ProviderSet{ByName: map[string]providers.Provider{kind: p}, kinds: map[string]string{kind: kind}, names: []string{kind}}
}

func ids(rs []providers.Remote) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestReadTenant(t *testing.T) {
	for _, c := range []struct {
		name, src string
		zones     []string
		wantDNS   []string
	}{
		{"zones from declared domains", `domain "d" { name = "example.com" }`, nil, []string{"example.com/@/MX", "example.com/sub/NS"}},
		{"zones from live domains", `provider "sandbox" {}`, nil, []string{"example.com/@/MX", "example.com/sub/NS"}},
		{"zones given win", `domain "d" { name = "example.com" }`, []string{"Other.NET."}, []string{"other.net/@/TXT"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &memProvider{t: t, objs: exportWorld()}
			tn, err := tenantOf(t, c.src, oneProvider("sandbox", p), c.zones...)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(tn.Objects["dns_record"]); !reflect.DeepEqual(got, c.wantDNS) {
				t.Errorf("dns_record ids = %v, want %v (apex NS and SOA dropped)", got, c.wantDNS)
			}
			if got := ids(tn.Objects["department"]); !reflect.DeepEqual(got, []string{"9", "10"}) {
				t.Errorf("departments not in numeric id order: %v", got)
			}
			dept := tn.Objects["department"][1].Attrs
			if dept.Str("id") != "10" || dept.Int("order") != 0 {
				t.Errorf("department not canonical with its id: %v", dept)
			}
			if a := tn.Objects["account"][0].Attrs; a.Str("email") != "alice@example.com" || a.Str("status") != "active" {
				t.Errorf("account not canonical: %v", a)
			}
			if mx := tn.Objects["dns_record"]; len(c.zones) == 0 && mx[0].Attrs.Strings("records")[0] != "5 mxbiz1.qq.com." {
				t.Errorf("MX not canonical: %v", mx[0].Attrs)
			}
			if tn.Providers["account"] != "sandbox" || len(tn.Skipped) != 0 {
				t.Errorf("providers %v, skipped %v", tn.Providers, tn.Skipped)
			}
		})
	}
}

// Export evaluates only the domain blocks and what they refer to: an account block
// whose for_each would fail (here: a missing CSV file) costs nothing and stops
// nothing, while the domain's name from a local is known.
func TestReadTenantDeclared(t *testing.T) {
	p := &memProvider{t: t, objs: exportWorld()}
	tn, err := tenantOf(t, `
locals {
  apex = "Example.com"
}
domain "d" { name = local.apex }
account "a" {
  for_each = { for r in csvdecode(file("missing.csv")) : r.email => r }
  email    = each.value.email
  name     = "X"
}`, oneProvider("sandbox", p))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tn.DeclaredDomains, []string{"example.com"}) {
		t.Errorf("declared domains: %v", tn.DeclaredDomains)
	}
}

func TestReadTenantExmailGroupsSkipped(t *testing.T) {
	p := &countingProvider{memProvider: &memProvider{t: t, objs: exportWorld()}}
	tn, err := tenantOf(t, `domain "d" { name = "example.com" }`, oneProvider("exmail", p))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tn.Skipped["group"], "cannot list mail groups") {
		t.Errorf("groups not skipped with a reason: %v", tn.Skipped)
	}
	for _, r := range p.reads {
		if r == "group" {
			t.Error("export read groups from exmail")
		}
	}
}

func TestReadTenantNoZone(t *testing.T) {
	world := exportWorld()
	delete(world, "domain")
	p := &memProvider{t: t, objs: world}
	tn, err := tenantOf(t, `provider "sandbox" {}`, oneProvider("sandbox", p))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tn.Skipped["dns_record"], "-zone") || len(tn.Objects["dns_record"]) != 0 {
		t.Errorf("no zone: skipped %v, records %v", tn.Skipped, tn.Objects["dns_record"])
	}
}

func TestReadTenantErrors(t *testing.T) {
	p := &memProvider{t: t, objs: exportWorld()}
	two := &ProviderSet{ByName: map[string]providers.Provider{"exmail": p, "exmail.b": p},
		kinds: map[string]string{"exmail": "exmail", "exmail.b": "exmail"}, names: []string{"exmail", "exmail.b"}}
	if _, err := tenantOf(t, `domain "d" { name = "example.com" }`, two); err == nil || !strings.Contains(err.Error(), "Several providers can serve domain: exmail, exmail.b") {
		t.Errorf("two providers for one type: %v", err)
	}
	bad := &memProvider{t: t, readErr: errors.New("connection refused")}
	if _, err := tenantOf(t, `domain "d" { name = "example.com" }`, oneProvider("sandbox", bad)); err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "Cannot read live objects") {
		t.Errorf("read error: %v", err)
	}
	if _, err := tenantOf(t, `locals { x = nosuchfunc() }`, oneProvider("sandbox", p)); err == nil {
		t.Error("a broken configuration was exported")
	}
}

func TestImportObject(t *testing.T) {
	src := `
domain "d" { name = "example.com" }
account "alice" {
  email = "alice@example.com"
  name  = "Alice"
}
account "staff" {
  for_each = toset(["bob"])
  email    = "${each.key}@example.com"
  name     = each.key
}
department "emea" { name = "EMEA" }
send_restriction "r" { accounts = ["alice@example.com"] }
dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com."]
}
`
	world := exportWorld()
	world["send_restriction"] = map[string]model.Object{"r": {"accounts": []string{"alice@example.com"}}}
	st := state.New()
	st.Set(&state.Resource{Address: "account.staff[\"bob\"]", Type: "account", Provider: "sandbox", ID: "bob@example.com"})
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	ps := oneProvider("sandbox", &memProvider{t: t, objs: world})
	for _, c := range []struct {
		addr, id string
		wantID   string
		wantErr  string
	}{
		{"account.alice", "ALICE@example.com", "alice@example.com", ""},
		{"department.emea", "10", "10", ""},
		{"dns_record.mx", "Example.com./@/mx", "example.com/@/MX", ""},
		{"send_restriction.r", "r", "r", ""},
		{"account.staff", "alice@example.com", "", "name one instance, like account.staff[\"bob\"]"},
		{"account.staff[\"carol\"]", "alice@example.com", "", `no instance with key "carol"`},
		{"account.staff[\"bob\"]", "alice@example.com", "", "already in state"},
		{"account.alice", "nobody@example.com", "", "Its id is its email address"},
		{"department.emea", "77", "", "department id"},
		{"dns_record.mx", "example.com/@", "", "zone/name/TYPE"},
		{"group.g", "g@example.com", "", "no group.g block"},
	} {
		r, diags := ImportObject(context.Background(), ImportOptions{Config: cfg, State: st, Providers: ps, Address: c.addr, ID: c.id, Now: time.Now()})
		if c.wantErr != "" {
			if !diags.HasErrors() || !strings.Contains(diags.Error(), c.wantErr) {
				t.Errorf("import %s %s: want error %q, got %v", c.addr, c.id, c.wantErr, diags)
			}
			continue
		}
		if diags.HasErrors() {
			t.Errorf("import %s %s: %s", c.addr, c.id, diags.Error())
			continue
		}
		if r.ID != c.wantID || r.Provider != "sandbox" || r.Attrs == nil {
			t.Errorf("import %s %s: got %+v", c.addr, c.id, r)
		}
	}
	// An object another address manages is refused.
	st.Set(&state.Resource{Address: "account.old", Type: "account", Provider: "sandbox", ID: "alice@example.com"})
	_, diags = ImportObject(context.Background(), ImportOptions{Config: cfg, State: st, Providers: ps, Address: "account.alice", ID: "alice@example.com"})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "already managed as account.old") {
		t.Errorf("import of a managed object: %v", diags)
	}
}
