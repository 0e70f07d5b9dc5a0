package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	src := filepath.Join("..", "..", "examples", "quickstart")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".hcl") || strings.HasSuffix(n, ".csv")) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, n, string(b))
	}
	return dir
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
