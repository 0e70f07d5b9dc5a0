package schema

import (
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/unreachable"
)

// TestGitFetchGivesUpOnSilentServer: a git server that accepts and never answers
// (over http:// and git://) fails the fetch within GitFetchTimeout, and leaves no
// half-made checkout behind.
func TestGitFetchGivesUpOnSilentServer(t *testing.T) {
	defer func(d time.Duration) { GitFetchTimeout = d }(GitFetchTimeout)
	GitFetchTimeout = 2 * time.Second
	hanging := unreachable.Hanging(t, "/mail-modules.git")
	for _, url := range []string{hanging, "git://" + strings.TrimPrefix(hanging, "http://")} {
		g, err := parseGitSource("git::" + url + "//baseline?ref=v1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		root := t.TempDir()
		start := time.Now()
		_, err = g.fetch(root)
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), "did not finish within") {
			t.Errorf("%s: err = %v, want a timeout", url, err)
		}
		if took > 10*time.Second {
			t.Errorf("%s: fetch took %s with a %s bound", url, took, GitFetchTimeout)
		}
		if _, err := g.fetch(root); err == nil {
			t.Errorf("%s: a second fetch found a cached checkout after a failed one", url)
		}
	}
}
