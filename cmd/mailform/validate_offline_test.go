package main

import (
	"strings"
	"testing"
)

// TestValidateNeedsNoCredentials: validate never contacts a provider, so a pull-request
// job can run it without secrets or variable values; plan still asks for them.
func TestValidateNeedsNoCredentials(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": `
variable "initial_password" {
  type      = string
  sensitive = true
}
provider "exmail" {}
provider "rfc2136" {
  server   = "127.0.0.1:1"
  key_name = "mailform-key"
}
domain "corp" { name = "example.com" }
department "sales" { name = "Sales" }
account "alice" {
  email       = "alice@example.com"
  name        = "Alice"
  departments = [department.sales.id]
  password    = var.initial_password
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
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}
`})
	r := mustRun(t, dir, 0, "validate")
	if !strings.Contains(r.stdout, "Success") {
		t.Fatalf("validate:\n%s", r)
	}
	r = mustRun(t, dir, 1, "plan")
	if !strings.Contains(r.stderr, "initial_password") {
		t.Errorf("plan without the variable should ask for it:\n%s", r.stderr)
	}
	r = runEnv(t, dir, []string{"MAILFORM_VAR_initial_password=Long-Enough-Passw0rd"}, "plan")
	if r.code != 1 || !(strings.Contains(r.stderr, "EXMAIL_CORP_ID") || strings.Contains(r.stderr, "corp_id")) {
		t.Errorf("plan without Exmail credentials should name them, got %s", r)
	}
	// A wrong value is still a validate error even when offline.
	writeFile(t, dir, "bad.mf.hcl", `account "bob" {
  email = "bob@example.com"
  name  = "Bob"
  status = "gone"
}
`)
	r = mustRun(t, dir, 1, "validate")
	if !strings.Contains(r.stderr, "bad.mf.hcl line 4") {
		t.Errorf("validate offline lost a value check:\n%s", r.stderr)
	}
}
