package schema

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// GitFetchTimeout bounds fetching one git module source.
var GitFetchTimeout = time.Minute

// ModuleCacheDir is where git module sources are fetched, inside the root module.
const ModuleCacheDir = ".mailform/modules"

// gitSource is a `git::URL//subdir?ref=REF` module source.
type gitSource struct {
	URL, Subdir, Ref string
}

// parseGitSource parses `git::https://host/repo.git//sub/dir?ref=v1.2.0`. The ref (a
// tag or a commit) is required: a module is pinned, never "whatever the branch holds".
func parseGitSource(s string) (*gitSource, error) {
	rest := strings.TrimPrefix(s, "git::")
	u, err := url.Parse(rest)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("source %q is not a git URL like git::https://example.com/mail-modules.git//company-baseline?ref=v1.0.0", s)
	}
	g := &gitSource{Ref: u.Query().Get("ref")}
	if g.Ref == "" || strings.HasPrefix(g.Ref, "-") {
		return nil, fmt.Errorf("source %q has no ref: pin the module with ?ref=TAG or ?ref=COMMIT so every plan reads the same files", s)
	}
	u.RawQuery = ""
	p := u.Path
	if i := strings.Index(p, "//"); i >= 0 {
		g.Subdir = strings.Trim(p[i+2:], "/")
		u.Path = p[:i]
	}
	if strings.Contains(g.Subdir, "..") {
		return nil, fmt.Errorf("source %q: the subdirectory may not leave the repository", s)
	}
	g.URL = u.String()
	return g, nil
}

// fetch checks the pinned ref out into the cache directory of root (once: a cached
// checkout is used as it is) and returns the module's directory.
func (g *gitSource) fetch(root string) (string, error) {
	dir := filepath.Join(root, g.checkout())
	mod := filepath.Join(root, g.cachePath())
	if _, err := os.Stat(filepath.Join(dir, ".mailform-fetched")); err == nil {
		return mod, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), GitFetchTimeout)
	defer cancel()
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
		// Killing git leaves its transport helper (git-remote-http) holding the
		// output pipe; stop waiting for it soon after the deadline.
		cmd.WaitDelay = time.Second
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			return fmt.Errorf("git %s did not finish within %s", args[0], GitFetchTimeout)
		}
		if err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	steps := [][]string{
		{"init", "--quiet"},
		{"fetch", "--quiet", "--depth", "1", "--", g.URL, g.Ref},
		{"checkout", "--quiet", "FETCH_HEAD"},
	}
	for _, s := range steps {
		if err := git(s...); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".mailform-fetched"), []byte(g.URL+" "+g.Ref+"\n"), 0o644); err != nil {
		return "", err
	}
	return mod, nil
}

// checkout is the directory of the repository's checkout, relative to the root
// module: one per URL and ref.
func (g *gitSource) checkout() string {
	sum := sha256.Sum256([]byte(g.URL + "\x00" + g.Ref))
	return filepath.Join(ModuleCacheDir, hex.EncodeToString(sum[:8]))
}

// cachePath is the module's directory relative to the root module.
func (g *gitSource) cachePath() string {
	return filepath.Join(g.checkout(), filepath.FromSlash(g.Subdir))
}

// hasSourcesUnder reports whether root's sources (a saved plan's) already hold the
// files of the git module, so applying a saved plan fetches nothing.
func hasSourcesUnder(root *Config, g *gitSource) bool {
	rel := filepath.ToSlash(g.cachePath())
	for n := range root.Sources {
		if strings.HasPrefix(n, rel+"/") {
			return true
		}
	}
	return false
}
