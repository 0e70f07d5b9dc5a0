package main

import (
	"fmt"
	"strings"
	"testing"
)

// atTime runs the binary with MAILFORM_NOW set and fails unless it exits with code.
func atTime(t *testing.T, dir, now string, code int, args ...string) result {
	t.Helper()
	r := runEnv(t, dir, []string{"MAILFORM_NOW=" + now}, args...)
	if r.code != code {
		t.Fatalf("MAILFORM_NOW=%s mailform %s: want exit %d, got %s", now, strings.Join(args, " "), code, r)
	}
	return r
}

func accountAttrs(t *testing.T, dir, email string) map[string]any {
	t.Helper()
	for _, it := range sandboxItems(t, dir, "account") {
		if it.Attrs["email"] == email {
			return it.Attrs
		}
	}
	return nil
}

// driftAgrees runs drift at now and fails unless it exits 0 exactly when plan has no
// changes: a nightly drift job must not fail while plan says there is nothing to do.
func driftAgrees(t *testing.T, dir, now string) {
	t.Helper()
	p := runEnv(t, dir, []string{"MAILFORM_NOW=" + now}, "plan", "-detailed-exitcode")
	d := runEnv(t, dir, []string{"MAILFORM_NOW=" + now}, "drift")
	if p.code == 1 || d.code == 1 || (p.code == 0) != (d.code == 0) {
		t.Fatalf("at %s plan and drift disagree:\nplan: %s\ndrift: %s", now, p, d)
	}
}

// TestOffboardingLifecycle walks bob through active → departed (frozen, out of his
// groups) → still pending 30 days later → deleted once the 60 days have passed, with
// his address handed over to alice as an alias; drift agrees with plan at every step.
func TestOffboardingLifecycle(t *testing.T) {
	dir := company(t, false)
	editFile(t, dir, "main.mf.hcl", `members = [account.alice.email]`, `members = [account.alice.email, account.bob.email]`)
	atTime(t, dir, "2026-11-23", 0, "apply", "-auto-approve")
	driftAgrees(t, dir, "2026-11-23")

	r := atTime(t, dir, "2026-11-23", 0, "offboard", "bob@example.com", "--handover-to", "alice@example.com", "--retain-days", "60")
	driftAgrees(t, dir, "2026-11-23")
	src := readFile(t, dir, "main.mf.hcl")
	for _, want := range []string{`status      = "departed"`, `handover_to = account.alice.email`, `retain_days = 60`} {
		if !strings.Contains(src, want) {
			t.Fatalf("offboard did not write %q into the block:\n%s", want, src)
		}
	}
	for _, want := range []string{`~ status = "active" -> "departed"`, "deletes on 2027-01-22", `- "bob@example.com"`} {
		if !strings.Contains(unaligned(r.stdout), want) {
			t.Errorf("offboard's plan lacks %q:\n%s", want, r.stdout)
		}
	}

	atTime(t, dir, "2026-11-23", 0, "apply", "-auto-approve")
	driftAgrees(t, dir, "2026-11-23")
	if st := accountAttrs(t, dir, "bob@example.com")["status"]; st != "departed" {
		t.Fatalf("bob's status in the sandbox = %v, want departed (frozen)", st)
	}
	for _, it := range sandboxItems(t, dir, "group") {
		if strings.Contains(fmt.Sprint(it.Attrs["members"]), "bob@example.com") {
			t.Fatalf("bob is still a member of %v", it.Attrs["email"])
		}
	}
	if !strings.Contains(mustRun(t, dir, 0, "state", "show", "account.bob").stdout, "frozen at 2026-11-23") {
		t.Error("state does not record when bob was frozen")
	}

	// 30 days later: pending, nothing to do.
	r = atTime(t, dir, "2026-12-23", 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "offboarding pending: deletes on 2027-01-22, 30 days left") || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan 30 days after the freeze:\n%s", r.stdout)
	}
	driftAgrees(t, dir, "2026-12-23")
	// The day before the due date: still pending.
	atTime(t, dir, "2027-01-21", 0, "plan", "-detailed-exitcode")
	driftAgrees(t, dir, "2027-01-21")

	// On the due date: delete bob, alias his address to alice.
	r = atTime(t, dir, "2027-01-22", 2, "plan", "-detailed-exitcode")
	for _, want := range []string{"account.bob will be destroyed", "retention period ended on 2027-01-22", `+ "bob@example.com"`, "1 to change, 1 to destroy"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan on the due date lacks %q:\n%s", want, r.stdout)
		}
	}
	driftAgrees(t, dir, "2027-01-22")
	r = atTime(t, dir, "2027-01-22", 0, "apply", "-auto-approve")
	if strings.Index(r.stdout, "account.bob: Destruction complete") > strings.Index(r.stdout, "account.alice: Modifying") {
		t.Errorf("alice got bob's alias before bob was deleted:\n%s", r.stdout)
	}
	if accountAttrs(t, dir, "bob@example.com") != nil {
		t.Fatal("bob's mailbox still exists after the due date")
	}
	if aliases := fmt.Sprint(accountAttrs(t, dir, "alice@example.com")["aliases"]); !strings.Contains(aliases, "bob@example.com") {
		t.Fatalf("alice's aliases = %s, want bob@example.com", aliases)
	}
	// And it stays converged after the due date.
	r = atTime(t, dir, "2027-03-01", 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "offboarded") || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan after the offboarding:\n%s", r.stdout)
	}
	driftAgrees(t, dir, "2027-01-22")
	driftAgrees(t, dir, "2027-03-01")
}

