// Command mailform manages a company's email setup as code: mail domains, DNS
// records, departments, accounts, groups, send restrictions and backup rules.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"github.com/mailform/mailform/crash"
	"github.com/mailform/mailform/providers/dnspod"
	"github.com/mailform/mailform/providers/exmail"
	"github.com/mailform/mailform/providers/postfix"
	"github.com/mailform/mailform/providers/rfc2136"
	"github.com/mailform/mailform/providers/sandbox"
)

// exitError carries an exit code out of a command: 1 error, 2 changes or drift.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	sandbox.Register()
	rfc2136.Register()
	exmail.Register()
	dnspod.Register()
	postfix.Register()
	// Planning a tenant of 50,000 mailboxes allocates far more than it keeps (a few
	// hundred MB live); a soft limit makes the collector return the garbage before the
	// process grows past 1 GiB. GOMEMLIMIT overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
	// MAILFORM_CPUPROFILE=FILE writes a CPU profile of the run, for benchmarks.
	if path := os.Getenv("MAILFORM_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	code := execute()
	pprof.StopCPUProfile()
	os.Exit(code)
}

// execute runs the command line and returns the exit code. A panic is an internal
// error: it exits 1 with the path of a crash report, never with the Go runtime's
// exit code 2, which scripts take for "changes present".
func execute() (code int) {
	defer func() {
		if e := crash.Recovered(recover()); e != nil {
			fmt.Fprintln(os.Stderr, "Error:", e)
			code = 1
		}
	}()
	if os.Getenv("MAILFORM_CRASH_TEST") == "command" {
		panic("MAILFORM_CRASH_TEST: a deliberate crash, to test crash handling")
	}
	root := newRootCmd()
	root.SetArgs(normalizeArgs(os.Args[1:]))
	err := root.Execute()
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, ee.msg)
		}
		return ee.code
	default:
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
}

// normalizeArgs accepts Terraform-style single-dash long flags (-chdir=DIR, -out F,
// -auto-approve) by rewriting them to the double-dash form cobra expects.
func normalizeArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name := strings.SplitN(a[1:], "=", 2)[0]
			if len(name) > 1 {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}
