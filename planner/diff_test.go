package planner

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// massWorld is a converged company of n accounts u00…, g groups and, per zone, r
// RRsets; the configuration declares them from locals so tests can edit the data.
type massWorld struct {
	*planWorld
	status map[string]string // account email → status in configuration ("" = removed)
	groups []string          // group emails kept in configuration
	rrsets map[string][]string
}

func newMassWorld(n, g int, zones map[string]int) *massWorld {
	w := &massWorld{planWorld: &planWorld{live: map[string]map[string]model.Object{"domain": {}, "account": {}, "group": {}, "dns_record": {}}, state: state.New()},
		status: map[string]string{}, rrsets: map[string][]string{}}
	add := func(addr, typ, id string, o model.Object) {
		t := model.Lookup(typ)
		c := model.Canonical(t, o)
		w.live[typ][id] = c.Clone()
		w.state.Set(&state.Resource{Address: addr, Type: typ, Provider: "sandbox", ID: id, Attrs: c, MatchKey: t.MatchKey("", c)})
	}
	add("domain.corp", "domain", "example.com", model.Object{"name": "example.com"})
	for i := 0; i < n; i++ {
		e := fmt.Sprintf("u%02d@example.com", i)
		w.status[e] = "active"
		add(`account.u["`+e+`"]`, "account", e, model.Object{"email": e, "name": e})
	}
	for i := 0; i < g; i++ {
		e := fmt.Sprintf("g%02d@example.com", i)
		w.groups = append(w.groups, e)
		add(`group.g["`+e+`"]`, "group", e, model.Object{"email": e, "name": e})
	}
	for z, count := range zones {
		for i := 0; i < count; i++ {
			name := fmt.Sprintf("h%02d", i)
			w.rrsets[z] = append(w.rrsets[z], name)
			o := model.Object{"zone": z, "name": name, "type": "A", "records": []string{"192.0.2.1"}}
			add(`dns_record.r["`+name+"."+z+`"]`, "dns_record", model.RRsetKey(z, name, "A"), o)
		}
	}
	return w
}

// render writes the configuration from the world's data.
func (w *massWorld) render(settings string) {
	var b strings.Builder
	b.WriteString(settings + "\ndomain \"corp\" { name = \"example.com\" }\nlocals {\n  people = {\n")
	for e, s := range w.status {
		if s != "" {
			fmt.Fprintf(&b, "    %q = %q\n", e, s)
		}
	}
	b.WriteString("  }\n  groups = [")
	for _, g := range w.groups {
		fmt.Fprintf(&b, "%q, ", g)
	}
	b.WriteString("]\n  rrsets = {\n")
	for z, names := range w.rrsets {
		for _, n := range names {
			fmt.Fprintf(&b, "    %q = %q\n", n+"."+z, z)
		}
	}
	b.WriteString(`  }
}
account "u" {
  for_each = local.people
  email    = each.key
  name     = each.key
  status   = each.value
}
group "g" {
  for_each = toset(local.groups)
  email    = each.key
  name     = each.key
}
dns_record "r" {
  for_each = local.rrsets
  zone     = each.value
  name     = split(".", each.key)[0]
  type     = "A"
  records  = ["192.0.2.1"]
}
`)
	w.config = b.String()
}

// set gives the first k accounts status s ("" removes them).
func (w *massWorld) set(k int, s string) {
	for i := 0; i < k; i++ {
		w.status[fmt.Sprintf("u%02d@example.com", i)] = s
	}
}

