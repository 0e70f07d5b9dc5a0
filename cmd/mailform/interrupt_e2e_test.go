package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// interruptConfig is 2 departments and 40 accounts with an initial password on a
// served Exmail tenant.
const interruptConfig = `
provider "exmail" {
  endpoint   = "%s"
  corp_id    = "` + e2eCorp + `"
  rate_limit = 1000
}
variable "initial_password" {
  type      = string
  sensitive = true
  default   = "Initial-Passw0rd!"
}
domain "corp" { name = "example.com" }
department "eng" { name = "Engineering" }
department "web" {
  name   = "Web"
  parent = department.eng.id
}
account "staff" {
  for_each    = toset([for i in range(40) : format("user%%02d", i)])
  email       = "${each.key}@example.com"
  name        = "User ${each.key}"
  departments = [department.web.id]
  password    = var.initial_password
}
`

// applyAndSignal starts apply and, once n steps have started, sends the signals with
// gap between them. It returns apply's exit code and output.
func applyAndSignal(t *testing.T, dir string, env []string, n int, gap time.Duration, sigs ...os.Signal) (int, string) {
	t.Helper()
	cmd := command(dir, env, "apply", "-auto-approve")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	sc := bufio.NewScanner(out)
	started := 0
	for sc.Scan() {
		fmt.Fprintln(&stdout, sc.Text())
		if strings.HasSuffix(sc.Text(), ": Creating...") {
			started++
			if started == n {
				go func() {
					for i, s := range sigs {
						if i > 0 {
							time.Sleep(gap)
						}
						cmd.Process.Signal(s)
					}
				}()
			}
		}
	}
	io.Copy(&stdout, out)
	cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = -1
	}
	return code, stdout.String() + stderr.String()
}

// Ctrl-C into a running Exmail apply: the first lets the calls in flight finish and
// records them; a second abandons them; kill -9 loses only what was in flight. Each
// time, the next apply finishes the job without duplicates or lost objects, and the
// plan after it is empty: no password is reset.
func TestInterruptExmailApply(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		gap  time.Duration
		sigs []os.Signal
		want string
	}{
		{"one Ctrl-C early", 2, 0, []os.Signal{os.Interrupt}, "Interrupted: no new step starts"},
		{"one Ctrl-C among the accounts", 12, 0, []os.Signal{os.Interrupt}, "Interrupted: no new step starts. Waiting for"},
		{"SIGTERM", 20, 0, []os.Signal{syscall.SIGTERM}, "Interrupted: no new step starts"},
		{"two Ctrl-C", 12, 30 * time.Millisecond, []os.Signal{os.Interrupt, os.Interrupt}, "Interrupted again: abandoning"},
		{"kill -9", 12, 0, []os.Signal{syscall.SIGKILL}, ""},
		{"kill -9 late", 35, 0, []os.Signal{syscall.SIGKILL}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s := startServe(t, dir, nil, "--latency", "300ms")
			writeFile(t, dir, "main.mf.hcl", fmt.Sprintf(interruptConfig, s.url))
			env := []string{"EXMAIL_CONTACTS_SECRET=" + e2eContacts, "EXMAIL_OPTIONS_SECRET=" + e2eOptions}
			code, out := applyAndSignal(t, dir, env, tc.n, tc.gap, tc.sigs...)
			t.Logf("interrupted apply (exit %d):\n%s", code, out)
			if tc.want != "" {
				if code != 1 || !strings.Contains(out, tc.want) {
					t.Fatalf("interrupted apply: want exit 1 with %q, got exit %d:\n%s", tc.want, code, out)
				}
				if !strings.Contains(tc.want, "again") && strings.Contains(out, "context canceled") {
					t.Errorf("after one interrupt a call in flight was cancelled:\n%s", out)
				}
			}
			r := mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
			if strings.Contains(r.stdout, "~ password") {
				t.Errorf("the recovery apply resets passwords:\n%s", r)
			}
			r = mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
			if !strings.Contains(r.stdout, "No changes.") {
				t.Fatalf("the plan after recovery is not empty:\n%s", r)
			}
			s.stop(t)
			if got := sandboxAttr(t, dir, "department", "name"); len(got) != 2 {
				t.Errorf("departments in the tenant = %v, want 2", got)
			}
			emails := map[string]int{}
			for _, e := range sandboxAttr(t, dir, "account", "email") {
				emails[e]++
			}
			if len(emails) != 40 {
				t.Errorf("%d distinct accounts in the tenant, want 40", len(emails))
			}
			for e, n := range emails {
				if n > 1 {
					t.Errorf("%s exists %d times", e, n)
				}
			}
		})
	}
}
