package schema

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/unreachable"
)

// Fetching a git module from a server that accepts the connection and never answers
// ends with a clear error once GitFetchTimeout has passed, not never.
func TestGitFetchHangingServer(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git is not installed: %v", err)
	}
	old := GitFetchTimeout
	GitFetchTimeout = time.Second
	t.Cleanup(func() { GitFetchTimeout = old })

	g := &gitSource{URL: unreachable.Hanging(t, "/mail-modules.git"), Ref: "v1"}
	start := time.Now()
	_, err := g.fetch(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "did not finish within") {
		t.Fatalf("fetch from a hanging server: err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("fetch from a hanging server took %s", d)
	}
}
