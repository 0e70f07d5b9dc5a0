package main

import (
	"slices"
	"strings"
	"testing"
)

// TestDoneWhenFlow is the Done-when flow on the sandbox: create everything,
// converge, change one attribute, converge again, and refuse to delete a mailbox whose
// block was removed unless -allow-delete names it.
func TestDoneWhenFlow(t *testing.T) {
	dir := company(t, false)

	r := mustRun(t, dir, 0, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "Apply complete! 10 added, 0 changed, 0 destroyed") {
		t.Fatalf("apply should create all 10 resources:\n%s", r)
	}
	if got := sandboxAttr(t, dir, "account", "email"); !slices.Equal(got, []string{"alice@example.com", "bob@example.com"}) {
		t.Fatalf("sandbox accounts after apply = %v", got)
	}
	if got := len(sandboxItems(t, dir, "department")); got != 3 {
		t.Fatalf("sandbox has %d departments after apply, want 3", got)
	}

	r = mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan right after apply should say No changes.:\n%s", r)
	}

	editFile(t, dir, "main.mf.hcl", `"Bob Baker"`, `"Robert Baker"`)
	r = mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	changed := lines(r.stdout, "~ ")
	// One line for the legend, one for the resource header and exactly one for the
	// attribute.
	attrLines := lines(unaligned(r.stdout), `~ name = "Bob Baker" -> "Robert Baker"`)
	if len(attrLines) != 1 || len(changed) != 3 || !strings.Contains(r.stdout, `~ account "bob"`) {
		t.Fatalf("want exactly one ~ attribute line for account.bob name, got %q:\n%s", changed, r)
	}
	if !strings.Contains(r.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.") {
		t.Fatalf("plan summary:\n%s", r)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if got := sandboxAttr(t, dir, "account", "name"); !slices.Contains(got, "Robert Baker") {
		t.Fatalf("sandbox names after apply = %v", got)
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")

	removeBlock(t, dir, "main.mf.hcl", `account "bob" {`)
	for _, args := range [][]string{{"plan", "-detailed-exitcode"}, {"apply", "-auto-approve"}} {
		r = mustRun(t, dir, 1, args...)
		for _, want := range []string{"bob@example.com", `status = "departed"`, "mailform state rm account.bob", "-allow-delete=bob@example.com"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%s: the mailbox-safety message lacks %q:\n%s", args[0], want, r)
			}
		}
		if got := sandboxAttr(t, dir, "account", "email"); !slices.Contains(got, "bob@example.com") {
			t.Fatalf("%s deleted bob's mailbox although it refused: sandbox has %v", args[0], got)
		}
	}
	mustRun(t, dir, 0, "state", "show", "account.bob")

	r = mustRun(t, dir, 2, "plan", "-detailed-exitcode", "-allow-delete=bob@example.com")
	if !strings.Contains(r.stdout, "account.bob will be destroyed") {
		t.Fatalf("-allow-delete should plan the delete:\n%s", r)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve", "-allow-delete=bob@example.com")
	if got := sandboxAttr(t, dir, "account", "email"); !slices.Equal(got, []string{"alice@example.com"}) {
		t.Fatalf("sandbox accounts after the allowed delete = %v", got)
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
}

// removeBlock deletes the top-level block that starts with the line header.
func removeBlock(t *testing.T, dir, name, header string) {
	t.Helper()
	src := readFile(t, dir, name)
	start := strings.Index(src, header)
	if start < 0 {
		t.Fatalf("%s has no block %q", name, header)
	}
	end := strings.Index(src[start:], "\n}\n")
	if end < 0 {
		t.Fatalf("%s: block %q has no closing brace", name, header)
	}
	writeFile(t, dir, name, src[:start]+src[start+end+3:])
}
