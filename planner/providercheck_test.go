package planner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// checkingProvider is a memProvider whose API refuses TXT values holding "bad"
// (Validator) and TTLs below 600 (PlanChecker), and notes every RRset it reads.
type checkingProvider struct {
	memProvider
	checked  [][]providers.Desired
	checkErr error
	notes    map[string][]string // id → notes
}

func (p *checkingProvider) ValidateObject(typ string, o model.Object) []providers.Problem {
	for _, r := range o.Strings("records") {
		if strings.Contains(r, "bad") {
			return []providers.Problem{{Attr: "records", Summary: "Value the API cannot store", Detail: "it says bad."}}
		}
	}
	return nil
}

func (p *checkingProvider) CheckPlan(_ context.Context, objs []providers.Desired) ([]providers.Problem, error) {
	p.checked = append(p.checked, objs)
	if p.checkErr != nil {
		return nil, p.checkErr
	}
	var out []providers.Problem
	for _, d := range objs {
		if d.Object.Int("ttl") < 600 {
			out = append(out, providers.Problem{Address: d.Address, Attr: "ttl", Summary: "TTL below the floor", Detail: "minimum TTL 600."})
		}
	}
	return out, nil
}

func (p *checkingProvider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	rs, err := p.memProvider.Read(ctx, req)
	for i := range rs {
		rs[i].Notes = p.notes[rs[i].ID]
	}
	return rs, err
}

const checkedConfig = `dns_record "spf" {
  zone    = "example.com"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 -all"]
  ttl     = 300
}

dns_record "kept" {
  zone    = "example.com"
  name    = "kept"
  type    = "TXT"
  records = ["unchanged"]
  ttl     = 60
}
`

func checkedWorld(t *testing.T, src string) (*schema.Config, *ProviderSet, *checkingProvider) {
	t.Helper()
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	kept := model.Canonical(model.DNSRecord, model.Object{"zone": "example.com", "name": "kept", "type": "TXT", "records": []string{"unchanged"}, "ttl": int64(60)})
	p := &checkingProvider{memProvider: memProvider{t: t, objs: map[string]map[string]model.Object{"dns_record": {"example.com/kept/TXT": kept}}}}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"dnsapi": p}, kinds: map[string]string{"dnsapi": "dnsapi"}, names: []string{"dnsapi"}}
	return cfg, ps, p
}

// TestProviderValidator: a value the serving provider cannot store is a validate
// error at the attribute's line, naming the instance and the provider.
func TestProviderValidator(t *testing.T) {
	cfg, ps, _ := checkedWorld(t, strings.Replace(checkedConfig, `"v=spf1 -all"`, `"v=spf1 bad -all"`, 1))
	diags := Validate(cfg, nil, ps)
	var found *hcl.Diagnostic
	for _, d := range diags {
		if d.Summary == "Value the API cannot store" {
			found = d
		}
	}
	if found == nil || found.Severity != hcl.DiagError || found.Subject == nil || found.Subject.Start.Line != 5 ||
		!strings.Contains(found.Detail, "dns_record.spf (served by provider dnsapi): it says bad.") {
		t.Fatalf("diagnostics %v", diags)
	}
	if len(diags.Errs()) != 1 {
		t.Fatalf("only spf is refused: %v", diags)
	}
}

// TestProviderPlanChecker: plan hands the provider every object it would create or
// update (not those left alone), and a problem fails the plan at the attribute's line;
// a failed check fails the plan too, and -refresh=false asks nothing.
func TestProviderPlanChecker(t *testing.T) {
	cfg, ps, p := checkedWorld(t, checkedConfig)
	plan, diags := MakePlan(context.Background(), Options{Config: cfg, State: state.New(), Providers: ps, Refresh: true, Now: time.Now()})
	if len(p.checked) != 1 || len(p.checked[0]) != 1 || p.checked[0][0].Address != "dns_record.spf" {
		t.Fatalf("CheckPlan got %+v; want only the create of dns_record.spf", p.checked)
	}
	if !diags.HasErrors() || plan == nil {
		t.Fatalf("plan should fail and still hold the plan: %v", diags)
	}
	d := diags.Errs()[0].(*hcl.Diagnostic)
	if d.Summary != "TTL below the floor" || d.Subject == nil || d.Subject.Start.Line != 6 || !strings.HasPrefix(d.Detail, "dns_record.spf: ") {
		t.Fatalf("diagnostic %+v", d)
	}

	cfg, ps, p = checkedWorld(t, checkedConfig)
	p.checkErr = errors.New("zone example.com: reading its plan: denied")
	_, diags = MakePlan(context.Background(), Options{Config: cfg, State: state.New(), Providers: ps, Refresh: true, Now: time.Now()})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Cannot check the plan") || !strings.Contains(diags.Error(), "denied") {
		t.Fatalf("a failed check: %v", diags)
	}

	cfg, ps, p = checkedWorld(t, checkedConfig)
	_, diags = MakePlan(context.Background(), Options{Config: cfg, State: state.New(), Providers: ps, Refresh: false, Now: time.Now()})
	if diags.HasErrors() || len(p.checked) != 0 {
		t.Fatalf("-refresh=false: %v, %d checks", diags, len(p.checked))
	}
}

// TestDriftReportsNotes: a note about a live object is drift even when its values
// match what was applied.
func TestDriftReportsNotes(t *testing.T) {
	cfg, ps, p := checkedWorld(t, `dns_record "kept" {
  zone    = "example.com"
  name    = "kept"
  type    = "TXT"
  records = ["unchanged"]
  ttl     = 60
}
`)
	st := state.New()
	st.Set(&state.Resource{Address: "dns_record.kept", Type: "dns_record", Provider: "dnsapi", ID: "example.com/kept/TXT", MatchKey: "example.com/kept/TXT",
		Attrs: p.objs["dns_record"]["example.com/kept/TXT"].Clone()})
	rep, diags := DetectDrift(context.Background(), DriftOptions{Config: cfg, State: st, Providers: ps})
	if diags.HasErrors() || rep.HasDrift() {
		t.Fatalf("no notes, no drift: %v %v", diags, summary(rep))
	}
	p.notes = map[string][]string{"example.com/kept/TXT": {"value \"x\" is paused"}}
	rep, diags = DetectDrift(context.Background(), DriftOptions{Config: cfg, State: st, Providers: ps})
	items := rep.Of(ChangedOutside)
	if diags.HasErrors() || len(items) != 1 || len(items[0].Attrs) != 0 || len(items[0].Notes) != 1 || items[0].Address != "dns_record.kept" {
		t.Fatalf("drift with a note: %v %v", diags, summary(rep))
	}
}

// TestTargetSettings: a plan names where each provider points, from its block or
// the environment variable its documentation names, and never a secret.
func TestTargetSettings(t *testing.T) {
	attrs := []*model.Attr{
		{Name: "endpoint", Kind: model.KindString},
		{Name: "corp_id", Kind: model.KindString, Doc: "the company id; default $MAILFORM_TEST_CORP_ID"},
		{Name: "secret", Kind: model.KindString, Sensitive: true},
		{Name: "rate_limit", Kind: model.KindInt},
	}
	t.Setenv("MAILFORM_TEST_CORP_ID", "wwcorp")
	got := whereOf(attrs, model.Object{"endpoint": "https://user:pw@api.example/cgi-bin/", "secret": "s3cret", "rate_limit": int64(5)})
	want := [][2]string{{"endpoint", "https://api.example/cgi-bin/"}, {"corp_id", "wwcorp"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("whereOf = %v, want %v", got, want)
	}
}
