package state

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// lockedBy asserts that err is a refusal naming holder.
func lockedBy(t *testing.T, err error, holder LockInfo) {
	t.Helper()
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("want *LockedError naming %s, got %v", holder.ID, err)
	}
	if le.Holder.ID != holder.ID || le.Holder.Who != holder.Who || le.Holder.Operation != holder.Operation {
		t.Fatalf("the refusal names %+v, want the holder %+v", le.Holder, holder)
	}
	if !strings.Contains(le.Holder.Path, "mailform_states") {
		t.Fatalf("the holder's lock should say where the state is, got Path %q", le.Holder.Path)
	}
}

func TestPGLockRefusesSecondRun(t *testing.T) {
	a, b := newPG(t, "", t.Name()), newPG(t, "", t.Name())
	infoA, infoB := NewLockInfo("apply"), NewLockInfo("plan")
	if err := a.Lock(infoA, 0); err != nil {
		t.Fatal(err)
	}
	lockedBy(t, b.Lock(infoB, 0), infoA)
	lockedBy(t, b.Lock(infoB, 150*time.Millisecond), infoA)
	if err := a.Lock(NewLockInfo("apply"), 0); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("locking twice in one run must be an error, got %v", err)
	}
	// Another workspace is another lock.
	if err := newPG(t, "", t.Name()+"-other").Lock(NewLockInfo("apply"), 0); err != nil {
		t.Fatalf("a lock on another workspace must not be refused: %v", err)
	}
	// A waiting run gets the lock once the holder lets go.
	got := make(chan error, 1)
	go func() { got <- b.Lock(infoB, time.Minute) }()
	if err := a.Unlock(infoA.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the waiting run must get the released lock: %v", err)
	}
	lockedBy(t, a.Lock(NewLockInfo("apply"), 0), infoB)
	if err := b.Unlock(infoB.ID); err != nil {
		t.Fatal(err)
	}
}

func TestPGUnlockErrors(t *testing.T) {
	a, b := newPG(t, "", t.Name()), newPG(t, "", t.Name())
	info := NewLockInfo("apply")
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"not locked", func() error { return a.Unlock(info.ID) }, "it is not locked"},
		{"lock", func() error { return a.Lock(info, 0) }, ""},
		{"wrong id", func() error { return a.Unlock("0000") }, "locked with ID " + info.ID},
		{"another run's lock", func() error { return b.Unlock(info.ID) }, "held by another run"},
		{"unlock", func() error { return a.Unlock(info.ID) }, ""},
		{"twice", func() error { return a.Unlock(info.ID) }, "it is not locked"},
		{"lock without id", func() error { return a.Lock(LockInfo{Operation: "apply"}, 0) }, "has no ID"},
	}
	for _, tc := range tests {
		err := tc.do()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Fatalf("%s: want error %q, got %v", tc.name, tc.want, err)
		}
	}
}

