package planner

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mailform/mailform/crash"
	"github.com/mailform/mailform/state"
)

// TestPendingStatePlansAsLoadedState: a plan against a state still loading
// (Options.PendingState) is the plan against the loaded state, byte for byte as
// JSON, with the same diagnostics: converged, with changes, with moved blocks (which
// wait for the state first), with a configuration error, and when the referenced
// department's id comes from state while unreferenced blocks fill theirs in last.
func TestPendingStatePlansAsLoadedState(t *testing.T) {
	moved := strings.Replace(driftConfig, `account "bob"`, `account "robert"`, 1) + `
moved {
  from = account.bob
  to   = account.robert
}
`
	cases := map[string]string{
		"converged":           driftConfig,
		"changes":             strings.Replace(driftConfig, `name  = "Bob"`, `name  = "Robert"`, 1),
		"moved":               moved,
		"configuration error": strings.Replace(driftConfig, `"s3cret-Passw0rd"`, `"s3cret-Passw0rd"`+"\n  quota_mb = \"lots\"", 1),
		"new department": strings.Replace(driftConfig, `department "sales" { name = "Sales" }`, `department "sales" { name = "Sales" }`+"\n"+`department "ops" { name = "Ops" }`+"\n"+`account "carol" {
  email       = "carol@example.com"
  name        = "Carol"
  departments = [department.ops.id, department.sales.id]
}`, 1),
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld()
			w.config = cfg
			want, wantDiags := w.plan(t)
			st := w.state
			for i := 0; i < 20; i++ {
				w := newWorld()
				w.config = cfg
				w.state = nil
				w.opts = func(o *Options) { o.PendingState = LoadState(func() (*state.State, error) { return st, nil }) }
				got, gotDiags := w.plan(t)
				if gotDiags.Error() != wantDiags.Error() {
					t.Fatalf("diagnostics:\n%s\nwant:\n%s", gotDiags.Error(), wantDiags.Error())
				}
				if (got == nil) != (want == nil) {
					t.Fatalf("plan %v, want %v", got, want)
				}
				if got == nil {
					continue
				}
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(want)
				if string(gj) != string(wj) {
					t.Fatalf("plan:\n%s\nwant:\n%s", gj, wj)
				}
			}
			if (name == "configuration error") != wantDiags.HasErrors() {
				t.Fatalf("errors: %s", wantDiags.Error())
			}
		})
	}
}

// TestPendingStateFailure: when the state fails to load, MakePlan makes no plan and
// says only that, whatever the configuration holds (moved blocks, errors); a panic
// while loading is an error too.
func TestPendingStateFailure(t *testing.T) {
	crash.Dir = t.TempDir()
	broken := errors.New("state file mailform.state is corrupt")
	cases := map[string]struct {
		config string
		load   func() (*state.State, error)
		want   string
	}{
		"load error": {config: driftConfig, load: func() (*state.State, error) { return nil, broken }, want: broken.Error()},
		"with moved blocks": {config: driftConfig + "moved {\n  from = account.x\n  to = account.bob\n}\n",
			load: func() (*state.State, error) { return nil, broken }, want: broken.Error()},
		"with a configuration error": {config: strings.Replace(driftConfig, `name  = "Bob"`, `name  = 42`+"\n  quota_mb = \"lots\"", 1),
			load: func() (*state.State, error) { return nil, broken }, want: broken.Error()},
		"panic": {config: driftConfig, load: func() (*state.State, error) { panic("boom") }, want: "internal error (a bug in mailform): boom"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld()
			w.config = c.config
			w.state = nil
			future := LoadState(c.load)
			w.opts = func(o *Options) { o.PendingState = future }
			p, diags := w.plan(t)
			if p != nil || len(diags) != 1 || diags[0].Summary != "Cannot read state" || !strings.HasPrefix(diags[0].Detail, c.want) {
				t.Fatalf("want no plan and one error %q, got %v %s", c.want, p, diags.Error())
			}
			if _, err := future.Wait(); err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("Wait: %v, want %q", err, c.want)
			}
		})
	}
}
