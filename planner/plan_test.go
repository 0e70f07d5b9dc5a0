package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// planNow is the fixed clock of these tests.
var planNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// limitedProvider is a memProvider that cannot read the attributes in drop, as a
// real API that knows nothing of mailform's offboarding policy.
type limitedProvider struct {
	*memProvider
	drop map[string]bool
}

func (p limitedProvider) Supports(typ string) ([]string, bool) {
	names, ok := p.memProvider.Supports(typ)
	var out []string
	for _, n := range names {
		if !p.drop[n] {
			out = append(out, n)
		}
	}
	return out, ok
}

// planWorld is one planning situation: configuration, live objects and state.
type planWorld struct {
	config string
	live   map[string]map[string]model.Object
	state  *state.State
	opts   func(*Options)
	drop   map[string]bool // attributes the provider cannot read
}

// newWorld starts from the converged world of drift_test.go: state and live hold
// exactly what driftConfig declares.
func newWorld() *planWorld {
	live, st := driftFixture()
	return &planWorld{config: driftConfig, live: live, state: st}
}

func (w *planWorld) plan(t *testing.T) (*Plan, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(w.config)})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	var p providers.Provider = &memProvider{t: t, objs: w.live}
	if w.drop != nil {
		p = limitedProvider{memProvider: p.(*memProvider), drop: w.drop}
	}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	o := Options{Config: cfg, State: w.state, Providers: ps, Refresh: true, Now: planNow}
	if w.opts != nil {
		w.opts(&o)
	}
	return MakePlan(context.Background(), o)
}

// mustPlan plans and fails the test on errors.
func (w *planWorld) mustPlan(t *testing.T) *Plan {
	t.Helper()
	p, diags := w.plan(t)
	if diags.HasErrors() {
		t.Fatalf("plan: %s", diags.Error())
	}
	return p
}

