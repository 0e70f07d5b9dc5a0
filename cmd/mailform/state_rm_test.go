package main

import (
	"strings"
	"testing"
)

// state rm takes a resource address for all its instances, and an address that is not
// in state removes nothing, so "Removed" is never printed for an edit that was not
// saved.
func TestStateRmAllOrNothing(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": `
provider "sandbox" {}
domain "corp" { name = "example.com" }
department "d" {
  for_each = toset(["a", "b"])
  name     = each.key
}
account "alice" {
  email = "alice@example.com"
  name  = "Alice"
}
`})
	mustRun(t, dir, 0, "apply", "-auto-approve")

	r := mustRun(t, dir, 1, "state", "rm", "account.alice", "department.nope")
	if strings.Contains(r.stdout, "Removed") || !strings.Contains(r.stderr, "department.nope is not in state (nothing was removed)") {
		t.Fatalf("state rm with a missing address:\n%s", r)
	}
	if !strings.Contains(mustRun(t, dir, 0, "state", "list").stdout, "account.alice") {
		t.Fatal("account.alice was removed though the command failed")
	}

	r = mustRun(t, dir, 0, "state", "rm", "department.d")
	for _, want := range []string{`Removed department.d["a"]`, `Removed department.d["b"]`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("state rm department.d: want %q in\n%s", want, r)
		}
	}
	if got := mustRun(t, dir, 0, "state", "list").stdout; strings.Contains(got, "department.d") {
		t.Errorf("instances left after state rm department.d:\n%s", got)
	}
}
