package main

import (
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

const refreshOnlyConfig = `
provider "sandbox" {}
domain "corp" { name = "example.com" }
account "alice" {
  email = "alice@example.com"
  name  = "Alice"
}
account "bob" {
  email = "bob@example.com"
  name  = "Bob"
}
dns_record "txt" {
  zone    = "example.com"
  name    = "info"
  type    = "TXT"
  records = ["hello"]
}
`

// TestRefreshOnly: changes made in the console are shown by plan -refresh-only and
// recorded in state by apply -refresh-only without touching live objects; drift then
// reports no outside changes, is honest about the configuration that still differs,
// and exits 0 once the configuration says the same.
func TestRefreshOnly(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": refreshOnlyConfig})
	mustRun(t, dir, 0, "apply", "-auto-approve")
	console(t, dir, func(s *tenant.Store) error {
		if _, err := s.UpdateAccount("alice@example.com", func(o model.Object) error { o["name"] = "Alice Smith"; return nil }); err != nil {
			return err
		}
		if _, err := s.UpdateAccount("bob@example.com", func(o model.Object) error { o["name"] = "Robert"; return nil }); err != nil {
			return err
		}
		return s.Delete("dns_record", "example.com/info/TXT")
	})
	// The team keeps Alice's new name: the configuration is updated to say it.
	editFile(t, dir, "main.mf.hcl", `name  = "Alice"`, `name  = "Alice Smith"`)

	r := mustRun(t, dir, 2, "drift")
	if !strings.Contains(r.stdout, "To accept the 3 outside changes into state without touching live objects") ||
		!strings.Contains(r.stdout, "mailform apply -refresh-only") {
		t.Errorf("drift does not suggest apply -refresh-only:\n%s", r)
	}
	stateBefore := readFile(t, dir, "mailform.state")

	r = mustRun(t, dir, 2, "plan", "-refresh-only", "-detailed-exitcode")
	for _, want := range []string{
		"Objects have changed outside of mailform:", `name: "Alice" -> "Alice Smith"`, `name: "Bob" -> "Robert"`,
		"deleted outside mailform", "This is a refresh-only plan",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan -refresh-only lacks %q:\n%s", want, r)
		}
	}
	if readFile(t, dir, "mailform.state") != stateBefore {
		t.Error("plan -refresh-only changed the state")
	}
	if r := mustRun(t, dir, 1, "apply", "-refresh-only"); !strings.Contains(r.stderr, "needs confirmation") {
		t.Errorf("apply -refresh-only without a terminal: %s", r)
	}
	if r := mustRun(t, dir, 1, "plan", "-refresh-only", "-replace=account.bob"); !strings.Contains(r.stderr, "cannot be combined with -replace") {
		t.Errorf("-refresh-only with -replace: %s", r)
	}

	r = mustRun(t, dir, 0, "apply", "-refresh-only", "-auto-approve")
	if !strings.Contains(r.stdout, "3 outside changes recorded in state; no live object was changed") {
		t.Errorf("apply -refresh-only:\n%s", r)
	}
	if got := sandboxAttr(t, dir, "account", "name"); !contains(got, "Alice Smith") || !contains(got, "Robert") {
		t.Errorf("apply -refresh-only changed live objects: names %v", got)
	}
	if n := len(sandboxItems(t, dir, "dns_record")); n != 0 {
		t.Errorf("apply -refresh-only re-created the deleted RRset (%d live)", n)
	}

	// No outside change is left. What the configuration still asks for differently
	// (Bob's name, the deleted record) is reported honestly as not applied.
	d := driftJSON(t, dir, 2)
	want := []string{"not_applied account.bob name:Robert->Bob", "not_applied dns_record.txt"}
	if got := d.items(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("drift after apply -refresh-only:\n got %v\nwant %v", got, want)
	}
	if r := mustRun(t, dir, 0, "plan", "-refresh-only"); !strings.Contains(r.stdout, "No changes. The state matches the live objects") {
		t.Errorf("a second refresh-only plan:\n%s", r)
	}

	// Once the configuration keeps the outside changes too, drift is clean.
	editFile(t, dir, "main.mf.hcl", `name  = "Bob"`, `name  = "Robert"`)
	editFile(t, dir, "main.mf.hcl", `dns_record "txt" {
  zone    = "example.com"
  name    = "info"
  type    = "TXT"
  records = ["hello"]
}`, "")
	if r := mustRun(t, dir, 0, "drift"); !strings.Contains(r.stdout, "No drift.") {
		t.Errorf("drift after accepting and codifying the outside changes:\n%s", r)
	}
	if r := mustRun(t, dir, 0, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("plan after refresh-only:\n%s", r)
	}
}