// changed renders the changes that do something as sorted lines
// "action address [adopt] [forget] [restate] attr,attr | reason".
func changed(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action == NoOp && !c.Adopt && !c.Forget && !c.Restate && c.Reason == "" {
			continue
		}
		s := string(c.Action) + " " + c.Address
		for flag, on := range map[string]bool{"adopt": c.Adopt, "forget": c.Forget, "restate": c.Restate} {
			if on {
				s += " " + flag
			}
		}
		var names []string
		for _, a := range c.Attrs {
			names = append(names, a.Name)
		}
		if len(names) > 0 {
			s += " " + strings.Join(names, ",")
		}
		if c.Reason != "" {
			s += " | " + c.Reason
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// cut removes the block that starts with head from a configuration.
func cut(cfg, head string) string {
	i := strings.Index(cfg, head)
	if i < 0 {
		panic("no block " + head)
	}
	j := strings.Index(cfg[i:], "\n}\n")
	return cfg[:i] + cfg[i+j+3:]
}

func find(p *Plan, addr string) *Change {
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	return nil
}

func TestMakePlanActions(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *planWorld)
		want  []string
	}{
		{name: "converged: nothing to do"},
		{
			name:  "update",
			setup: func(w *planWorld) { w.config = strings.Replace(w.config, `name  = "Bob"`, `name  = "Robert"`, 1) },
			want:  []string{"update account.bob name"},
		},
		{
			name: "create",
			setup: func(w *planWorld) {
				w.config += `account "carol" {
  email = "carol@example.com"
  name  = "Carol"
}
`
			},
			want: []string{"create account.carol"},
		},
		{
			name:  "replace on an identity change",
			setup: func(w *planWorld) { w.config = strings.Replace(w.config, `type    = "MX"`, `type    = "TXT"`, 1) },
			want:  []string{"replace dns_record.mx type"},
		},
		{
			name:  "delete a block removed from configuration",
			setup: func(w *planWorld) { w.config = cut(w.config, `dns_record "mx"`) },
			want:  []string{"delete dns_record.mx"},
		},
		{
			name:  "deleted outside mailform",
			setup: func(w *planWorld) { delete(w.live["account"], "bob@example.com") },
			want:  []string{"create account.bob | not found live: it was deleted outside mailform"},
		},
		{
			name:  "changed outside mailform",
			setup: func(w *planWorld) { w.live["account"]["bob@example.com"]["status"] = "frozen" },
			want:  []string{"update account.bob status"},
		},
		{
			name: "adopted by natural key when state lacks it",
			setup: func(w *planWorld) {
				w.state.Remove("account.bob")
				w.state.Remove("dns_record.mx")
			},
			want: []string{"no-op account.bob adopt", "no-op dns_record.mx adopt"},
		},
		{
			name: "adopted and updated",
			setup: func(w *planWorld) {
				w.state.Remove("account.bob")
				w.live["account"]["bob@example.com"]["name"] = "B."
			},
			want: []string{"update account.bob adopt name"},
		},
		{
			name: "pending create found live after a crash",
			setup: func(w *planWorld) {
				r := w.state.Find("account.bob")
				r.ID, r.Pending = "", "create"
			},
			want: []string{"no-op account.bob adopt"},
		},
		{
			name: "pending create of a removed block that never happened is forgotten",
			setup: func(w *planWorld) {
				w.state.Set(&state.Resource{Address: "dns_record.old", Type: "dns_record", Provider: "sandbox", Pending: "create",
					MatchKey: "example.com/old/A", Attrs: model.Object{"zone": "example.com", "name": "old", "type": "A"}})
			},
			want: []string{"no-op dns_record.old forget | gone: no longer in configuration and not found live; apply drops it from state"},
		},
		{
			name: "pending create of a removed block that happened is deleted",
			setup: func(w *planWorld) {
				w.state.Set(&state.Resource{Address: "dns_record.old", Type: "dns_record", Provider: "sandbox", Pending: "create",
					MatchKey: "example.com/old/A", Attrs: model.Object{"zone": "example.com", "name": "old", "type": "A"}})
				w.live["dns_record"]["example.com/old/A"] = model.Canonical(model.DNSRecord, model.Object{"zone": "example.com", "name": "old", "type": "A", "records": []string{"192.0.2.9"}})
			},
			want: []string{"delete dns_record.old"},
		},
		{
			name: "prevent_destroy added is recorded in state",
			setup: func(w *planWorld) {
				w.config = strings.Replace(w.config, `records = ["5 mxbiz1.qq.com."]`, `records = ["5 mxbiz1.qq.com."]
  lifecycle { prevent_destroy = true }`, 1)
			},
			want: []string{"no-op dns_record.mx restate"},
		},
		{
			name: "ignore_changes",
			setup: func(w *planWorld) {
				w.config = strings.Replace(w.config, `name  = "Bob"`, `name  = "Robert"
  position = "CTO"
  lifecycle { ignore_changes = [name] }`, 1)
			},
			want: []string{"update account.bob position"},
		},
		{
			name: "ignore_changes = all",
			setup: func(w *planWorld) {
				w.config = strings.Replace(w.config, `name  = "Bob"`, `name  = "Robert"
  lifecycle { ignore_changes = all }`, 1)
				w.live["account"]["bob@example.com"]["status"] = "frozen"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			if tt.setup != nil {
				tt.setup(w)
			}
			p := w.mustPlan(t)
			if got := changed(p); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if p.HasChanges() != (len(tt.want) > 0) {
				t.Errorf("HasChanges = %v", p.HasChanges())
			}
		})
	}
}

