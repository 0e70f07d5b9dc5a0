package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A crash is an error (exit 1) with a crash report, never Go's exit code 2, which
// scripts read as "changes present".
func TestCrashExitsOneWithReport(t *testing.T) {
	reports := t.TempDir()
	dir := company(t, false)
	r := runEnv(t, dir, []string{"MAILFORM_CRASH_TEST=command", "MAILFORM_CRASH_DIR=" + reports}, "validate")
	if r.code != 1 || !strings.Contains(r.stderr, "internal error") {
		t.Fatalf("a crash: want exit 1 with an internal error, got %s", r)
	}
	m := regexp.MustCompile(`crash report was written to (\S+)`).FindStringSubmatch(r.stderr)
	if m == nil || filepath.Dir(m[1]) != reports {
		t.Fatalf("the message names no report in %s:\n%s", reports, r)
	}
	b, err := os.ReadFile(m[1])
	if err != nil || !strings.Contains(string(b), "goroutine") {
		t.Fatalf("crash report %s: %v\n%s", m[1], err, b)
	}
}

// Deep nesting is a configuration error with file and line, not a stack overflow.
func TestDeepNestingIsAnError(t *testing.T) {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	for name, expr := range map[string]string{
		"parentheses": deep("(", ")", 100000),
		"templates":   `"` + deep(`${"`, `"}`, 50000) + `"`,
		"lists":       deep("[", "]", 100000),
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"main.mf.hcl": "provider \"sandbox\" {}\n",
				"deep.mf.hcl": "\n\nlocals {\n  x = " + expr + "\n}\n",
			})
			for _, cmd := range []string{"validate", "fmt"} {
				r := run(t, dir, cmd)
				if r.code != 1 || !strings.Contains(r.stderr, "Expression nested too deeply") || !strings.Contains(r.stderr, "on deep.mf.hcl line 4") {
					t.Errorf("%s: want exit 1 naming deep.mf.hcl line 4, got exit %d:\n%.600s", cmd, r.code, r.stderr)
				}
			}
		})
	}
	// jsondecode recurses per level too; ordinary JSON still decodes.
	jdir := writeFiles(t, map[string]string{
		"main.mf.hcl": "provider \"sandbox\" {}\nlocals {\n  ok = jsondecode(\"{\\\"a\\\": [1, {\\\"b\\\": \\\"]]\\\"}]}\")\n  x  = jsondecode(file(\"deep.json\"))\n}\n",
		"deep.json":   deep("[", "]", 1000),
	})
	r := run(t, jdir, "validate")
	if r.code != 1 || !strings.Contains(r.stderr, "the JSON nests more than 100 levels deep") || strings.Contains(r.stderr, "line 3") {
		t.Errorf("deep jsondecode: want exit 1 on line 4 only, got %s", r)
	}
	// A -var value is parsed as an expression too.
	dir := writeFiles(t, map[string]string{"main.mf.hcl": "provider \"sandbox\" {}\nvariable \"l\" { type = list(number) }\n"})
	r = run(t, dir, "validate", "-var", "l="+deep("[", "]", 20000))
	if r.code != 1 || !strings.Contains(r.stderr, "nests more than 100 levels") {
		t.Errorf("deep -var: want exit 1, got exit %d:\n%.600s", r.code, r.stderr)
	}
}
