package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanReportsAStateThatFailsToLoad: plan loads the state while it evaluates the
// configuration, and a state that fails to load is still the one error reported, as
// when it was loaded first — also when the configuration has errors of its own, and
// for apply, which plans the same way. Nothing is written: neither the sandbox nor
// the state.
func TestPlanReportsAStateThatFailsToLoad(t *testing.T) {
	const corrupt = "Error: state file mailform.state is corrupt (jsontext: invalid character 'g' at start of value after offset 1); restore it from your own backups or version control\n"
	valid := copyDir(t, "company")
	invalid := copyDir(t, filepath.Join("invalid", "account_group_same_address"))
	os.Remove(filepath.Join(invalid, "expect.txt"))
	for name, dir := range map[string]string{"valid configuration": valid, "invalid configuration": invalid} {
		t.Run(name, func(t *testing.T) {
			writeFile(t, dir, "mailform.state", "{garbage")
			for _, cmd := range [][]string{{"plan"}, {"plan", "-json"}, {"apply", "-auto-approve"}} {
				r := run(t, dir, cmd...)
				if r.code != 1 || r.stderr != corrupt || r.stdout != "" {
					t.Errorf("%s: want exit 1 and only the state's error on stderr, got %s", strings.Join(cmd, " "), r)
				}
			}
			if got := readFile(t, dir, "mailform.state"); got != "{garbage" {
				t.Errorf("the state file changed: %q", got)
			}
			if _, err := os.Stat(filepath.Join(dir, ".sandbox")); !os.IsNotExist(err) {
				t.Errorf("the sandbox was opened (%v)", err)
			}
		})
	}
}
