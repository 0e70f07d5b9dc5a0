package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/state"
)

// TestSecondApplyRefused holds the state lock as a running apply would and checks
// that every command that writes or reads under the lock is refused with a message
// naming the holder, its operation and the force-unlock command.
func TestSecondApplyRefused(t *testing.T) {
	dir := company(t, false)
	backend := state.NewLocal(filepath.Join(dir, "mailform.state"))
	info := state.NewLockInfo("apply")
	if err := backend.Lock(info, 0); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"apply", "-auto-approve"}, {"plan"}, {"state", "rm", "account.alice"}} {
		r := mustRun(t, dir, 1, args...)
		for _, want := range []string{info.Who, "apply since", "lock ID " + info.ID, "mailform force-unlock " + info.ID} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%s: the refusal lacks %q:\n%s", args[0], want, r)
			}
		}
		// The holder is this test process, alive: the lock must not be called stale.
		if strings.Contains(r.stderr, "stale") {
			t.Errorf("%s: a live holder's lock was called stale:\n%s", args[0], r)
		}
	}
	if got := len(sandboxItems(t, dir, "account")); got != 0 || exists(dir, "mailform.state") {
		t.Fatalf("the refused apply changed something: %d accounts", got)
	}
	if err := backend.Unlock(info.ID); err != nil {
		t.Fatalf("the refused runs disturbed the holder's lock: %v", err)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
}

// TestForceUnlock leaves the lock file of a run that died (its pid no longer exists)
// and clears it with force-unlock.
func TestForceUnlock(t *testing.T) {
	dir := company(t, true)
	// A lock held on another host cannot be judged stale from here: it stays until
	// force-unlock.
	info := state.LockInfo{ID: "0123456789abcdef0123456789abcdef", Operation: "apply",
		Who: "deployer@ci-runner-7.invalid pid 4242", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Path: filepath.Join(dir, "mailform.state")}
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "mailform.state.lock", string(b))

	r := mustRun(t, dir, 1, "apply", "-auto-approve")
	for _, want := range []string{info.Who, "apply since 2026-01-02T03:04:05Z", "lock ID " + info.ID,
		"mailform force-unlock " + info.ID} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, r)
		}
	}

	r = mustRun(t, dir, 1, "force-unlock", "fedcba9876543210")
	if !strings.Contains(r.stderr, info.ID) || !exists(dir, "mailform.state.lock") {
		t.Fatalf("force-unlock with a wrong ID must refuse, name the real ID and keep the lock:\n%s", r)
	}
	r = mustRun(t, dir, 0, "force-unlock", info.ID)
	if !strings.Contains(r.stdout, "lock was removed") || exists(dir, "mailform.state.lock") {
		t.Fatalf("force-unlock:\n%s", r)
	}
	r = mustRun(t, dir, 1, "force-unlock", info.ID)
	if !strings.Contains(r.stderr, "not locked") {
		t.Fatalf("force-unlock without a lock:\n%s", r)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if exists(dir, "mailform.state.lock") {
		t.Fatal("apply left its lock behind")
	}
}

// TestDeadHoldersLockIsTakenOver: the lock of a run killed on this host (its pid is
// gone) does not block the next apply.
func TestDeadHoldersLockIsTakenOver(t *testing.T) {
	dir := company(t, true)
	host, _ := os.Hostname()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	info := state.LockInfo{ID: "feedfacefeedfacefeedfacefeedface", Operation: "apply",
		Who: fmt.Sprintf("deployer@%s pid %d", host, dead.ProcessState.Pid()), Created: time.Now().UTC()}
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "mailform.state.lock", string(b))
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if exists(dir, "mailform.state.lock") {
		t.Fatal("apply left a lock behind")
	}
}
