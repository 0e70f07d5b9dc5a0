package dnstest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recordingTB stands in for a test to see whether Start skips or fails it.
type recordingTB struct {
	testing.TB
	skipped, fatal string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recordingTB) TempDir() string { return "" }

func TestStartMissingBinary(t *testing.T) {
	missing := Starter{Name: "nosuch", Start: func(string, ...string) (*Server, error) {
		_, err := lookBinary("no-such-dns-server", "nosuch-pkg")
		return nil, err
	}}
	cases := []struct {
		require  string
		skipped  bool
		fatalSub string
	}{
		{"", true, ""},
		{"1", false, "MAILFORM_REQUIRE_DNS_SERVERS=1"},
	}
	for _, c := range cases {
		t.Setenv("MAILFORM_REQUIRE_DNS_SERVERS", c.require)
		r := &recordingTB{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); Start(r, missing, "z.test") }()
		<-done
		if c.skipped != (r.skipped != "") || !strings.Contains(r.skipped+r.fatal, "nosuch-pkg") {
			t.Errorf("require=%q: skipped %q, fatal %q; want the package named and skip=%v", c.require, r.skipped, r.fatal, c.skipped)
		}
		if c.fatalSub != "" && !strings.Contains(r.fatal, c.fatalSub) {
			t.Errorf("require=%q: fatal %q, want %q", c.require, r.fatal, c.fatalSub)
		}
	}
}
