package planner

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// memProvider is a read-only in-memory provider: drift must never write, so every
// write fails the test.
type memProvider struct {
	t       *testing.T
	objs    map[string]map[string]model.Object // type → id → object
	readErr error
}

func (p *memProvider) Supports(typ string) ([]string, bool) {
	t := model.Lookup(typ)
	if t == nil {
		return nil, false
	}
	return t.AttrNames(), true
}

func (p *memProvider) Read(_ context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	if p.readErr != nil {
		return nil, p.readErr
	}
	zones := map[string]bool{}
	for _, z := range req.Zones {
		zones[z] = true
	}
	var out []providers.Remote
	for id, o := range p.objs[req.Type] {
		if req.Type == "dns_record" && !zones[o.Str("zone")] {
			continue
		}
		out = append(out, providers.Remote{ID: id, Attrs: o.Clone()})
	}
	return out, nil
}

func (p *memProvider) Create(context.Context, string, string, model.Object) (providers.Remote, error) {
	p.t.Error("drift called Create")
	return providers.Remote{}, errors.New("read-only")
}

func (p *memProvider) Update(context.Context, string, string, model.Object, model.Object) (providers.Remote, error) {
	p.t.Error("drift called Update")
	return providers.Remote{}, errors.New("read-only")
}

func (p *memProvider) Delete(context.Context, string, string, model.Object) error {
	p.t.Error("drift called Delete")
	return errors.New("read-only")
}

func (p *memProvider) Close() error { return nil }

const driftConfig = `
domain "corp" { name = "example.com" }
department "sales" { name = "Sales" }
account "alice" {
  email       = "alice@example.com"
  name        = "Alice"
  departments = [department.sales.id]
  password    = "s3cret-Passw0rd"
}
account "bob" {
  email = "bob@example.com"
  name  = "Bob"
}
dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com."]
}
`

// driftFixture is a world where the last apply matched the configuration exactly:
// state and live objects both hold what driftConfig declares.
// fixturePasswordHash is alice's stored password, hashed once: each hash with a new
// salt would cost the fixture an argon2id run.
var fixturePasswordHash = state.HashSecret("s3cret-Passw0rd")

func driftFixture() (map[string]map[string]model.Object, *state.State) {
	objs := map[string][]struct {
		addr, id string
		o        model.Object
	}{
		"domain":     {{"domain.corp", "example.com", model.Object{"name": "example.com"}}},
		"department": {{"department.sales", "d1", model.Object{"id": "d1", "name": "Sales"}}},
		"account": {
			{"account.alice", "alice@example.com", model.Object{"email": "alice@example.com", "name": "Alice", "departments": []string{"d1"}}},
			{"account.bob", "bob@example.com", model.Object{"email": "bob@example.com", "name": "Bob"}},
		},
		"dns_record": {{"dns_record.mx", "example.com/@/MX", model.Object{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"5 mxbiz1.qq.com."}}}},
	}
	live := map[string]map[string]model.Object{}
	st := state.New()
	for typ, list := range objs {
		t := model.Lookup(typ)
		live[typ] = map[string]model.Object{}
		for _, e := range list {
			c := model.Canonical(t, e.o)
			live[typ][e.id] = c.Clone()
			attrs := c.Clone()
			if e.addr == "account.alice" {
				attrs["password"] = fixturePasswordHash
			}
			st.Set(&state.Resource{Address: e.addr, Type: typ, Provider: "sandbox", ID: e.id, Attrs: attrs, MatchKey: t.MatchKey("", c)})
		}
	}
	// The zone's own records are live but belong to the zone, never unmanaged.
	live["dns_record"]["example.com/@/NS"] = model.Canonical(model.DNSRecord, model.Object{"zone": "example.com", "name": "@", "type": "NS", "records": []string{"ns1.example.com."}})
	return live, st
}

func runDrift(t *testing.T, cfgSrc string, live map[string]map[string]model.Object, st *state.State, readErr error, ignore ...string) (*DriftReport, error) {
	t.Helper()
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(cfgSrc)})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	p := &memProvider{t: t, objs: live, readErr: readErr}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	rep, diags := DetectDrift(context.Background(), DriftOptions{Config: cfg, State: st, Providers: ps, Ignore: ignore})
	if diags.HasErrors() {
		if rep != nil {
			t.Errorf("DetectDrift returned a report with errors: %+v", rep.Items)
		}
		return nil, errors.New(diags.Error())
	}
	return rep, nil
}