// A state-claimed object is not adopted by a second block: renaming the block plans a
// create and a delete of the same RRset, which renameChecks refuses with the moved
// block to add.
func TestMakePlanStateClaimedNotAdopted(t *testing.T) {
	w := newWorld()
	w.config = strings.Replace(w.config, `dns_record "mx"`, `dns_record "mail"`, 1)
	p, diags := w.plan(t)
	if got, want := strings.Join(changed(p), "\n"), "create dns_record.mail\ndelete dns_record.mx"; got != want {
		t.Errorf("changes:\n%s\nwant:\n%s", got, want)
	}
	refused := false
	for _, d := range diags {
		refused = refused || (d.Severity == hcl.DiagError && d.Summary == "dns_record.mail would replace dns_record.mx, the same live object")
	}
	if !refused {
		t.Errorf("diagnostics = %v, want the rename refused", diags)
	}
}

// A change carries the live id and objects apply needs.
func TestMakePlanChangeDetails(t *testing.T) {
	w := newWorld()
	w.config = strings.Replace(w.config, `name  = "Bob"`, `name  = "Robert"`, 1)
	w.config = cut(w.config, `dns_record "mx"`)
	p := w.mustPlan(t)
	bob := find(p, "account.bob")
	if bob.ID != "bob@example.com" || bob.Before.Str("name") != "Bob" || bob.After.Str("name") != "Robert" || bob.MatchKey != "bob@example.com" {
		t.Errorf("account.bob = id %q, before %v, after %v, key %q", bob.ID, bob.Before, bob.After, bob.MatchKey)
	}
	if a := bob.Attrs[0]; a.Before != "Bob" || a.After != "Robert" || a.ForcesReplacement {
		t.Errorf("attribute change = %+v", a)
	}
	mx := find(p, "dns_record.mx")
	if mx.ID != "example.com/@/MX" || mx.After != nil || mx.Before.Str("type") != "MX" {
		t.Errorf("dns_record.mx = %+v", mx)
	}
	alice := find(p, "account.alice")
	if got := strings.Join(alice.Deps, ","); got != "department.sales" {
		t.Errorf("account.alice deps = %q, want department.sales", got)
	}
	if got := alice.After.Strings("departments"); len(got) != 1 || got[0] != "d1" {
		t.Errorf("account.alice departments = %v, want the id from state", got)
	}
	if add, change, destroy := p.Counts(); add != 0 || change != 1 || destroy != 1 {
		t.Errorf("counts = %d/%d/%d, want 0/1/1", add, change, destroy)
	}
	if p.Lineage != w.state.Lineage {
		t.Errorf("lineage = %q, want the state's", p.Lineage)
	}
}

// A department created outside and found by name gets its live id, and what refers to
// it is evaluated with that id.
func TestMakePlanAdoptedIDFlowsToReferences(t *testing.T) {
	w := newWorld()
	w.state.Remove("department.sales")
	w.live["department"]["d9"] = w.live["department"]["d1"]
	delete(w.live["department"], "d1")
	w.live["department"]["d9"]["id"] = "d9"
	w.live["account"]["alice@example.com"]["departments"] = []string{"d9"}
	p := w.mustPlan(t)
	if got := changed(p); strings.Join(got, ";") != "no-op department.sales adopt" {
		t.Errorf("changes = %v", got)
	}
	if got := find(p, "account.alice").After.Strings("departments"); len(got) != 1 || got[0] != "d9" {
		t.Errorf("alice departments = %v, want [d9]", got)
	}
}

func TestMakePlanRefreshFalse(t *testing.T) {
	w := newWorld()
	w.live["account"]["bob@example.com"]["name"] = "Bobby"
	delete(w.live["account"], "alice@example.com")
	w.opts = func(o *Options) { o.Refresh = false }
	if got := changed(w.mustPlan(t)); len(got) != 0 {
		t.Errorf("-refresh=false planned %v; state matches the configuration", got)
	}
	w.config = strings.Replace(w.config, `name  = "Bob"`, `name  = "Rob"`, 1)
	if got := changed(w.mustPlan(t)); strings.Join(got, ";") != "update account.bob name" {
		t.Errorf("-refresh=false after an edit = %v", got)
	}
	// A removed block is deleted by its state id without asking the provider.
	w.config = cut(driftConfig, `dns_record "mx"`)
	if got := changed(w.mustPlan(t)); strings.Join(got, ";") != "delete dns_record.mx" {
		t.Errorf("-refresh=false with a removed block = %v", got)
	}
}

