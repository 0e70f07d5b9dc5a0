package planner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

const renameBefore = `
domain "corp" { name = "example.com" }
department "sales" { name = "Sales" }
group "all" {
  email = "all@example.com"
  name  = "All"
}
`

// planOnly plans src against p and the state at path.
func planOnly(t *testing.T, src string, p providers.Provider, path string) (*Plan, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := schema.LoadSources(filepath.Dir(path), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	st, err := state.NewLocal(path).Load()
	if err != nil {
		t.Fatal(err)
	}
	return MakePlan(context.Background(), Options{Config: cfg, State: st, Providers: ps, Refresh: true, Now: time.Now()})
}

// A block renamed without a moved block is a delete and a create of the same live
// object: the plan is refused with the moved block to add, for every kind of identity.
func TestPlanRefusesRenameWithoutMoved(t *testing.T) {
	p := newBatchProvider()
	path := filepath.Join(t.TempDir(), "mailform.state")
	if _, err := planAndApply(t, renameBefore, p, path); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, old, new, from, to string }{
		{"department", `department "sales"`, `department "sales_team"`, "department.sales", "department.sales_team"},
		{"group", `group "all"`, `group "everyone"`, "group.all", "group.everyone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := planOnly(t, strings.Replace(renameBefore, tt.old, tt.new, 1), p, path)
			want := "moved {\n    from = " + tt.from + "\n    to   = " + tt.to + "\n  }"
			refused := false
			for _, d := range diags {
				refused = refused || (strings.HasPrefix(d.Summary, tt.to+" would replace "+tt.from) && strings.Contains(d.Detail, want))
			}
			if !refused {
				t.Fatalf("diagnostics = %v, want a refusal giving %q", diags, want)
			}
			src := strings.Replace(renameBefore, tt.old, tt.new, 1) + "moved {\n  from = " + tt.from + "\n  to = " + tt.to + "\n}\n"
			plan, diags := planOnly(t, src, p, path)
			if diags.HasErrors() {
				t.Fatalf("with the moved block: %v", diags)
			}
			if add, change, destroy := plan.Counts(); add+change+destroy != 0 || len(plan.Moves) != 1 {
				t.Fatalf("with the moved block: %d/%d/%d changes, moves %v; want only the move", add, change, destroy, plan.Moves)
			}
		})
	}
}

// A moved block may take an address that state holds only as the intent of a create
// of the same object that never completed (the failed apply of the rename); an intent
// of another object still blocks it.
func TestMovedOntoFailedCreateIntent(t *testing.T) {
	tests := []struct {
		name     string
		matchKey string
		wantErr  bool
	}{
		{"same object", "/sales", false},
		{"other object", "/marketing", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newBatchProvider()
			path := filepath.Join(t.TempDir(), "mailform.state")
			if _, err := planAndApply(t, renameBefore, p, path); err != nil {
				t.Fatal(err)
			}
			b := state.NewLocal(path)
			st, err := b.Load()
			if err != nil {
				t.Fatal(err)
			}
			st.Set(&state.Resource{Address: "department.sales_team", Type: "department", Provider: "sandbox", Pending: "create", MatchKey: tt.matchKey})
			if err := b.Save(st); err != nil {
				t.Fatal(err)
			}
			src := strings.Replace(renameBefore, `department "sales"`, `department "sales_team"`, 1) +
				"moved {\n  from = department.sales\n  to = department.sales_team\n}\n"
			if tt.wantErr {
				if _, diags := planOnly(t, src, p, path); !strings.Contains(diags.Error(), "Moved onto an existing address") {
					t.Fatalf("diagnostics = %v, want the move refused", diags)
				}
				return
			}
			plan, err := planAndApply(t, src, p, path)
			if err != nil {
				t.Fatal(err)
			}
			if add, change, destroy := plan.Counts(); add+change+destroy != 0 {
				t.Fatalf("plan with the move: %d/%d/%d changes, want none", add, change, destroy)
			}
			after, _ := b.Load()
			r := after.Find("department.sales_team")
			if after.Find("department.sales") != nil || r == nil || r.ID != "/sales" || r.Pending != "" {
				t.Fatalf("state after the move: %v, department.sales_team = %+v", after.Addresses(), r)
			}
		})
	}
}
