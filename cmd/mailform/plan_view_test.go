package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// goldenFile compares got with testdata/golden/name; -update rewrites it.
func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/mailform -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./cmd/mailform -run %s -update rewrites it):\n--- got\n%s\n--- want\n%s", name, t.Name(), got, want)
	}
}

// quickstartCopy copies the configuration of examples/quickstart (no state, no
// sandbox) into a fresh directory.
func quickstartCopy(t *testing.T) string {
	t.Helper()
	return exampleCopy(t, "quickstart", configOnly)
}

// TestQuickstartFirstPlan keeps the quickstart's first plan on a terminal as a
// reviewer sees it (the Markdown one is docs/quickstart-plan.md).
func TestQuickstartFirstPlan(t *testing.T) {
	dir := quickstartCopy(t)
	r := mustRun(t, dir, 0, "plan")
	goldenFile(t, "quickstart-plan.txt", r.stdout)
}

const lintWarningConfig = `provider "sandbox" {}

domain "corp" {
  name = "example.com"
}

dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

dns_record "spf" {
  zone    = "example.com"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com"]
}
`

// TestPlanLintFindings: a lint warning (SPF-NO-ALL) is part of the plan, so the
// reviewer sees it in every rendering — the terminal, -markdown, -json, and the saved
// plan through show in each format — and it is said once, not also on stderr.
func TestPlanLintFindings(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": lintWarningConfig})
	r := mustRun(t, dir, 0, "plan", "-out", "p.mfplan")
	if strings.Contains(r.stderr, "SPF-NO-ALL") || strings.Count(r.stdout, "SPF-NO-ALL") != 1 {
		t.Errorf("the warning should be in the plan once and not on stderr:\n%s", r)
	}
	goldenFile(t, "lint-warning-plan.txt", strings.Split(r.stdout, "\nSaved the plan")[0])
	md := mustRun(t, dir, 0, "plan", "-markdown").stdout
	goldenFile(t, "lint-warning-plan.md", md)
	for name, out := range map[string]string{
		"show":                  mustRun(t, dir, 0, "show", "p.mfplan").stdout,
		"show -format=markdown": mustRun(t, dir, 0, "show", "-format=markdown", "p.mfplan").stdout,
		"plan -markdown":        md,
	} {
		if !strings.Contains(out, "[SPF-NO-ALL]") || !strings.Contains(out, "main.mf.hcl") || !strings.Contains(out, "~all") {
			t.Errorf("%s lacks the SPF-NO-ALL finding with its place and fix:\n%s", name, out)
		}
	}
	for _, args := range [][]string{{"plan", "-json"}, {"show", "-json", "p.mfplan"}} {
		var jp struct {
			Findings []struct {
				Rule, Summary, Detail, File string
				Line                        int
			}
		}
		out := mustRun(t, dir, 0, args...).stdout
		if err := json.Unmarshal([]byte(out), &jp); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if len(jp.Findings) != 1 || jp.Findings[0].Rule != "SPF-NO-ALL" || jp.Findings[0].File != "main.mf.hcl" || jp.Findings[0].Line != 18 {
			t.Errorf("%v findings = %+v, want SPF-NO-ALL at main.mf.hcl:18", args, jp.Findings)
		}
	}
	// A clean configuration has an empty list, not a missing one, for scripts.
	editFile(t, dir, "main.mf.hcl", "include:spf.mail.qq.com", "include:spf.mail.qq.com ~all")
	if out := mustRun(t, dir, 0, "plan", "-json").stdout; !strings.Contains(out, `"findings": []`) {
		t.Errorf("plan -json of a clean configuration lacks \"findings\": []:\n%s", out)
	}
}

// TestPlanRevertsOutsideChange: a name changed in the console is planned back and
// the plan says it reverts an outside change, while a change made in the
// configuration is not called one; an account created in the console before its
// block was applied is counted as an import in the Plan: line.
func TestPlanRevertsOutsideChange(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": sandboxCompany})
	mustRun(t, dir, 0, "apply", "-auto-approve")
	console(t, dir, func(s *tenant.Store) error {
		if _, err := s.UpdateAccount("bob@example.com", func(o model.Object) error { o["name"] = "Robert"; return nil }); err != nil {
			return err
		}
		_, err := s.Create("account", "", model.Object{"email": "carol@example.com", "name": "Carol", "status": "active"})
		return err
	})
	editFile(t, dir, "main.mf.hcl", `name        = "Alice"`, `name        = "Alice Archer"`)
	editFile(t, dir, "main.mf.hcl", "provider \"sandbox\" {}\n", "provider \"sandbox\" {}\n\naccount \"carol\" {\n  email = \"carol@example.com\"\n  name  = \"Carol\"\n}\n")
	r := mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	goldenFile(t, "reverted-outside-plan.txt", r.stdout)
	for _, want := range []string{
		"Objects have changed outside mailform; this plan changes them back:\n    account.bob: name\n\n",
		"# (changed outside mailform: name; this sets it back to the configuration)",
		"Plan: 1 to import, 0 to add, 2 to change, 0 to destroy.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "account.alice: name") {
		t.Errorf("a change made in the configuration is called an outside change:\n%s", r.stdout)
	}
	var jp struct {
		Summary         struct{ Import int }
		ResourceChanges []struct {
			Address string
			Reverts []string `json:"reverts_outside"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, dir, 0, "plan", "-json").stdout), &jp); err != nil {
		t.Fatal(err)
	}
	if jp.Summary.Import != 1 {
		t.Errorf("plan -json summary.import = %d, want 1", jp.Summary.Import)
	}
	for _, c := range jp.ResourceChanges {
		if want := c.Address == "account.bob"; want != (len(c.Reverts) == 1 && c.Reverts[0] == "name") {
			t.Errorf("%s reverts_outside = %v", c.Address, c.Reverts)
		}
	}
}

// TestOnboardingMarkdownFitsAComment: onboarding 600 accounts from a CSV makes a
// Markdown plan under 60,000 characters that keeps the table and the DNS change in
// full, counts the accounts, and points at the full plan.
func TestOnboardingMarkdownFitsAComment(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i := 0; i < 600; i++ {
		fmt.Fprintf(&csv, "user%03d@example.com,User %03d\n", i, i)
	}
	dir := writeFiles(t, map[string]string{"staff.csv": csv.String(), "main.mf.hcl": `provider "sandbox" {}

domain "corp" {
  name = "example.com"
}

dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["10 mxbiz2.qq.com.", "5 mxbiz1.qq.com."]
}

dns_record "spf" {
  zone    = "example.com"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}

account "staff" {
  for_each = { for r in csvdecode(file("staff.csv")) : r.email => r }
  email    = each.value.email
  name     = each.value.name
}
`})
	md := mustRun(t, dir, 0, "plan", "-markdown").stdout
	if len(md) >= 60000 {
		t.Fatalf("the Markdown plan is %d characters, want under 60,000", len(md))
	}
	for _, want := range []string{
		"### mailform plan: 603 to add, 0 to change, 0 to destroy",
		"| `account` | 600 | 0 | 0 | 0 | 0 |",
		"This plan is summarised",
		"mailform show PLANFILE",
		`+     records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the summarised plan lacks %q", want)
		}
	}
	if strings.Contains(md, "user123@example.com") {
		t.Error("a plain account create is shown in full in the summarised plan")
	}
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") || strings.Count(md, "```")%2 != 0 {
		t.Error("unbalanced <details> or code fences")
	}
	goldenFile(t, "onboarding-600.md", md)
}