// TestFrozenAndBackToActive: frozen disables without a schedule; active enables again.
func TestFrozenAndBackToActive(t *testing.T) {
	dir := company(t, true)
	editFile(t, dir, "main.mf.hcl", `name        = "Bob Baker"`, "name        = \"Bob Baker\"\n  status      = \"frozen\"")
	r := mustRun(t, dir, 0, "apply", "-auto-approve")
	if strings.Contains(r.stdout, "deletes on") {
		t.Errorf("a frozen account got a deletion schedule:\n%s", r.stdout)
	}
	if st := accountAttrs(t, dir, "bob@example.com")["status"]; st != "frozen" {
		t.Fatalf("status = %v, want frozen", st)
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	editFile(t, dir, "main.mf.hcl", "  status      = \"frozen\"\n", "")
	r = mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, `~ status = "frozen" -> "active"`) {
		t.Fatalf("plan back to active:\n%s", r.stdout)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if st := accountAttrs(t, dir, "bob@example.com")["status"]; st != "active" {
		t.Fatalf("status = %v, want active", st)
	}
}

// TestOffboardingValidation: a handover to an unmanaged or inactive account is an
// error, a retention outside 30–90 days a warning naming the policy.
func TestOffboardingValidation(t *testing.T) {
	dir := company(t, false)
	editFile(t, dir, "main.mf.hcl", `name        = "Bob Baker"`, "name        = \"Bob Baker\"\n  status = \"departed\"\n  offboarding {\n    handover_to = \"nobody@example.com\"\n    retain_days = 7\n  }")
	r := mustRun(t, dir, 1, "validate")
	for _, want := range []string{"Handover to an unmanaged account", "nobody@example.com", "Retention outside the policy", "30 to 90 days"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("validate lacks %q:\n%s", want, r.stderr)
		}
	}
	editFile(t, dir, "main.mf.hcl", `handover_to = "nobody@example.com"`, `handover_to = "alice@example.com"`)
	editFile(t, dir, "main.mf.hcl", `password    = var.initial_password`, "password    = var.initial_password\n  status      = \"frozen\"")
	r = mustRun(t, dir, 1, "validate")
	if !strings.Contains(r.stderr, "Handover to an inactive account") {
		t.Errorf("validate should refuse a handover to a frozen account:\n%s", r.stderr)
	}
}

// TestMassChangeGuard: a CSV that lost 40 % of its rows would delete 40 % of the
// mailboxes; the plan is refused with the numbers unless -force.
func TestMassChangeGuard(t *testing.T) {
	var rows []string
	for i := 0; i < 30; i++ {
		rows = append(rows, fmt.Sprintf("user%02d@example.com,User %02d", i, i))
	}
	cfg := `
provider "sandbox" {}
domain "corp" { name = "example.com" }
account "staff" {
  for_each = { for r in csvdecode(file("staff.csv")) : r.email => r }
  email    = each.value.email
  name     = each.value.name
}
`
	dir := writeFiles(t, map[string]string{"main.mf.hcl": cfg, "staff.csv": "email,name\n" + strings.Join(rows, "\n") + "\n"})
	mustRun(t, dir, 0, "apply", "-auto-approve")
	writeFile(t, dir, "staff.csv", "email,name\n"+strings.Join(rows[:18], "\n")+"\n")
	var allow []string
	for _, r := range rows[18:] {
		allow = append(allow, "-allow-delete="+strings.Split(r, ",")[0])
	}
	r := mustRun(t, dir, 1, append([]string{"plan"}, allow...)...)
	if !strings.Contains(r.stderr, "Mass change refused") || !strings.Contains(r.stderr, "12 of 30 managed accounts (40%)") || !strings.Contains(r.stderr, "-force") {
		t.Fatalf("the mass delete was not refused with its numbers:\n%s", r.stderr)
	}
	mustRun(t, dir, 1, append([]string{"apply", "-auto-approve"}, allow...)...)
	if n := len(sandboxItems(t, dir, "account")); n != 30 {
		t.Fatalf("the refused apply changed the sandbox: %d accounts, want 30", n)
	}
	mustRun(t, dir, 0, append([]string{"apply", "-auto-approve", "-force"}, allow...)...)
	if n := len(sandboxItems(t, dir, "account")); n != 18 {
		t.Fatalf("after -force the sandbox has %d accounts, want 18", n)
	}
}

