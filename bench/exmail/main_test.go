package main

import (
	"io"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestSmallRun runs the whole benchmark on a small tenant and checks the call
// counts it reports against the targets, and that the apply created every account once.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mailform and runs it six times; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "mailform")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/mailform")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building mailform: %v\n%s", err, out)
	}
	sz := sizes{users: 300, departments: 12, groups: 25, newUsers: 30, latency: time.Millisecond, rate: 400}
	res, err := run(sz, bin, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + sz.groups; res.plan.calls != want || res.planLimited.calls != want || res.replan.calls != want {
		t.Errorf("no-change plan made %d calls (%d under the rate limit, re-plan %d), want 2 + groups = %d",
			res.plan.calls, res.planLimited.calls, res.replan.calls, want)
	}
	// The plan refreshes (2 + groups); applying the saved plan reads nothing again
	// (creates only) and creates each account with one user/create.
	if want := 2 + sz.groups; res.savedPlan.calls != want {
		t.Errorf("plan -out made %d calls, want %d", res.savedPlan.calls, want)
	}
	if want := sz.newUsers; res.apply.calls != want {
		t.Errorf("apply of the saved plan made %d calls, want %d", res.apply.calls, want)
	}
	if res.accounts != sz.users+sz.newUsers {
		t.Errorf("tenant holds %d accounts after the apply, want %d", res.accounts, sz.users+sz.newUsers)
	}
}

func TestSizesCheck(t *testing.T) {
	for _, sz := range []sizes{{users: 0, departments: 1, rate: 1}, {users: 1, departments: 0, rate: 1},
		{users: 1, departments: 1, groups: -1, rate: 1}, {users: 1, departments: 1, rate: 0}} {
		if sz.check() == nil {
			t.Errorf("%+v accepted", sz)
		}
	}
	if err := (sizes{users: 1, departments: 1, rate: 1}).check(); err != nil {
		t.Errorf("a minimal run refused: %v", err)
	}
}
