package planner

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// rewritingProvider is a memProvider whose API resets a department order of 1–9 to 0,
// as Exmail may: it reads back what state says was written when the live value is
// that reset, and warns about such orders in validate.
type rewritingProvider struct {
	*memProvider
	mu      sync.Mutex
	applied map[string]model.Object // the last department read's Applied
}

func (p *rewritingProvider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	rs, err := p.memProvider.Read(ctx, req)
	if req.Type != "department" {
		return rs, err
	}
	p.mu.Lock()
	p.applied = req.Applied
	p.mu.Unlock()
	for i, r := range rs {
		if w := req.Applied[r.ID].Int("order"); r.Attrs.Int("order") == 0 && w >= 1 && w <= 9 {
			rs[i].Attrs = r.Attrs.Clone()
			rs[i].Attrs["order"] = w
		}
	}
	return rs, err
}

func (p *rewritingProvider) ValidateObject(typ string, desired model.Object) []providers.Problem {
	if n := desired.Int("order"); typ == "department" && n >= 1 && n <= 9 {
		return []providers.Problem{{Warning: true, Attr: "order", Summary: "Order may be reset", Detail: "the API may reset it to 0."}}
	}
	return nil
}

func planWith(t *testing.T, p providers.Provider, config string, st *state.State) (*Plan, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(config)})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	return MakePlan(context.Background(), Options{Config: cfg, State: st, Providers: ps, Refresh: true, Now: planNow})
}

// The planner hands a provider what state recorded at the last write, so that a
// provider can tell its API's documented rewrite from drift; it knows nothing of the
// rewrite itself.
func TestReadRequestCarriesAppliedState(t *testing.T) {
	live, st := driftFixture()
	config := strings.Replace(driftConfig, `department "sales" { name = "Sales" }`, `department "sales" {
  name  = "Sales"
  order = 5
}`, 1)
	st.Find("department.sales").Attrs["order"] = int64(5) // written by the last apply
	live["department"]["d1"]["order"] = int64(0)          // reset by the server
	st.Set(&state.Resource{Address: "department.new", Type: "department", Provider: "sandbox", ID: "d9", Pending: "create",
		Attrs: model.Object{"name": "New", "order": int64(3)}})
	p := &rewritingProvider{memProvider: &memProvider{t: t, objs: live}}
	plan, diags := planWith(t, p, config, st)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if p.applied["d1"].Int("order") != 5 {
		t.Fatalf("Applied = %v; want the state of d1", p.applied)
	}
	if _, ok := p.applied["d9"]; ok {
		t.Error("a create whose outcome is unknown was passed as applied")
	}
	if c := find(plan, "department.sales"); c == nil || c.Action != NoOp {
		t.Fatalf("department.sales: %+v; the documented reset of what was written is not a change", c)
	}
	// Without state saying so, the same live value is a change to make.
	st.Find("department.sales").Attrs["order"] = int64(0)
	plan, _ = planWith(t, p, config, st)
	if c := find(plan, "department.sales"); c == nil || c.Action != Update {
		t.Fatalf("department.sales with state order 0: %+v, want an update", c)
	}
}

func TestProviderValidatorWarnings(t *testing.T) {
	live, st := driftFixture()
	config := strings.Replace(driftConfig, `department "sales" { name = "Sales" }`, `department "sales" {
  name  = "Sales"
  order = 5
}`, 1)
	p := &rewritingProvider{memProvider: &memProvider{t: t, objs: live}}
	_, diags := planWith(t, p, config, st)
	var found *hcl.Diagnostic
	for _, d := range diags {
		if d.Summary == "Order may be reset" {
			found = d
		}
	}
	if found == nil || found.Severity != hcl.DiagWarning {
		t.Fatalf("diagnostics %v lack the provider's warning", diags)
	}
	if found.Subject == nil || found.Subject.Start.Line != 5 || !strings.HasPrefix(found.Detail, "department.sales ") {
		t.Fatalf("warning %+v: want it at the order line (5), naming the resource", found)
	}
	// Without the attribute there is nothing to say.
	_, diags = planWith(t, p, driftConfig, st)
	for _, d := range diags {
		if d.Summary == "Order may be reset" {
			t.Fatalf("warning without an order: %v", d)
		}
	}
}

// A department id written as an HCL number literal (Exmail ids exceed 2^53) becomes
// the model's string id digit for digit, not a rounded float.
func TestBigIDNumberLiteralIsExact(t *testing.T) {
	live, st := driftFixture()
	config := strings.Replace(driftConfig, `departments = [department.sales.id]`, `departments = [4913577855806636139]`, 1)
	if config == driftConfig {
		t.Fatal("the fixture changed: no departments reference to replace")
	}
	plan, diags := planWith(t, &memProvider{t: t, objs: live}, config, st)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := find(plan, "account.alice").After.Strings("departments"); len(got) != 1 || got[0] != "4913577855806636139" {
		t.Fatalf("departments = %v", got)
	}
}
