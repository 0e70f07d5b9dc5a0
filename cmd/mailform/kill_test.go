package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// largeCounts is what testdata/large declares, per resource type.
var largeCounts = map[string]int{"domain": 1, "department": 68, "account": 200, "group": 10, "dns_record": 32}

// TestKillDuringApply SIGKILLs `apply` after N completed steps and checks that the
// state it left loads, that a second apply finishes the job, that a plan then has
// nothing to do, and that the sandbox holds every object exactly once.
func TestKillDuringApply(t *testing.T) {
	for _, n := range []int{1, 7, 40, 150} {
		t.Run(fmt.Sprintf("after_%d_steps", n), func(t *testing.T) {
			t.Parallel()
			dir := copyDir(t, "large")
			done := applyAndKill(t, dir, n)
			if done < n {
				t.Fatalf("apply ended after %d completed steps, before the kill at %d", done, n)
			}

			r := mustRun(t, dir, 0, "state", "list")
			if got := len(strings.Fields(r.stdout)); got < n {
				t.Fatalf("state lists %d resources after %d completed steps: a completed step was not durable", got, n)
			}
			// The killed run's lock stays behind; its pid is provably gone from this
			// host, so the next apply takes it over without force-unlock.
			if _, err := os.Stat(filepath.Join(dir, "mailform.state.lock")); err != nil {
				t.Fatalf("the killed apply left no lock file: %v", err)
			}
			mustRun(t, dir, 0, "apply", "-auto-approve")
			r = mustRun(t, dir, 0, "plan", "-detailed-exitcode")
			if !strings.Contains(r.stdout, "No changes.") {
				t.Fatalf("plan after the recovery apply:\n%s", r)
			}
			total := 0
			for typ, want := range largeCounts {
				total += want
				items := sandboxItems(t, dir, typ)
				if len(items) != want {
					t.Errorf("sandbox has %d %s objects, want %d (duplicates or lost objects)", len(items), typ, want)
				}
			}
			names := map[string]int{}
			for _, name := range sandboxAttr(t, dir, "department", "name") {
				names[name]++
				if names[name] > 1 {
					t.Errorf("department %q exists twice in the sandbox", name)
				}
			}
			if got := len(strings.Fields(mustRun(t, dir, 0, "state", "list").stdout)); got != total {
				t.Errorf("state lists %d resources, want %d", got, total)
			}
		})
	}
}

// applyAndKill starts apply -auto-approve in dir and kills it with SIGKILL once n
// "Creation complete" lines have been printed; it returns how many it saw.
func applyAndKill(t *testing.T, dir string, n int) int {
	t.Helper()
	cmd := command(dir, nil, "apply", "-auto-approve", "-parallelism", "4")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Creation complete") {
			done++
			if done == n {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatalf("killing apply: %v", err)
				}
				break
			}
		}
	}
	io.Copy(io.Discard, out)
	err = cmd.Wait()
	if done == n {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Logf("apply finished before the kill landed (%v); stderr:\n%s", err, stderr.String())
		}
	}
	return done
}
