package crash

import (
	"os"
	"strings"
	"testing"
)

func TestRecoveredWritesReport(t *testing.T) {
	t.Setenv("MAILFORM_CRASH_DIR", t.TempDir())
	if Recovered(nil) != nil {
		t.Fatal("no panic made an error")
	}
	var e *Error
	func() {
		defer func() { e = Recovered(recover()) }()
		var m map[string]int
		m["x"] = 1 // a real runtime panic
	}()
	if e == nil || e.Report == "" {
		t.Fatalf("recovered = %+v, want an error with a report", e)
	}
	b, err := os.ReadFile(e.Report)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"panic: assignment to entry in nil map", "crash_test.go", "goroutine"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q:\n%s", want, b)
		}
	}
	if !strings.Contains(e.Error(), e.Report) || !strings.Contains(e.Error(), "internal error") {
		t.Errorf("message %q does not name the report", e.Error())
	}
	// An unwritable directory still yields the error, without a path.
	t.Setenv("MAILFORM_CRASH_DIR", "/nonexistent/mailform")
	func() {
		defer func() { e = Recovered(recover()) }()
		panic("boom")
	}()
	if e == nil || e.Report != "" || !strings.Contains(e.Error(), "boom") {
		t.Errorf("with no place for a report: %+v", e)
	}
}
