package main

import (
	"strings"
	"testing"
)

// TestExamplesInitialPasswordIsCreateOnly checks that the examples use
// var.initial_password only to create mailboxes: a new value for the next hires must
// not plan a password reset of every existing mailbox.
func TestExamplesInitialPasswordIsCreateOnly(t *testing.T) {
	dir := copyExample(t, "quickstart")
	first := []string{"MAILFORM_VAR_initial_password=Harbour-Welcome-2026"}
	if r := runEnv(t, dir, first, "apply", "-auto-approve"); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	r := runEnv(t, dir, []string{"MAILFORM_VAR_initial_password=Harbour-Welcome-2027"}, "plan", "-detailed-exitcode")
	if r.code != 0 || strings.Contains(r.stdout, "password") {
		t.Errorf("a new initial_password plans changes to existing mailboxes (exit %d):\n%s", r.code, r.stdout)
	}
	editFile(t, dir, "accounts.csv", "\n", "\nnew.hire@harbourtrade.example,New Hire,emea,Trainee,+86 138 0755 0099,,,\n")
	r = runEnv(t, dir, []string{"MAILFORM_VAR_initial_password=Harbour-Welcome-2027"}, "plan")
	if r.code != 0 || len(lines(unaligned(r.stdout), "+ password = (sensitive)")) != 1 || len(lines(r.stdout, "~ password")) != 0 {
		t.Errorf("a new hire's plan should create one mailbox with a password and reset none (exit %d):\n%s", r.code, r.stdout)
	}
}
