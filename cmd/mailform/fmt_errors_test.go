package main

import (
	"strings"
	"testing"
)

// fmt reports the syntax errors of every broken file with the offending source line,
// and still formats the files that parse.
func TestFmtReportsEveryBrokenFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.mf.hcl":  "account \"a\" {\n  email = \n}\n",
		"b.mf.hcl":  "domain \"corp\" {\nname=\"example.com\"\n}\n",
		"c.mf.hcl":  "group \"g\" {\n  name = [\n",
		"ok.mf.hcl": "department \"d\" {\n  name = \"D\"\n}\n",
	})
	r := mustRun(t, dir, 1, "fmt")
	for _, want := range []string{"on a.mf.hcl line 2", "email = ", "on c.mf.hcl line"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("fmt: want %q in the diagnostics\n%s", want, r)
		}
	}
	if strings.Contains(r.stderr, "source code not available") {
		t.Errorf("fmt diagnostics lack the source lines:\n%s", r)
	}
	if got := readFile(t, dir, "b.mf.hcl"); got != "domain \"corp\" {\n  name = \"example.com\"\n}\n" {
		t.Errorf("the file that parses was not formatted:\n%s", got)
	}
}