func TestMassChangeGuard(t *testing.T) {
	allowFirst := func(k int) func(*Options) {
		return func(o *Options) {
			for i := 0; i < k; i++ {
				o.AllowDelete = append(o.AllowDelete, fmt.Sprintf("u%02d@example.com", i))
			}
		}
	}
	tests := []struct {
		name     string
		accounts int
		groups   int
		zones    map[string]int
		settings string
		edit     func(w *massWorld)
		opts     func(*Options)
		want     string // "" = allowed
	}{
		{name: "12 of 40 frozen", accounts: 40, edit: func(w *massWorld) { w.set(12, "frozen") },
			want: "This plan would delete, freeze or offboard 12 of 40 managed accounts (30%), above the 20% guard"},
		{name: "12 of 40 departed", accounts: 40, edit: func(w *massWorld) { w.set(12, "departed") },
			want: "12 of 40 managed accounts (30%)"},
		{name: "12 of 40 deleted with -allow-delete", accounts: 40, edit: func(w *massWorld) { w.set(12, "") }, opts: allowFirst(12),
			want: "12 of 40 managed accounts (30%)"},
		{name: "fewer than the minimum", accounts: 40, edit: func(w *massWorld) { w.set(9, "frozen") }},
		{name: "at the percentage", accounts: 50, edit: func(w *massWorld) { w.set(10, "frozen") }},
		{name: "below the percentage", accounts: 100, edit: func(w *massWorld) { w.set(15, "frozen") }},
		{name: "-force", accounts: 40, edit: func(w *massWorld) { w.set(12, "frozen") }, opts: func(o *Options) { o.Force = true }},
		{name: "higher percentage setting", accounts: 40, settings: "mailform { mass_change_percent = 50 }", edit: func(w *massWorld) { w.set(12, "frozen") }},
		{name: "lower minimum setting", accounts: 10, settings: "mailform {\n  mass_change_min = 3\n}", edit: func(w *massWorld) { w.set(3, "frozen") },
			want: "freeze or offboard 3 of 10 managed accounts (30%)"},
		{name: "all groups deleted", groups: 10, edit: func(w *massWorld) { w.groups = nil },
			want: "This plan would delete 10 of 10 managed groups (100%)"},
		{name: "a few groups deleted", groups: 10, edit: func(w *massWorld) { w.groups = w.groups[:8] }},
		{name: "one zone emptied", zones: map[string]int{"a.example.com": 12, "b.example.com": 12},
			edit: func(w *massWorld) { delete(w.rrsets, "a.example.com") },
			want: "delete 12 of 12 managed DNS RRsets in zone a.example.com (100%)"},
		{name: "deletes spread over zones stay under the guard per zone", zones: map[string]int{"a.example.com": 60, "b.example.com": 60},
			edit: func(w *massWorld) {
				w.rrsets["a.example.com"] = w.rrsets["a.example.com"][:50]
				w.rrsets["b.example.com"] = w.rrsets["b.example.com"][:50]
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newMassWorld(tt.accounts, tt.groups, tt.zones)
			tt.edit(w)
			w.render(tt.settings)
			w.opts = tt.opts
			p, diags := w.plan(t)
			got := errText(diags)
			if tt.want == "" {
				if diags.HasErrors() {
					t.Fatalf("refused: %s", got)
				}
				if !p.HasChanges() {
					t.Fatal("the edit planned no change")
				}
				return
			}
			if !strings.Contains(got, "Mass change refused") || !strings.Contains(got, tt.want) {
				t.Errorf("errors = %q, want %q", got, tt.want)
			}
			if !strings.Contains(got, "-force") {
				t.Errorf("the refusal does not say how to go on: %q", got)
			}
			if strings.Count(got, "Mass change refused") != 1 {
				t.Errorf("want one refusal, got %q", got)
			}
		})
	}
}

func TestAccountDeleteNeedsAllowDelete(t *testing.T) {
	removed := cut(driftConfig, `account "bob"`)
	renamed := strings.Replace(driftConfig, `email = "bob@example.com"`, `email = "robert@example.com"`, 1)
	tests := []struct {
		name, config string
		allow        []string
		want         []string // fragments of the error; none = allowed
	}{
		{name: "removed block refused", config: removed,
			want: []string{"Refusing to delete mailbox bob@example.com", "it is no longer in the configuration", `set status = "departed"`,
				"mailform state rm account.bob", "-allow-delete=bob@example.com"}},
		{name: "email change refused", config: renamed,
			want: []string{"Refusing to delete mailbox bob@example.com", "its email changed, which replaces the mailbox"}},
		{name: "allowed by email", config: removed, allow: []string{"bob@example.com"}},
		{name: "allowed by email in another case", config: removed, allow: []string{"Bob@Example.COM"}},
		{name: "allowed by address", config: removed, allow: []string{"account.bob"}},
		{name: "replace allowed by the old email", config: renamed, allow: []string{"bob@example.com"}},
		{name: "another account allowed", config: removed, allow: []string{"alice@example.com"},
			want: []string{"Refusing to delete mailbox bob@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			w.config = tt.config
			w.opts = func(o *Options) { o.AllowDelete = tt.allow }
			p, diags := w.plan(t)
			if len(tt.want) == 0 {
				if diags.HasErrors() {
					t.Fatal(errText(diags))
				}
				if c := find(p, "account.bob"); c.Action != Delete && c.Action != Replace {
					t.Errorf("account.bob action = %s", c.Action)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(errText(diags), w) {
					t.Errorf("errors = %q, want %q", errText(diags), w)
				}
			}
		})
	}
}

func TestPreventDestroy(t *testing.T) {
	protect := strings.Replace(driftConfig, `records = ["5 mxbiz1.qq.com."]`, `records = ["5 mxbiz1.qq.com."]
  lifecycle { prevent_destroy = true }`, 1)
	tests := []struct {
		name    string
		config  string
		inState bool // state recorded prevent_destroy
		want    string
	}{
		{name: "replace of a protected block", config: strings.Replace(protect, `type    = "MX"`, `type    = "TXT"`, 1),
			want: "dns_record.mx has lifecycle.prevent_destroy set, but the plan would replace it"},
		{name: "protected block removed", config: cut(driftConfig, `dns_record "mx"`), inState: true,
			want: "dns_record.mx was applied with lifecycle.prevent_destroy, and its block is gone"},
		{name: "unprotected block removed", config: cut(driftConfig, `dns_record "mx"`)},
		{name: "protection lifted in configuration, then replaced", config: strings.Replace(driftConfig, `type    = "MX"`, `type    = "TXT"`, 1), inState: true},
		{name: "protected and unchanged", config: protect, inState: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			w.config = tt.config
			w.state.Find("dns_record.mx").PreventDestroy = tt.inState
			_, diags := w.plan(t)
			if tt.want == "" {
				if diags.HasErrors() {
					t.Fatal(errText(diags))
				}
				return
			}
			if !strings.Contains(errText(diags), "Instance cannot be destroyed") || !strings.Contains(errText(diags), tt.want) {
				t.Errorf("errors = %q, want %q", errText(diags), tt.want)
			}
		})
	}
}