// summary renders a report as sorted lines "kind address attr:before->after|reason".
func summary(r *DriftReport) []string {
	var out []string
	for _, it := range r.Items {
		s := string(it.Kind) + " " + it.Address
		for _, a := range it.Attrs {
			if a.Sensitive {
				s += " " + a.Name + ":(sensitive)"
				continue
			}
			s += fmt.Sprintf(" %s:%s->%s", a.Name, model.FormatValue(a.Before), model.FormatValue(a.After))
		}
		if it.Reason != "" {
			s += " | " + it.Reason
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestDetectDrift(t *testing.T) {
	tests := []struct {
		name   string
		config func(string) string
		live   func(map[string]map[string]model.Object)
		state  func(*state.State)
		ignore []string
		want   []string
	}{
		{name: "no drift", want: nil},
		{
			name: "name changed in the console",
			live: func(l map[string]map[string]model.Object) { l["account"]["alice@example.com"]["name"] = "Alice Smith" },
			want: []string{`changed_outside account.alice name:"Alice"->"Alice Smith"`},
		},
		{
			name: "frozen in the console",
			live: func(l map[string]map[string]model.Object) { l["account"]["bob@example.com"]["status"] = "frozen" },
			want: []string{`changed_outside account.bob status:"active"->"frozen"`},
		},
		{
			name: "deleted in the console",
			live: func(l map[string]map[string]model.Object) { delete(l["account"], "bob@example.com") },
			want: []string{`changed_outside account.bob | deleted outside mailform: not found live`},
		},
		{
			name: "an unset optional flag read live is not drift",
			live: func(l map[string]map[string]model.Object) { l["account"]["bob@example.com"]["imap_smtp"] = false },
		},
		{
			name: "configuration edited but not applied",
			config: func(c string) string {
				return strings.Replace(c, `name  = "Bob"`, `name  = "Robert"`, 1)
			},
			want: []string{`not_applied account.bob name:"Bob"->"Robert"`},
		},
		{
			name:   "password changed in configuration",
			config: func(c string) string { return strings.Replace(c, "s3cret-Passw0rd", "n3w-Passw0rd!", 1) },
			want:   []string{`not_applied account.alice password:(sensitive)`},
		},
		{
			name: "new block not yet applied",
			config: func(c string) string {
				return c + `
account "carol" {
  email = "carol@example.com"
  name  = "Carol"
}`
			},
			want: []string{`not_applied account.carol | new in the configuration, not yet created`},
		},
		{
			name: "new block whose object exists live is adopted, not unmanaged",
			config: func(c string) string {
				return c + `
account "carol" {
  email = "carol@example.com"
  name  = "Carol"
}`
			},
			live: func(l map[string]map[string]model.Object) {
				l["account"]["carol@example.com"] = model.Canonical(model.Account, model.Object{"email": "carol@example.com", "name": "Carol"})
			},
			want: []string{`not_applied account.carol | exists live but not in state; apply will adopt it`},
		},
		{
			name: "block removed from configuration",
			config: func(c string) string {
				return c[:strings.Index(c, `account "bob"`)] + c[strings.Index(c, `dns_record "mx"`):]
			},
			want: []string{`not_applied account.bob | removed from the configuration; apply would delete it`},
		},
		{
			name: "account created in the console",
			live: func(l map[string]map[string]model.Object) {
				l["account"]["eve@example.com"] = model.Canonical(model.Account, model.Object{"email": "eve@example.com", "name": "Eve"})
			},
			want: []string{`unmanaged account.eve`},
		},
		{
			name: "record added in a managed zone, none in another zone",
			live: func(l map[string]map[string]model.Object) {
				l["dns_record"]["example.com/www/A"] = model.Canonical(model.DNSRecord, model.Object{"zone": "example.com", "name": "www", "type": "A", "records": []string{"192.0.2.1"}})
				l["dns_record"]["example.com/www/RRSIG"] = model.Canonical(model.DNSRecord, model.Object{"zone": "example.com", "name": "www", "type": "RRSIG", "records": []string{"A 13 3 300 20270101000000 20261201000000 12345 example.com. c2lnbmF0dXJl"}})
				l["dns_record"]["other.org/@/MX"] = model.Canonical(model.DNSRecord, model.Object{"zone": "other.org", "name": "@", "type": "MX", "records": []string{"10 mx.other.org."}})
			},
			want: []string{`unmanaged dns_record.www_a`},
		},
		{
			name: "suggested address avoids one in use",
			live: func(l map[string]map[string]model.Object) {
				l["account"]["alice@other.example.com"] = model.Canonical(model.Account, model.Object{"email": "alice@other.example.com", "name": "Alice 2"})
			},
			want: []string{`unmanaged account.alice_2`},
		},
		{
			name: "departed account frozen live is not drift",
			config: func(c string) string {
				return strings.Replace(c, `name  = "Bob"`, `name  = "Bob"
  status = "departed"`, 1)
			},
			state: func(s *state.State) { s.Find("account.bob").Attrs["status"] = "departed" },
			live:  func(l map[string]map[string]model.Object) { l["account"]["bob@example.com"]["status"] = "frozen" },
		},
		{
			name: "ignored by address, attribute and setting",
			config: func(c string) string {
				return c + `mailform {
  drift { ignore = ["account.eve"] }
}`
			},
			live: func(l map[string]map[string]model.Object) {
				l["account"]["alice@example.com"]["name"] = "Alice Smith"
				l["account"]["alice@example.com"]["position"] = "CEO"
				l["account"]["bob@example.com"]["status"] = "frozen"
				l["account"]["eve@example.com"] = model.Canonical(model.Account, model.Object{"email": "eve@example.com", "name": "Eve"})
				l["dns_record"]["example.com/www/A"] = model.Canonical(model.DNSRecord, model.Object{"zone": "example.com", "name": "www", "type": "A", "records": []string{"192.0.2.1"}})
			},
			ignore: []string{"account.bob", "account.alice.name", "dns_record.*"},
			want:   []string{`changed_outside account.alice position:null->"CEO"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live, st := driftFixture()
			cfg := driftConfig
			if tc.config != nil {
				cfg = tc.config(cfg)
			}
			if tc.live != nil {
				tc.live(live)
			}
			if tc.state != nil {
				tc.state(st)
			}
			rep, err := runDrift(t, cfg, live, st, nil, tc.ignore...)
			if err != nil {
				t.Fatal(err)
			}
			got := summary(rep)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("drift:\n got %q\nwant %q", got, tc.want)
			}
			if rep.HasDrift() != (len(tc.want) > 0) {
				t.Errorf("HasDrift = %v", rep.HasDrift())
			}
		})
	}
}

func TestDetectDriftIgnoreCounts(t *testing.T) {
	live, st := driftFixture()
	live["account"]["bob@example.com"]["name"] = "Bobby"
	live["account"]["bob@example.com"]["position"] = "CTO"
	rep, err := runDrift(t, driftConfig, live, st, nil, "account.bob.name", `account.bob.position`)
	if err != nil {
		t.Fatal(err)
	}
	if rep.HasDrift() || rep.Ignored != 2 {
		t.Errorf("items %v, ignored %d; want none and 2", summary(rep), rep.Ignored)
	}
}

func TestDetectDriftLifecycleIgnore(t *testing.T) {
	live, st := driftFixture()
	live["account"]["bob@example.com"]["name"] = "Bobby"
	cfg := strings.Replace(driftConfig, `name  = "Bob"`, `name  = "Robert"
  lifecycle { ignore_changes = [name] }`, 1)
	rep, err := runDrift(t, cfg, live, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.HasDrift() {
		t.Errorf("ignore_changes = [name] still reports %v", summary(rep))
	}
}

func TestDetectDriftErrors(t *testing.T) {
	tests := []struct {
		name    string
		readErr error
		ignore  []string
		want    string
	}{
		{name: "provider read fails", readErr: errors.New("connection refused"), want: "connection refused"},
		{name: "ignore names no type", ignore: []string{"mailbox.alice"}, want: `"mailbox.alice": use an address`},
		{name: "ignore names no attribute", ignore: []string{"account.alice.colour"}, want: `account has no attribute "colour"`},
		{name: "ignore is not an address", ignore: []string{"account"}, want: "use an address"},
		{name: "ignore wildcard of no type", ignore: []string{"mailbox.*"}, want: "use an address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live, st := driftFixture()
			live["account"]["bob@example.com"]["name"] = "Bobby" // drift that must not be reported
			_, err := runDrift(t, driftConfig, live, st, tc.readErr, tc.ignore...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSplitIgnore(t *testing.T) {
	tests := []struct{ in, addr, attr string }{
		{"account.alice", "account.alice", ""},
		{"account.alice.name", "account.alice", "name"},
		{`account.staff["a.b@example.com"]`, `account.staff["a.b@example.com"]`, ""},
		{`account.staff["a.b@example.com"].status`, `account.staff["a.b@example.com"]`, "status"},
	}
	for _, tc := range tests {
		addr, attr, err := splitIgnore(tc.in)
		if err != nil || addr != tc.addr || attr != tc.attr {
			t.Errorf("splitIgnore(%q) = %q, %q, %v; want %q, %q", tc.in, addr, attr, err, tc.addr, tc.attr)
		}
	}
}

func TestIdentifier(t *testing.T) {
	tests := map[string]string{"alice": "alice", "Jean.Luc": "jean_luc", "1st": "x_1st", "": "x_", "_dmarc_txt": "dmarc_txt"}
	for in, want := range tests {
		if got := identifier(in); got != want {
			t.Errorf("identifier(%q) = %q, want %q", in, got, want)
		}
	}
}

// An ignore entry that names nothing is a warning, so a typo does not go unnoticed.
func TestDriftIgnoreTypoWarns(t *testing.T) {
	live, st := driftFixture()
	cfg, _ := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(driftConfig)})
	p := &memProvider{t: t, objs: live}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	_, diags := DetectDrift(context.Background(), DriftOptions{Config: cfg, State: st, Providers: ps, Ignore: []string{"account.alcie", "account.alice.name"}})
	var warned []string
	for _, d := range diags {
		if d.Summary == "Drift ignore matches nothing" {
			warned = append(warned, d.Detail)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "account.alcie") {
		t.Fatalf("warnings = %v, want one for account.alcie", warned)
	}
}
