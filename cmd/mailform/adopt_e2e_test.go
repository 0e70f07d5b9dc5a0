package main

import (
	"strings"
	"testing"

	"github.com/mailform/mailform/state/pgtest"
)

// staff40 is 40 accounts with an initial password, served by the sandbox.
const staff40 = `provider "sandbox" {}

variable "initial_password" {
  type      = string
  sensitive = true
  default   = "Initial-Passw0rd!"
}

domain "corp" { name = "example.com" }

account "staff" {
  for_each = toset([for i in range(40) : format("user%02d", i)])
  email    = "${each.key}@example.com"
  name     = "User ${each.key}"
  password = var.initial_password
}
`

// assertAdoptsWithoutPasswords plans against a state that does not know the live
// accounts and checks that they are adopted with their passwords kept, then applies
// and checks the next plan is empty.
func assertAdoptsWithoutPasswords(t *testing.T, dir string, env []string, how string) {
	t.Helper()
	r := mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if n := strings.Count(r.stdout, "will be recorded in state"); n != 41 {
		t.Fatalf("%s: want 41 adoptions, got %d:\n%s", how, n, r)
	}
	if strings.Contains(r.stdout, "password") && !strings.Contains(r.stdout, "password: unknown live, not set") || strings.Contains(r.stdout, "~ password") {
		t.Fatalf("%s: the plan changes passwords:\n%s", how, r)
	}
	if n := strings.Count(r.stdout, "password: unknown live, not set"); n != 40 {
		t.Fatalf("%s: the plan must say 40 times that the password is kept, got %d:\n%s", how, n, r)
	}
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	r = mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("%s: the plan after adoption is not empty:\n%s", how, r)
	}
}

// Moving the state of 40 accounts to a new backend (a fresh local path, PostgreSQL
// and back) adopts every object and plans no password reset.
func TestBackendMigrationKeepsPasswords(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": staff40})
	mustRun(t, dir, 0, "apply", "-auto-approve")

	writeFile(t, dir, "backend.mf.hcl", `mailform {
  backend "local" { path = "moved.state" }
}
`)
	assertAdoptsWithoutPasswords(t, dir, nil, "to a new local state")

	srv := pgtest.Start1(t, "cmd/mailform")
	writeFile(t, dir, "backend.mf.hcl", `mailform {
  backend "pg" { schema_name = "migrate" }
}
`)
	env := []string{"MAILFORM_PG_CONN_STR=" + srv.ConnStr()}
	assertAdoptsWithoutPasswords(t, dir, env, "to PostgreSQL")

	writeFile(t, dir, "backend.mf.hcl", `mailform {
  backend "local" { path = "back.state" }
}
`)
	assertAdoptsWithoutPasswords(t, dir, nil, "back to a local state")
}
