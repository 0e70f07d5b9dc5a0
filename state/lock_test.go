package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestLockUnlock(t *testing.T) {
	l, path := newLocal(t)
	a := NewLockInfo("apply")
	if err := l.Lock(a, 0); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode = %v", fi.Mode().Perm())
	}
	var onDisk LockInfo
	data, _ := os.ReadFile(path + ".lock")
	if err := json.Unmarshal(data, &onDisk); err != nil {
		t.Fatal(err)
	}
	if onDisk.ID != a.ID || onDisk.Operation != "apply" || !strings.Contains(onDisk.Who, fmt.Sprintf(" pid %d", os.Getpid())) || onDisk.Path != path {
		t.Errorf("lock file holds %+v", onDisk)
	}

	b := NewLockInfo("plan")
	err = l.Lock(b, 0)
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second Lock = %v, want *LockedError", err)
	}
	if locked.Holder.ID != a.ID || locked.Stale != "" {
		t.Errorf("holder = %+v stale %q, want live holder %s", locked.Holder, locked.Stale, a.ID)
	}
	for _, want := range []string{a.Who, "apply", "mailform force-unlock " + a.ID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	if err := l.Unlock(b.ID); err == nil || !strings.Contains(err.Error(), a.ID) {
		t.Errorf("Unlock with the wrong id = %v, want an error naming %s", err, a.ID)
	}
	if err := l.Unlock(a.ID); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(a.ID); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("second Unlock = %v, want not locked", err)
	}
	if err := l.Lock(b, 0); err != nil {
		t.Errorf("Lock after Unlock = %v", err)
	}
}

func TestLockWaitsForRelease(t *testing.T) {
	l, _ := newLocal(t)
	a := NewLockInfo("apply")
	if err := l.Lock(a, 0); err != nil {
		t.Fatal(err)
	}
	got := make(chan error)
	go func() { got <- l.Lock(NewLockInfo("plan"), time.Hour) }()
	time.Sleep(50 * time.Millisecond) // let the waiter poll at least once; not asserted
	if err := l.Unlock(a.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Errorf("waiting Lock = %v, want success once released", err)
	}
}

func TestLockNeedsID(t *testing.T) {
	l, _ := newLocal(t)
	if err := l.Lock(LockInfo{Operation: "apply"}, 0); err == nil || !strings.Contains(err.Error(), "NewLockInfo") {
		t.Errorf("Lock without ID = %v", err)
	}
}

func TestLockInMissingDirectory(t *testing.T) {
	l := NewLocal(t.TempDir() + "/missing/mailform.state")
	var locked *LockedError
	if err := l.Lock(NewLockInfo("apply"), 0); err == nil || errors.As(err, &locked) {
		t.Errorf("Lock = %v, want a plain error", err)
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// A lock whose holder is provably gone from this host (SIGKILL, crash) is taken over,
// so apply converges after a crash without force-unlock; any other lock is reported.
func TestStaleLockOfDeadProcessIsTakenOver(t *testing.T) {
	l, path := newLocal(t)
	host, _ := os.Hostname()
	tests := []struct {
		name      string
		who       string
		wantStale bool
	}{
		{"dead process on this host", fmt.Sprintf("bob@%s pid %d", host, deadPID(t)), true}, // taken over
		{"live process on this host", fmt.Sprintf("bob@%s pid %d", host, os.Getpid()), false},
		{"other host", fmt.Sprintf("bob@elsewhere.invalid pid %d", deadPID(t)), false},
		{"unparsable who", "someone", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			held := LockInfo{ID: "held-" + tt.name, Operation: "apply", Who: tt.who, Created: time.Now()}
			data, _ := json.Marshal(held)
			if err := os.WriteFile(path+".lock", data, 0o600); err != nil {
				t.Fatal(err)
			}
			mine := NewLockInfo("plan")
			err := l.Lock(mine, 0)
			if tt.wantStale {
				if err != nil {
					t.Fatalf("Lock over a dead holder's lock = %v, want it taken over", err)
				}
				if got, _ := l.readLock(); got.ID != mine.ID {
					t.Errorf("lock file holds %q, want ours %q", got.ID, mine.ID)
				}
				if err := l.Unlock(mine.ID); err != nil {
					t.Fatal(err)
				}
				return
			}
			var locked *LockedError
			if !errors.As(err, &locked) {
				t.Fatalf("Lock = %v, want *LockedError", err)
			}
			if (locked.Stale != "") != tt.wantStale {
				t.Errorf("Stale = %q, want stale %v", locked.Stale, tt.wantStale)
			}
			if tt.wantStale && !strings.Contains(err.Error(), "looks stale") {
				t.Errorf("error %q does not say stale", err)
			}
			if _, err := os.Stat(path + ".lock"); err != nil {
				t.Error("the lock was removed")
			}
		})
	}
}

func TestForceUnlock(t *testing.T) {
	l, path := newLocal(t)
	if err := l.ForceUnlock("x"); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("ForceUnlock of no lock = %v", err)
	}
	a := LockInfo{ID: "abc123", Operation: "apply", Who: "bob@host pid 1"}
	if err := l.Lock(a, 0); err != nil {
		t.Fatal(err)
	}
	if err := l.ForceUnlock("wrong"); err == nil || !strings.Contains(err.Error(), "abc123") {
		t.Errorf("ForceUnlock(wrong) = %v, want an error naming abc123", err)
	}
	if err := l.ForceUnlock("abc123"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock"); err == nil {
		t.Error("lock file still there after ForceUnlock")
	}
}

func TestUnreadableLockFile(t *testing.T) {
	l, path := newLocal(t)
	os.WriteFile(path+".lock", []byte("{half"), 0o600)
	err := l.Lock(NewLockInfo("apply"), 0)
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Holder.ID != unreadableLockID {
		t.Fatalf("Lock = %v, want *LockedError with ID %s", err, unreadableLockID)
	}
	if err := l.Unlock("x"); err == nil || !strings.Contains(err.Error(), "force-unlock "+unreadableLockID) {
		t.Errorf("Unlock of unreadable lock = %v", err)
	}
	if err := l.ForceUnlock(unreadableLockID); err != nil {
		t.Errorf("ForceUnlock(%s) = %v", unreadableLockID, err)
	}
	if err := l.Lock(NewLockInfo("apply"), 0); err != nil {
		t.Errorf("Lock after clearing = %v", err)
	}
}
