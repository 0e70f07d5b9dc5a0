package main

import (
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// TestDepartmentDeleteRefusedWhileInUse: a department that still holds an account
// mailform does not manage is refused at plan time, not half way through apply.
func TestDepartmentDeleteRefusedWhileInUse(t *testing.T) {
	dir := company(t, true)
	var financeID string
	for _, it := range sandboxItems(t, dir, "department") {
		if it.Attrs["name"] == "Finance" {
			financeID = it.ID
		}
	}
	console(t, dir, func(s *tenant.Store) error {
		_, err := s.Create("account", "", model.Object{"email": "temp@example.com", "name": "Temp", "status": "active", "departments": []string{financeID}})
		return err
	})
	// Remove Finance from the configuration, with what refers to it.
	src := readFile(t, dir, "main.mf.hcl")
	src = strings.Replace(src, "department \"finance\" {\n  name = \"Finance\"\n}\n", "", 1)
	src = strings.Replace(src, "departments = [department.finance.id]", "departments = [department.sales.id]", 1)
	i := strings.Index(src, `send_restriction "finance" {`)
	j := strings.Index(src[i:], "\n}\n")
	writeFile(t, dir, "main.mf.hcl", src[:i]+src[i+j+3:])

	r := mustRun(t, dir, 1, "plan")
	for _, want := range []string{"Department still in use", "department.finance", "temp@example.com"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stderr)
		}
	}
	mustRun(t, dir, 1, "apply", "-auto-approve")
	if n := len(sandboxAttr(t, dir, "department", "name")); n != 3 {
		t.Fatalf("the refused apply changed the departments: %d left", n)
	}
	// Once the console moves the account out, the delete goes through.
	console(t, dir, func(s *tenant.Store) error {
		_, err := s.UpdateAccount("temp@example.com", func(o model.Object) error { o["departments"] = []string{}; return nil })
		return err
	})
	mustRun(t, dir, 0, "apply", "-auto-approve")
}
