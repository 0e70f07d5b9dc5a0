package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const replaceConfig = `
provider "sandbox" {}
domain "corp" { name = "example.com" }
domain "spare" { name = "spare.example" }
department "ops" { name = "Ops" }
account "alice" {
  email       = "alice@example.com"
  name        = "Alice"
  departments = [department.ops.id]
}
group "team" {
  email   = "team@example.com"
  name    = "Team"
  members = [account.alice.email]
}
dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}
dns_record "txt" {
  for_each = toset(["a", "b"])
  zone     = "example.com"
  name     = each.key
  type     = "TXT"
  records  = ["v=${each.key}"]
}
`

// TestReplace: -replace replaces an unchanged DNS RRset and group (delete, then
// create from the configuration), shown as "must be replaced" with the reason; it is
// refused for mailboxes, departments and domains with accounts, and an unknown
// address gets a did-you-mean.
func TestReplace(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": replaceConfig})
	mustRun(t, dir, 0, "apply", "-auto-approve")

	r := mustRun(t, dir, 2, "plan", "-detailed-exitcode", "-replace=group.team", `-replace=dns_record.txt["a"]`)
	for _, want := range []string{
		"# group.team must be replaced", `# dns_record.txt["a"] must be replaced`, "# (requested with -replace)",
		"Plan: 2 to add, 0 to change, 2 to destroy.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan -replace lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, `dns_record.txt["b"] must be replaced`) {
		t.Errorf("an instance that was not asked for is replaced:\n%s", r.stdout)
	}
	js := mustRun(t, dir, 0, "plan", "-json", "-replace=dns_record.mx")
	var jp struct {
		Changes []struct {
			Address, Action, Reason string
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &jp); err != nil {
		t.Fatal(err)
	}
	for _, c := range jp.Changes {
		if c.Address == "dns_record.mx" && (c.Action != "replace" || c.Reason != "requested with -replace") {
			t.Errorf("dns_record.mx in plan JSON: %+v", c)
		}
	}

	r = mustRun(t, dir, 0, "apply", "-auto-approve", "-replace=group.team", "-replace=dns_record.mx")
	for _, want := range []string{"group.team: Replacing...", "group.team: Replacement complete", "dns_record.mx: Replacement complete", "2 added, 0 changed, 2 destroyed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply -replace lacks %q:\n%s", want, r.stdout)
		}
	}
	if got := sandboxAttr(t, dir, "group", "members"); len(got) != 1 || !strings.Contains(got[0], "alice@example.com") {
		t.Errorf("the replaced group lost its members: %v", got)
	}
	if r := mustRun(t, dir, 0, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("re-plan after a replacement:\n%s", r.stdout)
	}

	for _, c := range []struct{ arg, want string }{
		{"-replace=account.alice", "replacing a mailbox deletes it and all its mail"},
		{"-replace=department.ops", "would give it a new id"},
		{"-replace=domain.corp", "has 1 accounts and 1 groups"},
		{"-replace=group.teem", `Did you mean "group.team"?`},
		{"-replace=dns_record.txt", `name one, such as dns_record.txt["a"]`},
		{"-replace=nonsense[", "is not a resource address"},
	} {
		r := mustRun(t, dir, 1, "plan", c.arg)
		if !strings.Contains(strings.Join(strings.Fields(r.stderr), " "), c.want) {
			t.Errorf("plan %s: want %q in:\n%s", c.arg, c.want, r)
		}
	}
	// A domain without accounts can be replaced.
	if r := mustRun(t, dir, 0, "plan", "-replace=domain.spare"); !strings.Contains(r.stdout, "# domain.spare must be replaced") {
		t.Errorf("plan -replace=domain.spare:\n%s", r.stdout)
	}
}
