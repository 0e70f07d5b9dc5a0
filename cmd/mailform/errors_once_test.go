package main

import (
	"fmt"
	"strings"
	"testing"
)

const staffBlock = `provider "sandbox" {}

domain "corp" {
  name = "example.com"
}

account "staff" {
  for_each = { for r in csvdecode(file("staff.csv")) : r.email => r }
  email    = each.value.email
  name     = each.value.name
}
`

func staffCSV(n int) string {
	var b strings.Builder
	b.WriteString("email,name\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "user%02d@example.com,User %02d\n", i, i)
	}
	return b.String()
}

// TestErrorsOnceAndTrue: a typo in a for_each block is one error that counts its
// instances and suggests the attribute meant; a wrong attribute on a reference and a
// misspelled -var name get a did-you-mean; a broken CSV is not followed by a false
// "known only after apply" about what reads it.
func TestErrorsOnceAndTrue(t *testing.T) {
	dir := writeFiles(t, map[string]string{"staff.csv": staffCSV(20),
		"main.mf.hcl": strings.Replace(staffBlock, "each.value.name", "each.value.nmae", 1)})
	r := mustRun(t, dir, 1, "validate")
	if n := strings.Count(r.stderr, "Error: Unsupported attribute"); n != 1 {
		t.Errorf("the typo is reported %d times, want once:\n%s", n, r.stderr)
	}
	for _, want := range []string{`Did you mean "name"?`, "found in 20 instances of account.staff"} {
		if !strings.Contains(strings.Join(strings.Fields(r.stderr), " "), want) {
			t.Errorf("validate lacks %q:\n%s", want, r.stderr)
		}
	}

	writeFile(t, dir, "main.mf.hcl", staffBlock+`
account "boss" {
  email = "boss@example.com"
  name  = account.staff["user01@example.com"].mail
}
`)
	r = mustRun(t, dir, 1, "validate")
	if !strings.Contains(strings.Join(strings.Fields(r.stderr), " "), `named "mail". Did you mean "email"?`) {
		t.Errorf("a wrong attribute on a reference gets no suggestion:\n%s", r.stderr)
	}

	writeFile(t, dir, "main.mf.hcl", staffBlock+`
group "all" {
  for_each = toset([for a in account.staff : a.email])
  email    = "all-${each.key}"
  name     = "All"
}
`)
	writeFile(t, dir, "staff.csv", "email,name\nuser01@example.com,User 01,extra\n")
	r = mustRun(t, dir, 1, "validate")
	if !strings.Contains(r.stderr, "wrong number of fields") || strings.Contains(r.stderr, "known only after apply") {
		t.Errorf("a broken CSV should be the only error:\n%s", r.stderr)
	}

	writeFile(t, dir, "main.mf.hcl", "variable \"initial_password\" {\n  type = string\n  default = \"x\"\n}\n"+staffBlock)
	writeFile(t, dir, "staff.csv", staffCSV(2))
	r = mustRun(t, dir, 1, "validate", "-var", "initial_pasword=secret")
	if !strings.Contains(strings.Join(strings.Fields(r.stderr), " "), `Did you mean "initial_password"?`) {
		t.Errorf("a misspelled -var name gets no suggestion:\n%s", r.stderr)
	}
}

// TestCSVFromExcel: a CSV with a UTF-8 byte-order mark and CRLF line ends, as Excel
// and HR systems export it, plans as the same file without them does.
func TestCSVFromExcel(t *testing.T) {
	csv := "\ufeff" + strings.ReplaceAll(staffCSV(3), "\n", "\r\n")
	dir := writeFiles(t, map[string]string{"staff.csv": csv, "main.mf.hcl": staffBlock})
	r := mustRun(t, dir, 0, "plan")
	for _, want := range []string{`account.staff["user00@example.com"] will be created`, `"User 02"`, "Plan: 4 to add"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r.stdout, "\r") || strings.Contains(r.stdout, "\ufeff") {
		t.Errorf("a carriage return or byte-order mark leaked into the plan:\n%q", r.stdout)
	}
}
