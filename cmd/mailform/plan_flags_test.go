package main

import (
	"strings"
	"testing"
)

// TestPlanTargetAndRefreshFlags: a -target that names nothing is an error, not an
// empty plan; -refresh=false says that it did not read the live objects.
func TestPlanTargetAndRefreshFlags(t *testing.T) {
	dir := company(t, true)
	r := mustRun(t, dir, 1, "plan", "-target", "account.nosuch")
	if !strings.Contains(r.stderr, "Target matches nothing") || !strings.Contains(r.stderr, "account.nosuch") {
		t.Errorf("plan -target of nothing:\n%s", r)
	}
	mustRun(t, dir, 0, "plan", "-target", "account.alice")
	r = mustRun(t, dir, 0, "plan", "-refresh=false")
	if !strings.Contains(r.stdout, "live objects were not read") {
		t.Errorf("plan -refresh=false claims to have compared live objects:\n%s", r.stdout)
	}
}
