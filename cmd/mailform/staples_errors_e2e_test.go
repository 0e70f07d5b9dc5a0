package main

import (
	"strings"
	"testing"
)

// TestStaplesErrors: the failure paths of output, workspace, -replace and
// -refresh-only each end with exit 1 and a message that says what to do.
func TestStaplesErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": `
provider "sandbox" {}
domain "corp" { name = "example.com" }
output "n" { value = 3 }
`})
	mustRun(t, dir, 0, "apply", "-auto-approve")
	mustRun(t, dir, 0, "plan", "-out", "saved.plan")
	if r := mustRun(t, dir, 0, "output", "-raw", "n"); r.stdout != "3" {
		t.Errorf("output -raw n = %q", r.stdout)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"output", "-json", "-raw", "n"}, "cannot be used together"},
		{[]string{"workspace", "new", "../up"}, "invalid workspace name"},
		{[]string{"workspace", "new", "default"}, "already exists"},
		{[]string{"workspace", "select", "nowhere"}, "create it with: mailform workspace new nowhere"},
		{[]string{"plan", "-refresh-only", "-out", "x.plan"}, "cannot be saved"},
		{[]string{"plan", "-refresh-only", "-refresh=false"}, "nothing to do"},
		{[]string{"apply", "-refresh-only", "saved.plan"}, "cannot apply the saved plan"},
		{[]string{"plan", "-replace=domain"}, "A resource address has the form type.name"},
	} {
		r := mustRun(t, dir, 1, c.args...)
		if !strings.Contains(strings.Join(strings.Fields(r.stderr), " "), c.want) {
			t.Errorf("mailform %s: want %q in:\n%s", strings.Join(c.args, " "), c.want, r)
		}
	}
	writeFile(t, dir, "bad.mf.hcl", `department "d" { name = mailform.workspce }
`)
	r := mustRun(t, dir, 1, "validate")
	if !strings.Contains(r.stderr, "mailform.workspce does not exist") || !strings.Contains(r.stderr, "bad.mf.hcl") {
		t.Errorf("validate with mailform.workspce:\n%s", r)
	}
}
