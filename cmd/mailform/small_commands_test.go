package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionFlag: --version and -v answer like the version command.
func TestVersionFlag(t *testing.T) {
	want := mustRun(t, t.TempDir(), 0, "version").stdout
	for _, flag := range []string{"--version", "-v"} {
		if got := mustRun(t, t.TempDir(), 0, flag).stdout; got != want || !strings.HasPrefix(got, "mailform ") {
			t.Errorf("mailform %s = %q, want %q", flag, got, want)
		}
	}
}

// TestStateListFiltersAndUnknownSubcommand: state list takes resource and instance
// addresses to filter by; a misspelled state subcommand is an error, not the help.
func TestStateListFiltersAndUnknownSubcommand(t *testing.T) {
	dir := company(t, true)
	all := strings.Fields(mustRun(t, dir, 0, "state", "list").stdout)
	if len(all) < 5 {
		t.Fatalf("state list: %v", all)
	}
	got := strings.Fields(mustRun(t, dir, 0, "state", "list", "department.sales", "account.bob").stdout)
	if strings.Join(got, " ") != "account.bob department.sales" && strings.Join(got, " ") != "department.sales account.bob" {
		t.Errorf("state list department.sales account.bob = %v", got)
	}
	if out := mustRun(t, dir, 0, "state", "list", "account.nobody").stdout; out != "" {
		t.Errorf("a filter that matches nothing lists %q", out)
	}
	if r := mustRun(t, dir, 1, "state", "list", "not an address"); !strings.Contains(r.stderr, "not a resource address") {
		t.Errorf("a bad filter: %s", r)
	}
	if r := mustRun(t, dir, 1, "state", "lsit"); !strings.Contains(r.stderr, `unknown state subcommand "lsit"`) {
		t.Errorf("state lsit: %s", r)
	}
	mustRun(t, dir, 1, "state")
}

// TestValidateJSON: validate -json prints every diagnostic with its range on stdout
// (terraform validate -json's shape) and exits 1 on an error, 0 on warnings only.
func TestValidateJSON(t *testing.T) {
	type doc struct {
		Valid        bool
		ErrorCount   int `json:"error_count"`
		WarningCount int `json:"warning_count"`
		Diagnostics  []struct {
			Severity, Summary string
			Range             struct {
				Filename string
				Start    struct{ Line int }
			}
		}
	}
	dir := writeFiles(t, map[string]string{"main.mf.hcl": lintWarningConfig})
	var d doc
	r := mustRun(t, dir, 0, "validate", "-json")
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("%v:\n%s", err, r)
	}
	if !d.Valid || d.WarningCount != 1 || d.Diagnostics[0].Severity != "warning" || d.Diagnostics[0].Range.Start.Line != 18 || r.stderr != "" {
		t.Errorf("warnings only: %+v\n%s", d, r)
	}
	writeFile(t, dir, "main.mf.hcl", lintWarningConfig+"\naccount \"x\" {\n  email = \"x@example.com\"\n}\n")
	r = mustRun(t, dir, 1, "validate", "-json")
	d = doc{}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("%v:\n%s", err, r)
	}
	if d.Valid || d.ErrorCount != 1 || d.Diagnostics[0].Severity != "error" || d.Diagnostics[0].Range.Filename != "main.mf.hcl" || d.Diagnostics[0].Range.Start.Line != 21 {
		t.Errorf("a missing name: %+v\n%s", d, r)
	}
}

// TestFmtDiffAndFiles: fmt takes files and directories, and -diff prints the
// formatting changes as a unified diff; -check -diff writes nothing.
func TestFmtDiffAndFiles(t *testing.T) {
	messy := "account \"a\" {\n  email = \"a@example.com\"\n  name=  \"A\"\n  position = \"x\"\n}\n"
	dir := writeFiles(t, map[string]string{"a.mf.hcl": messy, "b.mf.hcl": messy, "sub/c.mf.hcl": messy})
	r := mustRun(t, dir, 2, "fmt", "-check", "-diff", "a.mf.hcl")
	want := "--- old/a.mf.hcl\n+++ new/a.mf.hcl\n@@ -1,5 +1,5 @@\n account \"a\" {\n-  email = \"a@example.com\"\n-  name=  \"A\"\n+  email    = \"a@example.com\"\n+  name     = \"A\"\n   position = \"x\"\n }\n"
	if r.stdout != want || !strings.Contains(r.stderr, "a.mf.hcl") || strings.Contains(r.stderr, "b.mf.hcl") {
		t.Errorf("fmt -check -diff a.mf.hcl:\n%s\nwant stdout:\n%s", r, want)
	}
	if readFile(t, dir, "a.mf.hcl") != messy {
		t.Error("fmt -check rewrote a file")
	}
	if r := mustRun(t, dir, 0, "fmt", "sub"); strings.TrimSpace(r.stdout) != "sub/c.mf.hcl" || readFile(t, dir, "b.mf.hcl") != messy {
		t.Errorf("fmt sub should format only sub/c.mf.hcl: %s", r)
	}
	mustRun(t, dir, 0, "fmt", "-check", "sub/c.mf.hcl")
	mustRun(t, dir, 1, "fmt", "missing.mf.hcl")
}

// TestReferenceDocsUpToDate fails when docs/reference no longer matches what the
// schema and the providers say: run mailform docs (or go generate ./refdocs).
func TestReferenceDocsUpToDate(t *testing.T) {
	ref, err := filepath.Abs(filepath.Join("..", "..", "docs", "reference"))
	if err != nil {
		t.Fatal(err)
	}
	if r := run(t, t.TempDir(), "docs", "-check", "-out", ref); r.code != 0 {
		t.Fatalf("docs/reference is stale; regenerate it with go generate ./refdocs:\n%s", r)
	}
	// A page edited by hand is found stale, and docs writes it back.
	dir := t.TempDir()
	mustRun(t, dir, 0, "docs", "-out", "ref")
	editFile(t, dir, "ref/resources/account.md", "| `email` |", "| `e-mail` |")
	if r := mustRun(t, dir, 2, "docs", "-check", "-out", "ref"); !strings.Contains(r.stderr, "account.md") || strings.Contains(r.stderr, "group.md") {
		t.Errorf("docs -check: %s", r)
	}
	mustRun(t, dir, 0, "docs", "-out", "ref")
	mustRun(t, dir, 0, "docs", "-check", "-out", "ref")
	if page := readFile(t, dir, "ref/providers/exmail.md"); !strings.Contains(page, "`EXMAIL_CORP_ID`") {
		t.Errorf("the exmail page does not name its environment variables:\n%s", page)
	}
}