// holderPIDOf is the server pid of the session holding p's advisory lock.
func holderPIDOf(t *testing.T, p *PG) int32 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgConnStr(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pid, err := p.holderPID(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestPGLockReleasedWhenSessionDies(t *testing.T) {
	a, b := newPG(t, "", t.Name()), newPG(t, "", t.Name())
	infoA := NewLockInfo("apply")
	if err := a.Lock(infoA, 0); err != nil {
		t.Fatal(err)
	}
	pid := holderPIDOf(t, a)
	if pid == 0 {
		t.Fatal("pg_locks shows no holder of a taken lock")
	}
	// The connection dies as if the run's machine had vanished.
	adminExec(t, `SELECT pg_terminate_backend($1)`, pid)
	infoB := NewLockInfo("apply")
	if err := b.Lock(infoB, time.Minute); err != nil {
		t.Fatalf("the lock of a dead session must be free: %v", err)
	}
	// The dead run's row was replaced: refusals name the new holder.
	lockedBy(t, newPG(t, "", t.Name()).Lock(NewLockInfo("plan"), 0), infoB)
	if err := a.Unlock(infoA.ID); err == nil || !strings.Contains(err.Error(), "was lost") {
		t.Fatalf("unlocking a lost lock must say it was lost, got %v", err)
	}
	if err := b.Unlock(infoB.ID); err != nil {
		t.Fatalf("the dead run's unlock disturbed the new holder: %v", err)
	}
}

const pgLockChildEnv = "MAILFORM_STATE_PG_LOCK_CHILD"

// TestPGLockChild is the child side of TestPGLockReleasedWhenProcessKilled: it takes
// the lock, says so, and waits to be killed.
func TestPGLockChild(t *testing.T) {
	conn := os.Getenv(pgLockChildEnv)
	if conn == "" {
		t.Skip("runs only as the child process of TestPGLockReleasedWhenProcessKilled")
	}
	p, err := NewPG(PGConfig{ConnStr: conn, Workspace: "killed"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Lock(LockInfo{ID: "child-lock", Operation: "apply"}, 0); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	select {}
}

func TestPGLockReleasedWhenProcessKilled(t *testing.T) {
	connStr := pgConnStr(t)
	child := exec.Command(os.Args[0], "-test.run=^TestPGLockChild$")
	child.Env = append(os.Environ(), pgLockChildEnv+"="+connStr)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("the child did not take the lock: %q %v", line, err)
	}
	p := newPG(t, "", "killed")
	err = p.Lock(NewLockInfo("apply"), 0)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.ID != "child-lock" {
		t.Fatalf("the live child's lock must refuse, got %v", err)
	}
	child.Process.Kill()
	child.Wait()
	info := NewLockInfo("apply")
	if err := p.Lock(info, time.Minute); err != nil {
		t.Fatalf("a killed holder's lock must be released by the server: %v", err)
	}
	lockedBy(t, newPG(t, "", "killed").Lock(NewLockInfo("plan"), 0), info)
}

func TestPGForceUnlock(t *testing.T) {
	a, b := newPG(t, "", t.Name()), newPG(t, "", t.Name())
	infoA := NewLockInfo("apply")
	if err := a.Lock(infoA, 0); err != nil {
		t.Fatal(err)
	}
	stA, err := a.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Save(stA); err != nil {
		t.Fatalf("the holder saves through its lock session: %v", err)
	}
	err = b.ForceUnlock("fedcba9876543210")
	if err == nil || !strings.Contains(err.Error(), "locked with ID "+infoA.ID) {
		t.Fatalf("force-unlock with a wrong ID must refuse and name the real one, got %v", err)
	}
	lockedBy(t, b.Lock(NewLockInfo("plan"), 0), infoA)
	if err := b.ForceUnlock(infoA.ID); err != nil {
		t.Fatal(err)
	}
	if pid := holderPIDOf(t, a); pid != 0 {
		t.Fatalf("force-unlock left the advisory lock held by server pid %d", pid)
	}
	infoC := NewLockInfo("apply")
	c := newPG(t, "", t.Name())
	if err := c.Lock(infoC, 0); err != nil {
		t.Fatalf("the lock must be free after force-unlock: %v", err)
	}
	// The stopped run cannot write on: its save went through the ended session.
	stA.Set(sampleResources()[0])
	if err := a.Save(stA); err == nil || !strings.Contains(err.Error(), "lock on") || !strings.Contains(err.Error(), "was lost") {
		t.Fatalf("a save after force-unlock must be refused as a lost lock, got %v", err)
	}
	if st, _ := c.Load(); st.Serial != 1 || len(st.Resources) != 0 {
		t.Fatalf("the force-unlocked run changed the state: serial %d, %d resources", st.Serial, len(st.Resources))
	}
	if err := a.Unlock(infoA.ID); err == nil || !strings.Contains(err.Error(), "was lost") {
		t.Fatalf("the force-unlocked run's unlock must say its lock was lost, got %v", err)
	}
	if err := c.ForceUnlock(infoC.ID); err != nil {
		t.Fatalf("force-unlock of one's own lock: %v", err)
	}
	if err := b.ForceUnlock(infoC.ID); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Fatalf("force-unlock without a lock must say so, got %v", err)
	}
}
