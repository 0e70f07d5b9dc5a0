package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Secrets passed through a plain variable, a sensitive variable, an environment
// variable and written literally in the configuration reach no file mailform writes
// (state, its backup and journal, plan files, export output) and none of its output,
// debug logs included.
func TestSecretsNeverWritten(t *testing.T) {
	secrets := map[string]string{"plain": "Plain-Var-Secret-1", "sens": "Sensitive-Var-Secret-2", "env": "Env-Var-Secret-3", "literal": "Literal-Secret-4"}
	dir := writeFiles(t, map[string]string{"main.mf.hcl": `provider "sandbox" {}
variable "plain_pw" {}
variable "sens_pw" { sensitive = true }
variable "env_pw" {}
domain "d" { name = "example.com" }
account "a" {
  email    = "a@example.com"
  name     = "A"
  password = var.plain_pw
}
account "b" {
  email    = "b@example.com"
  name     = "B"
  password = var.sens_pw
}
account "c" {
  email    = "c@example.com"
  name     = "C"
  password = var.env_pw
}
account "d" {
  email    = "d@example.com"
  name     = "D"
  password = "` + secrets["literal"] + `"
}
`})
	env := []string{"MAILFORM_LOG=debug", "MAILFORM_VAR_env_pw=" + secrets["env"]}
	vars := []string{"-var", "plain_pw=" + secrets["plain"], "-var", "sens_pw=" + secrets["sens"]}
	// Commands that take no -var (state show) get the values from the environment.
	envAll := append([]string{"MAILFORM_VAR_plain_pw=" + secrets["plain"], "MAILFORM_VAR_sens_pw=" + secrets["sens"]}, env...)
	var outputs []result
	stepEnv := func(env []string, code int, args ...string) result {
		t.Helper()
		r := mustRunEnv(t, dir, env, code, args...)
		outputs = append(outputs, r)
		return r
	}
	step := func(code int, args ...string) result {
		t.Helper()
		return stepEnv(env, code, args...)
	}
	r := step(0, append([]string{"validate"}, vars...)...)
	if !strings.Contains(r.stderr, "Secret written in the configuration") || !strings.Contains(r.stderr, "On main.mf.hcl line 24, the value of account.d password") || !strings.Contains(r.stderr, "sensitive = true") {
		t.Errorf("validate does not warn about the literal password on line 24:\n%s", r)
	}
	step(0, append([]string{"plan", "-out", "p.mfplan"}, vars...)...)
	step(0, append([]string{"plan", "-json"}, vars...)...)
	step(0, "show", "p.mfplan")
	// show needs only the plan, not the files whose secrets it withholds.
	elsewhere := t.TempDir()
	if r := mustRunEnv(t, elsewhere, env, 0, "show", "-json", filepath.Join(dir, "p.mfplan")); !strings.Contains(r.stdout, `"account.d"`) {
		t.Errorf("show of a plan file away from its configuration:\n%s", r)
	}
	step(0, "show", "-json", "p.mfplan")
	r = step(1, "apply", "p.mfplan")
	if !strings.Contains(r.stderr, "sensitive variables plain_pw, sens_pw") {
		t.Errorf("apply of the plan without its secrets must name them:\n%s", r)
	}
	step(0, append([]string{"apply", "p.mfplan"}, vars...)...)
	step(0, append([]string{"plan", "-detailed-exitcode"}, vars...)...)
	step(0, append([]string{"drift"}, vars...)...)
	stepEnv(envAll, 0, "state", "show", "account.a")
	step(0, append([]string{"export", "-out", "exported"}, vars...)...)
	step(0, append([]string{"plan", "-out", "again.mfplan"}, vars...)...)

	for _, r := range outputs {
		for what, s := range secrets {
			if strings.Contains(r.output(), s) {
				t.Errorf("the %s secret was printed:\n%s", what, r)
			}
		}
	}
	written := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == filepath.Join(dir, "main.mf.hcl") {
			return nil
		}
		if rel, _ := filepath.Rel(dir, p); strings.HasPrefix(rel, ".sandbox") {
			return nil // the live tenant, which holds what it was told
		}
		written++
		t.Logf("checked %s", p)
		b, _ := os.ReadFile(p)
		for what, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds the %s secret", p, what)
			}
		}
		return nil
	})
	for _, f := range []string{"mailform.state", "p.mfplan", "again.mfplan", "exported/accounts.mf.hcl"} {
		if !exists(dir, f) {
			t.Errorf("%s was not written; the test checks nothing there", f)
		}
	}
	if written < 5 {
		t.Errorf("only %d files checked", written)
	}
}
