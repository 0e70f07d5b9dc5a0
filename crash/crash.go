// Package crash turns a panic into a crash report file and an ordinary error, so an
// internal failure of mailform exits 1 ("error") like any other, never with the Go
// runtime's exit code 2, which scripts read as "changes present".
package crash

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"
)

// Dir is where reports are written; empty means the system's temporary directory.
// MAILFORM_CRASH_DIR overrides both.
var Dir string

// Error is a recovered panic: what panicked and where its report is.
type Error struct {
	Value  any
	Report string // the report file, or "" when it could not be written
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("internal error (a bug in mailform): %v", e.Value)
	if e.Report != "" {
		msg += "; a crash report was written to " + e.Report + " — please attach it to a bug report"
	}
	return msg
}

// Recovered makes an *Error of a recovered panic value v (nil for no panic),
// writing the report with the stack of the panicking goroutine. Call it directly in
// the deferred function: `defer func() { if e := crash.Recovered(recover()); e != nil { … } }()`.
func Recovered(v any) *Error {
	if v == nil {
		return nil
	}
	return &Error{Value: v, Report: write(v, debug.Stack())}
}

// write saves a report: the panic value, the build and the stack. Command-line
// arguments and the environment are left out, as they may hold secrets.
func write(v any, stack []byte) string {
	dir := Dir
	if d := os.Getenv("MAILFORM_CRASH_DIR"); d != "" {
		dir = d
	}
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "mailform-crash-"+time.Now().UTC().Format("20060102T150405Z")+"-*.txt")
	if err != nil {
		return ""
	}
	defer f.Close()
	build := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		build = bi.Main.Path + " " + bi.Main.Version + " (" + bi.GoVersion + ")"
	}
	fmt.Fprintf(f, "mailform crash report\ntime: %s\nbuild: %s\nos/arch: %s/%s\npanic: %v\n\n%s", time.Now().UTC().Format(time.RFC3339), build, runtime.GOOS, runtime.GOARCH, v, stack)
	if err := f.Close(); err != nil {
		return ""
	}
	p, _ := filepath.Abs(f.Name())
	return p
}