// TestPreventDestroy: a plan that would delete a protected resource fails, names it,
// and still shows the rest of the plan.
func TestPreventDestroy(t *testing.T) {
	dir := company(t, true)
	editFile(t, dir, "main.mf.hcl", `department "finance" {
  name = "Finance"
}`, `department "finance" {
  name = "Finance"
}

department "legal" {
  name = "Legal"
}`)
	editFile(t, dir, "main.mf.hcl", `send_restriction "finance" {`, "send_restriction \"finance\" {\n  lifecycle {\n    prevent_destroy = true\n  }")
	mustRun(t, dir, 0, "apply", "-auto-approve")
	src := readFile(t, dir, "main.mf.hcl")
	i := strings.Index(src, `send_restriction "finance" {`)
	j := strings.Index(src[i:], "\n}\n")
	writeFile(t, dir, "main.mf.hcl", src[:i]+src[i+j+3:])
	r := mustRun(t, dir, 1, "plan")
	for _, want := range []string{"send_restriction.finance", "prevent_destroy", "will be destroyed"} {
		if !strings.Contains(r.stderr+r.stdout, want) {
			t.Errorf("the refused plan lacks %q:\n%s", want, r)
		}
	}
}

// TestOffboardCSVAccount: `mailform offboard` of an account from a CSV file edits its
// row, and the plan freezes it when the block reads the columns.
func TestOffboardCSVAccount(t *testing.T) {
	cfg := `
provider "sandbox" {}
domain "corp" { name = "example.com" }
account "staff" {
  for_each = { for r in csvdecode(file("staff.csv")) : r.email => r }
  email    = each.value.email
  name     = each.value.name
  status   = each.value.status != "" ? each.value.status : "active"
  dynamic "offboarding" {
    for_each = each.value.status == "departed" ? [each.value] : []
    content {
      handover_to = offboarding.value.handover_to
      retain_days = tonumber(offboarding.value.retain_days)
    }
  }
}
`
	dir := writeFiles(t, map[string]string{"main.mf.hcl": cfg,
		"staff.csv": "email,name,status,handover_to,retain_days\nann@example.com,Ann,,,\nbob@example.com,Bob,,,\n"})
	atTime(t, dir, "2026-11-23", 0, "apply", "-auto-approve")
	r := atTime(t, dir, "2026-11-23", 0, "offboard", "bob@example.com", "--handover-to", "ann@example.com", "--retain-days", "45")
	if !strings.Contains(readFile(t, dir, "staff.csv"), "bob@example.com,Bob,departed,ann@example.com,45") {
		t.Fatalf("the CSV row was not updated:\n%s", readFile(t, dir, "staff.csv"))
	}
	if !strings.Contains(r.stdout, "will be frozen and offboarded") || !strings.Contains(r.stdout, "deletes on 2027-01-07") {
		t.Errorf("offboard's plan:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "does not offboard") {
		t.Errorf("spurious warning:\n%s", r.stderr)
	}
}

// TestQuickstartOffboard: the quickstart's CSV has the offboarding columns, so the
// README's `mailform offboard` works on it as written.
func TestQuickstartOffboard(t *testing.T) {
	dir := quickstartCopy(t)
	atTime(t, dir, "2026-11-23", 0, "apply", "-auto-approve")
	r := atTime(t, dir, "2026-11-23", 0, "offboard", "guo.qiang@harbourtrade.example", "--handover-to", "li.na@harbourtrade.example", "--retain-days", "60")
	if !strings.Contains(readFile(t, dir, "accounts.csv"), ",departed,li.na@harbourtrade.example,60") {
		t.Errorf("offboard did not fill in the row:\n%s", readFile(t, dir, "accounts.csv"))
	}
	if !strings.Contains(r.stdout, "will be frozen and offboarded") || !strings.Contains(r.stdout, "deletes on 2027-01-22") {
		t.Errorf("offboard's plan:\n%s", r)
	}
}
