package main

import (
	"strings"
	"testing"
)

// TestApplyPrintsOutputs: outputs are evaluated with the applied ids; length() works on
// a for_each block; sensitive outputs (marked, or from a sensitive variable) never
// print.
func TestApplyPrintsOutputs(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": outputConfig})
	r := mustRun(t, dir, 0, "apply", "-auto-approve")
	for _, want := range []string{"Outputs:", "team_count = 2", `ops_id = "`, "contact = (sensitive)", "pw = (sensitive)"} {
		if !strings.Contains(unaligned(r.stdout), want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "Very-Secret-Passw0rd") || strings.Contains(r.stdout+r.stderr, "postmaster@") {
		t.Error("a sensitive value was printed")
	}
	if strings.Contains(unaligned(r.stdout), `ops_id = "(known`) {
		t.Error("ops_id is not known after apply")
	}
}
