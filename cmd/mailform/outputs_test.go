package main

import (
	"strings"
	"testing"
)

// TestApplyPrintsOutputs: outputs are evaluated with the applied ids; length() works on
// a for_each block; sensitive outputs never print.
func TestApplyPrintsOutputs(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": `
provider "sandbox" {}
variable "pw" {
  type      = string
  sensitive = true
  default   = "Very-Secret-Passw0rd"
}
domain "corp" { name = "example.com" }
department "teams" {
  for_each = toset(["ops", "sales"])
  name     = each.key
}
account "a" {
  email    = "a@example.com"
  name     = "A"
  password = var.pw
}
output "team_count" { value = length(department.teams) }
output "ops_id"     { value = department.teams["ops"].id }
output "pw" {
  value     = var.pw
  sensitive = true
}
`})
	r := mustRun(t, dir, 0, "apply", "-auto-approve")
	for _, want := range []string{"Outputs:", "team_count = 2", `ops_id = "`, "pw = (sensitive)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "Very-Secret-Passw0rd") {
		t.Error("a sensitive value was printed")
	}
	if strings.Contains(r.stdout, `ops_id = "(known`) {
		t.Error("ops_id is not known after apply")
	}
}