func TestMakePlanTargets(t *testing.T) {
	w := newWorld()
	w.state = state.New()
	w.live = map[string]map[string]model.Object{}
	w.opts = func(o *Options) { o.Targets = []string{"account.alice"} }
	p := w.mustPlan(t)
	if got := changed(p); strings.Join(got, ";") != "create account.alice;create department.sales" {
		t.Errorf("-target=account.alice = %v, want alice and the department it needs", got)
	}
	w.opts = func(o *Options) { o.Targets = []string{"dns_record.mx", "account.bob"} }
	if got := changed(w.mustPlan(t)); strings.Join(got, ";") != "create account.bob;create dns_record.mx" {
		t.Errorf("two targets = %v", got)
	}
}

func TestMakePlanTargetInstance(t *testing.T) {
	w := newWorld()
	w.state, w.live = state.New(), map[string]map[string]model.Object{}
	w.config = `domain "corp" { name = "example.com" }
account "staff" {
  for_each = toset(["a@example.com", "b@example.com"])
  email    = each.key
  name     = each.key
}
`
	w.opts = func(o *Options) { o.Targets = []string{`account.staff["b@example.com"]`} }
	if got := changed(w.mustPlan(t)); strings.Join(got, ";") != `create account.staff["b@example.com"]` {
		t.Errorf("instance target = %v", got)
	}
	w.opts = func(o *Options) { o.Targets = []string{`account.staff`} }
	if got := changed(w.mustPlan(t)); len(got) != 2 {
		t.Errorf("resource target = %v, want both instances", got)
	}
}

func TestMakePlanMoved(t *testing.T) {
	w := newWorld()
	w.config = strings.Replace(driftConfig, `account "bob"`, `account "robert"`, 1) + `
moved {
  from = account.bob
  to   = account.robert
}
`
	p := w.mustPlan(t)
	if len(p.Moves) != 1 || p.Moves[0] != (Move{From: "account.bob", To: "account.robert"}) {
		t.Errorf("moves = %v", p.Moves)
	}
	if got := changed(p); len(got) != 0 {
		t.Errorf("changes after a move = %v, want none", got)
	}
	if !p.HasChanges() {
		t.Error("a move is a change to apply")
	}
	if w.state.Find("account.bob") == nil {
		t.Error("planning changed the caller's state")
	}
	// Applied already: the moved block is a no-op.
	w.state.Move("account.bob", "account.robert")
	if p := w.mustPlan(t); len(p.Moves) != 0 || p.HasChanges() {
		t.Errorf("re-plan after the move: moves %v, changes %v", p.Moves, changed(p))
	}
	// Onto an address state already has.
	w.state = newWorld().state
	w.state.Set(&state.Resource{Address: "account.robert", Type: "account", Provider: "sandbox", ID: "x@example.com"})
	_, diags := w.plan(t)
	if !strings.Contains(diags.Error(), "Both account.bob and account.robert are in state") {
		t.Errorf("move onto an existing address: %v", diags)
	}
}

