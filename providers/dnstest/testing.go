package dnstest

import (
	"errors"
	"os"
	"testing"
)

// Starter starts one kind of server for a test.
type Starter struct {
	// Name is the implementation's name, used as the subtest name.
	Name string
	// Start starts the server in dir serving zones.
	Start func(dir string, zones ...string) (*Server, error)
}

// Starters lists the servers every RFC 2136 test suite runs against.
func Starters() []Starter {
	return []Starter{{Name: "knot", Start: StartKnot}, {Name: "bind", Start: StartBind}}
}

// Start starts a server with st for the test and stops it at cleanup. A missing
// program skips the test with the Debian package to install, unless
// MAILFORM_REQUIRE_DNS_SERVERS=1, where it fails the test.
func Start(t testing.TB, st Starter, zones ...string) *Server {
	t.Helper()
	s, err := st.Start(t.TempDir(), zones...)
	if errors.Is(err, ErrMissingBinary) {
		if os.Getenv("MAILFORM_REQUIRE_DNS_SERVERS") == "1" {
			t.Fatalf("MAILFORM_REQUIRE_DNS_SERVERS=1 but %v", err)
		}
		t.Skipf("skipping %s tests: %v", st.Name, err)
	}
	if err != nil {
		t.Fatalf("start %s: %v", st.Name, err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("--- %s log (%s) ---\n%s", s.Name, s.Dir, s.Log())
		}
	})
	return s
}
