package state

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
)

const killChildEnv = "MAILFORM_STATE_KILL_CHILD"

// TestKillChild is the child side of TestKillSafety: it saves forever, one resource
// more each time, until it is killed.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestKillSafety")
	}
	l := NewLocal(path)
	st, err := l.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for i := 0; ; i++ {
		st.Set(&Resource{Address: fmt.Sprintf(`account.a["%08d"]`, st.Serial), Type: "account", ID: "x",
			Attrs: model.Object{"email": fmt.Sprintf("u%d@example.com", i), "name": "padding to make writes take a while", "quota_mb": int64(i)}})
		if err := l.Save(st); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
	}
}

// TestKillSafety kills a process that saves in a loop at random moments; every time,
// the file on disk must be a complete state (the old or the new one, never a mix).
func TestKillSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kill-safety test starts and kills child processes; skipped in -short mode")
	}
	path := filepath.Join(t.TempDir(), "mailform.state")
	var last uint64
	for round := 0; round < 15; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+path)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let the child get past its start-up and into its save loop, then kill it
		// at a random moment; the delay only spreads the kill points.
		for {
			if st, err := NewLocal(path).Load(); err == nil && st.Serial > last {
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(20000)) * time.Microsecond)
		cmd.Process.Kill()
		cmd.Wait()

		for _, p := range []string{path, path + ".backup"} {
			st, err := NewLocal(p).Load()
			if err != nil {
				t.Fatalf("round %d: %s does not load after kill -9: %v", round, p, err)
			}
			if uint64(len(st.Resources)) != st.Serial {
				t.Fatalf("round %d: %s has %d resources at serial %d: a torn write", round, p, len(st.Resources), st.Serial)
			}
		}
		st, _ := NewLocal(path).Load()
		if st.Serial < last {
			t.Fatalf("round %d: serial went back from %d to %d", round, last, st.Serial)
		}
		last = st.Serial
	}
	t.Logf("state reached serial %d across 15 kills", last)
}