func TestMakePlanPassword(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *planWorld)
		want  string
	}{
		{name: "unchanged password", want: ""},
		{name: "changed password", want: "update account.alice password",
			setup: func(w *planWorld) { w.config = strings.Replace(w.config, "s3cret-Passw0rd", "n3w-Passw0rd!", 1) }},
		{name: "password first set", want: "update account.alice password",
			setup: func(w *planWorld) { delete(w.state.Find("account.alice").Attrs, "password") }},
		{name: "adopted: the live password is kept", want: "no-op account.alice adopt",
			setup: func(w *planWorld) { w.state.Remove("account.alice") }},
		{name: "password ignored", want: "",
			setup: func(w *planWorld) {
				w.config = strings.Replace(w.config, `password    = "s3cret-Passw0rd"`, `password    = "other-Passw0rd1"
  lifecycle { ignore_changes = [password] }`, 1)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			if tt.setup != nil {
				tt.setup(w)
			}
			p := w.mustPlan(t)
			if got := strings.Join(changed(p), ";"); got != tt.want {
				t.Errorf("changes = %q, want %q", got, tt.want)
			}
			for _, a := range find(p, "account.alice").Attrs {
				if a.Name == "password" && (!a.Sensitive || fmt.Sprint(a.After) != "true") {
					t.Errorf("password change = %+v, want sensitive with no value", a)
				}
			}
		})
	}
}

// Settings a provider cannot read (the offboarding policy) compare with state.
func TestMakePlanEngineManagedAttributes(t *testing.T) {
	const block = `name  = "Bob"
  offboarding { handover_to = "alice@example.com" }`
	tests := []struct {
		name    string
		stateOB model.Object // offboarding in state
		want    string
	}{
		{name: "never applied", want: "update account.bob offboarding"},
		{name: "same as applied", stateOB: model.Object{"handover_to": "alice@example.com", "retain_days": int64(30)}},
		{name: "changed since applied", stateOB: model.Object{"handover_to": "ceo@example.com", "retain_days": int64(30)}, want: "update account.bob offboarding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			w.drop = map[string]bool{"offboarding": true}
			w.config = strings.Replace(w.config, `name  = "Bob"`, block, 1)
			if tt.stateOB != nil {
				w.state.Find("account.bob").Attrs["offboarding"] = tt.stateOB
			}
			// Whatever the provider says is not what counts.
			w.live["account"]["bob@example.com"]["offboarding"] = model.Object{"handover_to": "someone@else.com"}
			if got := strings.Join(changed(w.mustPlan(t)), ";"); got != tt.want {
				t.Errorf("changes = %q, want %q", got, tt.want)
			}
		})
	}
}

// An import block adopts the live object it names even when the natural key differs.
func TestMakePlanImport(t *testing.T) {
	w := newWorld()
	w.live["department"]["d7"] = model.Object{"id": "d7", "name": "Ops", "order": int64(0)}
	w.config += `department "ops" { name = "Operations" }
`
	if got := strings.Join(changed(w.mustPlan(t)), ";"); got != "create department.ops" {
		t.Fatalf("without import: %q", got)
	}
	w.config += `import {
  to = department.ops
  id = "d7"
}
`
	p := w.mustPlan(t)
	if got := strings.Join(changed(p), ";"); got != "update department.ops adopt name" {
		t.Errorf("with import: %q", got)
	}
	if c := find(p, "department.ops"); c.ID != "d7" {
		t.Errorf("imported id = %q, want d7", c.ID)
	}
}

// TestFindingsOf: warnings become plan findings with the lint rule's id taken out of
// the summary; errors are not findings.
func TestFindingsOf(t *testing.T) {
	rng := &hcl.Range{Filename: "dns.mf.hcl", Start: hcl.Pos{Line: 7}}
	got := FindingsOf(hcl.Diagnostics{
		{Severity: hcl.DiagWarning, Summary: "[SPF-NO-ALL] dns_record.spf: no all", Detail: "End with ~all.", Subject: rng},
		{Severity: hcl.DiagWarning, Summary: "[not a rule] text"},
		{Severity: hcl.DiagError, Summary: "[MX-IP] broken"},
	})
	want := []Finding{
		{Rule: "SPF-NO-ALL", Summary: "dns_record.spf: no all", Detail: "End with ~all.", File: "dns.mf.hcl", Line: 7},
		{Summary: "[not a rule] text"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("FindingsOf = %+v, want %+v", got, want)
	}
}
