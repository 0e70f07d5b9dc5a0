package main

import (
	"strings"
	"testing"
)

// TestSandboxServeIgnoresTSIGVariableWithoutName checks that a MAILFORM_TSIG_SECRET
// left in the environment for the rfc2136 provider does not stop `sandbox serve`
// without --tsig-name: it serves an open DNS server, as its help says ("none = open"),
// instead of failing with "a TSIG key needs both a name and a secret".
func TestSandboxServeIgnoresTSIGVariableWithoutName(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir, []string{"MAILFORM_TSIG_SECRET=c2VjcmV0LXNlY3JldA=="}, "--http", "off", "--dns", "127.0.0.1:0")
	if s.dns == "" {
		t.Fatalf("no DNS address printed:\n%s", s.out)
	}
	if out := s.stop(t); !strings.Contains(out, "no TSIG key") {
		t.Errorf("want an open DNS server (no TSIG key), got:\n%s", out)
	}
}