func TestFilterTargets(t *testing.T) {
	cs := []*Change{
		{Address: "account.a", Deps: []string{"department.d"}},
		{Address: "department.d", Deps: []string{"department.top"}},
		{Address: "department.top"},
		{Address: `account.s["x"]`, Deps: []string{"department.d"}},
		{Address: `account.s["y"]`},
		{Address: "group.g", Deps: []string{"account.s"}},
	}
	tests := []struct {
		targets []string
		want    string
	}{
		{[]string{"account.a"}, "account.a department.d department.top"},
		{[]string{"department.top"}, "department.top"},
		{[]string{`account.s["y"]`}, `account.s["y"]`},
		{[]string{"account.s"}, `department.d department.top account.s["x"] account.s["y"]`},
		{[]string{"group.g"}, `department.d department.top account.s["x"] account.s["y"] group.g`},
		{[]string{"account.nope"}, ""},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range filterTargets(cs, tt.targets) {
			got = append(got, c.Address)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("filterTargets(%v) = %v, want %s", tt.targets, got, tt.want)
		}
	}
}

// errText joins every error diagnostic's summary and detail (hcl's Error() shows only
// the first, and lint warnings come first).
func errText(diags hcl.Diagnostics) string {
	var out []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d.Summary+": "+d.Detail)
		}
	}
	return strings.Join(out, "\n")
}

// New rows in the same plan do not dilute the guard: its base is what exists now.
func TestMassChangeGuardIgnoresCreates(t *testing.T) {
	var cs []*Change
	for i := 0; i < 50; i++ {
		cs = append(cs, &Change{Address: fmt.Sprintf("account.a%02d", i), Type: "account", Action: NoOp})
	}
	for i := 0; i < 11; i++ {
		cs[i].Action = Update
		cs[i].Attrs = []model.AttrChange{{Name: "status", Before: "active", After: "frozen"}}
	}
	for i := 0; i < 50; i++ {
		cs = append(cs, &Change{Address: fmt.Sprintf("account.new%02d", i), Type: "account", Action: Create})
	}
	cfg, _ := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(`domain "d" { name = "example.com" }`)})
	diags := safetyChecks(Options{Config: cfg}, state.New(), &Plan{Changes: cs})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "11 of 50") {
		t.Fatalf("freezing 11 of 50 existing accounts next to 50 creates = %v, want refused as 11 of 50", diags)
	}
}

// A changed initial password that would reset most mailboxes is refused like a mass
// delete, and says how to give it to new mailboxes only.
func TestMassPasswordResetGuard(t *testing.T) {
	var cs []*Change
	for i := 0; i < 20; i++ {
		cs = append(cs, &Change{Address: fmt.Sprintf("account.a%02d", i), Type: "account", Action: Update,
			Attrs: []model.AttrChange{{Name: "password", Sensitive: true, Before: true, After: true}}})
	}
	cfg, _ := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(`domain "d" { name = "example.com" }`)})
	diags := safetyChecks(Options{Config: cfg}, state.New(), &Plan{Changes: cs})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "reset the password of 20 of 20") || !strings.Contains(diags.Error(), "ignore_changes = [password]") {
		t.Fatalf("mass password reset = %v, want refused with the ignore_changes hint", diags)
	}
	if d := safetyChecks(Options{Config: cfg, Force: true}, state.New(), &Plan{Changes: cs}); d.HasErrors() {
		t.Fatalf("-force should let it through: %v", d)
	}
}

// TestDiffAllOnEveryCore: with enough instances to be diffed on several goroutines,
// each change is still its own instance's: the accounts changed outside mailform
// and those whose configuration changed are exactly the ones the plan updates.
func TestDiffAllOnEveryCore(t *testing.T) {
	n := 8 * minPerWorker
	w := newMassWorld(n, 0, nil)
	var want []string
	for i := 0; i < n; i++ {
		e := fmt.Sprintf("u%02d@example.com", i)
		addr := `update account.u["` + e + `"] `
		switch {
		case i%7 == 3:
			w.live["account"][e]["name"] = "renamed in the console"
			want = append(want, addr+"name")
		case i%11 == 5:
			w.status[e] = "frozen"
			want = append(want, addr+"status")
		}
	}
	w.render("")
	got := changed(w.mustPlan(t))
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
