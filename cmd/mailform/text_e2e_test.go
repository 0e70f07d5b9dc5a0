package main

import (
	"strings"
	"testing"
)

// Names and text attributes refuse invalid UTF-8 and control characters with file
// and line; a CSV row is named by its line in the CSV.
func TestInvalidTextRefused(t *testing.T) {
	base := "provider \"sandbox\" {}\ndomain \"d\" { name = \"example.com\" }\n"
	csvAccounts := `account "staff" {
  for_each = { for r in csvdecode(file("staff.csv")) : r.email => r }
  email    = each.value.email
  name     = each.value.name
}
`
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"NUL in a name", map[string]string{"a.mf.hcl": "\n\naccount \"a\" {\n  email = \"a@example.com\"\n  name  = \"Al\\u0000ice\"\n}\n"},
			[]string{"Invalid text in name", "on a.mf.hcl line 5", "control character U+0000"}},
		{"line feed in a position", map[string]string{"a.mf.hcl": "account \"a\" {\n  email    = \"a@example.com\"\n  name     = \"Alice\"\n  position = \"Boss\\nof all\"\n}\n"},
			[]string{"Invalid text in position", "on a.mf.hcl line 4", "U+000A"}},
		{"invalid UTF-8 in a CSV row", map[string]string{"a.mf.hcl": csvAccounts, "staff.csv": "email,name\na@example.com,Alice\nb@example.com,B\xe9atrice\n"},
			[]string{"staff.csv line 3: byte", "is not valid UTF-8", "on a.mf.hcl line 2"}},
		{"control character in a CSV row", map[string]string{"a.mf.hcl": csvAccounts, "staff.csv": "email,name\na@example.com,Al\x07ice\n"},
			[]string{"staff.csv line 2: holds the control character U+0007"}},
		{"U+FFFD in a group name", map[string]string{"a.mf.hcl": "group \"g\" {\n  email = \"g@example.com\"\n  name  = \"Team \uFFFD\"\n}\n"},
			[]string{"Invalid text in name", "on a.mf.hcl line 3", "not valid UTF-8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"main.mf.hcl": base}
			for n, c := range tc.files {
				files[n] = c
			}
			dir := writeFiles(t, files)
			r := run(t, dir, "validate")
			flat := strings.Join(strings.Fields(r.stderr), " ")
			for _, w := range tc.want {
				if r.code != 1 || !strings.Contains(flat, w) {
					t.Errorf("want exit 1 with %q, got %s", w, r)
				}
			}
		})
	}
	// Plain text is accepted: tabs and line ends in a CSV, accents, CJK.
	dir := writeFiles(t, map[string]string{"main.mf.hcl": base + csvAccounts, "staff.csv": "email,name\r\na@example.com,Zoë 张伟\r\n"})
	mustRun(t, dir, 0, "validate")
}
