package planner

import (
	"context"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
)

// TestRefreshOnly: outside changes are accepted into a copy of state (changed values,
// objects deleted outside mailform), unmanaged objects are not, and the given state
// is left alone.
func TestRefreshOnly(t *testing.T) {
	live, st := driftFixture()
	live["account"]["bob@example.com"]["name"] = "Robert"
	delete(live["dns_record"], "example.com/@/MX")
	live["account"]["eve@example.com"] = model.Object{"email": "eve@example.com", "name": "Eve"}
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(driftConfig)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": &memProvider{t: t, objs: live}}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	rep, next, diags := RefreshOnly(context.Background(), DriftOptions{Config: cfg, State: st, Providers: ps}, nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := strings.Join(summary(rep), "\n"); got != "changed_outside account.bob name:\"Bob\"->\"Robert\"\nchanged_outside dns_record.mx | deleted outside mailform: not found live" {
		t.Errorf("refresh-only report:\n%s", got)
	}
	if got := next.Find("account.bob").Attrs.Str("name"); got != "Robert" {
		t.Errorf("bob's name in the accepted state = %q", got)
	}
	if next.Find("dns_record.mx") != nil || next.Find("account.eve") != nil {
		t.Error("the deleted RRset stayed in state, or the unmanaged account was adopted")
	}
	if st.Find("account.bob").Attrs.Str("name") != "Bob" || st.Find("dns_record.mx") == nil {
		t.Error("RefreshOnly changed the state it was given")
	}
	if next.Find("account.alice").Attrs.Str("password") != fixturePasswordHash {
		t.Error("the password hash was lost")
	}

	rep, next, _ = RefreshOnly(context.Background(), DriftOptions{Config: cfg, State: st, Providers: ps}, []string{"account.bob"})
	if len(rep.Items) != 1 || next.Find("dns_record.mx") == nil {
		t.Errorf("-target account.bob accepted %d changes", len(rep.Items))
	}
}
