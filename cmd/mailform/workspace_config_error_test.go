package main

import (
	"strings"
	"testing"
)

// A configuration that does not load stops the workspace commands that need its
// backend, with the diagnostic naming the file and line, and nothing selected.
func TestWorkspaceCommandsReportABrokenConfiguration(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": "provider \"sandbox\" {}\n\ndomain \"corp\" {\n  name = \n}\n"})
	for _, args := range [][]string{{"workspace", "list"}, {"workspace", "new", "staging"}, {"workspace", "select", "default"}, {"workspace", "delete", "x"}} {
		r := mustRun(t, dir, 1, args...)
		if !strings.Contains(r.stderr, "on main.mf.hcl line 4") || r.stdout != "" {
			t.Errorf("mailform %s: want the diagnostic on main.mf.hcl line 4 and no output:\n%s", strings.Join(args, " "), r)
		}
	}
	if r := mustRun(t, dir, 0, "workspace", "show"); r.stdout != "default\n" {
		t.Errorf("workspace show after the failures: %q, want default", r.stdout)
	}
}
