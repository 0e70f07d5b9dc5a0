package planner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// One cause that fails every collection of a provider is reported once, naming the
// collections it stopped.
func TestRefreshErrorReportedOnce(t *testing.T) {
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(driftConfig)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p := &memProvider{t: t, readErr: errors.New("sandbox directory .sandbox is in use")}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	_, diags = MakePlan(context.Background(), Options{Config: cfg, State: state.New(), Providers: ps, Refresh: true, Now: time.Now()})
	var msg string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			msg += d.Summary + ": " + d.Detail + "\n"
		}
	}
	if n := strings.Count(msg, "is in use"); n != 1 {
		t.Fatalf("the cause appears %d times:\n%s", n, msg)
	}
	if !strings.Contains(msg, "reading account, department, dns_record, domain") {
		t.Errorf("the message does not name the collections:\n%s", msg)
	}
}
