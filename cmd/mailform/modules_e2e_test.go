package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// subsidiaryModule is one subsidiary's baseline: its domain, a department and an
// administrator in it.
const subsidiaryModule = `
variable "domain" { type = string }
variable "admin_name" {
  type    = string
  default = "Administrator"
}
domain "this" { name = var.domain }
department "staff" { name = "Staff ${var.domain}" }
account "admin" {
  email       = "admin@${var.domain}"
  name        = var.admin_name
  departments = [department.staff.id]
}
output "admin" { value = account.admin.email }
`

const subsidiariesRoot = `
provider "sandbox" {}
module "subsidiary" {
  for_each = { hk = "hk.example.com", sg = "sg.example.com" }
  source   = "./modules/subsidiary"
  domain   = each.value
}
domain "group" { name = "example.com" }
group "admins" {
  email   = "admins@example.com"
  name    = "Administrators"
  members = [for s in module.subsidiary : s.admin]
}
`

// The real binary applies a for_each module, re-plans to zero, and handles module
// addresses in plan JSON, state list/show/mv/rm, import, -target and drift JSON.
func TestModulesEndToEnd(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.mf.hcl":                    subsidiariesRoot,
		"modules/subsidiary/main.mf.hcl": subsidiaryModule,
	})
	r := mustRun(t, dir, 0, "apply", "-auto-approve")
	for _, want := range []string{`module.subsidiary["hk"].account.admin`, `module.subsidiary["sg"].department.staff`, "group.admins"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply output lacks %s:\n%s", want, r)
		}
	}
	if got := sandboxAttr(t, dir, "group", "members"); len(got) != 1 || !strings.Contains(got[0], "admin@hk.example.com") || !strings.Contains(got[0], "admin@sg.example.com") {
		t.Errorf("group members from module outputs: %v", got)
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")

	// Plan JSON carries module addresses.
	editFile(t, dir, "main.mf.hcl", `domain   = each.value`, "domain   = each.value\n  admin_name = \"Admin ${each.key}\"")
	r = mustRun(t, dir, 0, "plan", "-json")
	var pj struct {
		Changes []struct {
			Address, Action string
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &pj); err != nil {
		t.Fatalf("plan -json: %v\n%s", err, r)
	}
	updates := map[string]string{}
	for _, c := range pj.Changes {
		if c.Action != "no-op" && c.Action != "" {
			updates[c.Address] = c.Action
		}
	}
	if len(updates) != 2 || updates[`module.subsidiary["hk"].account.admin`] == "" || updates[`module.subsidiary["sg"].account.admin`] == "" {
		t.Errorf("plan -json changes = %v, want an update of each subsidiary's admin\n%s", updates, r.stdout)
	}

	// -target one module instance applies only that instance.
	mustRun(t, dir, 0, "apply", "-auto-approve", `-target=module.subsidiary["hk"]`)
	names := strings.Join(sandboxAttr(t, dir, "account", "name"), ",")
	if !strings.Contains(names, "Admin hk") || strings.Contains(names, "Admin sg") {
		t.Errorf("after -target module.subsidiary[\"hk\"], account names = %s", names)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")

	// state list filters by module instance; show takes a module address.
	r = mustRun(t, dir, 0, "state", "list", `module.subsidiary["sg"]`)
	if got := strings.Fields(r.stdout); len(got) != 3 || !strings.HasPrefix(got[0], `module.subsidiary["sg"].`) {
		t.Errorf("state list module.subsidiary[\"sg\"] = %q", got)
	}
	r = mustRun(t, dir, 0, "state", "show", `module.subsidiary["sg"].account.admin`)
	if !strings.Contains(r.stdout, "admin@sg.example.com") {
		t.Errorf("state show of a module address:\n%s", r)
	}

	// Renaming the module call: state mv of the module instance, then no changes.
	mustRun(t, dir, 0, "state", "mv", `module.subsidiary["sg"]`, `module.branch["sg"]`)
	editFile(t, dir, "main.mf.hcl", `group "admins"`, `module "branch" {
  for_each = { sg = "sg.example.com" }
  source   = "./modules/subsidiary"
  domain   = each.value
  admin_name = "Admin sg"
}
group "admins"`)
	editFile(t, dir, "main.mf.hcl", `for_each = { hk = "hk.example.com", sg = "sg.example.com" }`, `for_each = { hk = "hk.example.com" }`)
	editFile(t, dir, "main.mf.hcl", `[for s in module.subsidiary : s.admin]`, `concat([for s in module.subsidiary : s.admin], [for s in module.branch : s.admin])`)
	r = mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes") {
		t.Errorf("after state mv of a module instance:\n%s", r)
	}

	// state rm and import of a module address.
	r = mustRun(t, dir, 0, "state", "rm", `module.branch["sg"].account.admin`)
	if !strings.Contains(r.stdout, `Removed module.branch["sg"].account.admin`) {
		t.Errorf("state rm:\n%s", r)
	}
	mustRun(t, dir, 0, "import", `module.branch["sg"].account.admin`, "admin@sg.example.com")
	r = mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes") {
		t.Errorf("after import into a module address:\n%s", r)
	}

	// An outside change inside a module shows in drift JSON under its module address.
	console(t, dir, func(s *tenant.Store) error {
		_, err := s.UpdateAccount("admin@hk.example.com", func(o model.Object) error { o["name"] = "Changed"; return nil })
		return err
	})
	d := driftJSON(t, dir, 2)
	if got := d.items(); len(got) != 1 || !strings.HasPrefix(got[0], `changed_outside module.subsidiary["hk"].account.admin name:Admin hk->Changed`) {
		t.Errorf("drift -json items = %q", got)
	}
}

// A mistake inside a module names the module's file and line and the call chain.
func TestModulesDiagnosticsEndToEnd(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.mf.hcl": subsidiariesRoot,
		"modules/subsidiary/main.mf.hcl": strings.Replace(subsidiaryModule, `name        = var.admin_name`,
			`name        = var.admin_nmae`, 1),
	})
	r := mustRun(t, dir, 1, "validate")
	flat := strings.Join(strings.Fields(r.stderr), " ")
	for _, want := range []string{"on modules/subsidiary/main.mf.hcl line 11", `There is no variable "admin_nmae"`, `Did you mean "admin_name"?`, "(In module.subsidiary (main.mf.hcl:3).)"} {
		if !strings.Contains(flat, want) {
			t.Errorf("validate output lacks %q:\n%s", want, r)
		}
	}
	dir = writeFiles(t, map[string]string{"main.mf.hcl": "provider \"sandbox\" {}\nmodule \"m\" {\n  source = \"./modules/missing\"\n}\n"})
	r = mustRun(t, dir, 1, "plan")
	if !strings.Contains(r.stderr, "Module source not found") || !strings.Contains(r.stderr, "on main.mf.hcl line 3") {
		t.Errorf("plan with a missing module directory:\n%s", r)
	}
}

// exampleCopy copies the files of examples/<name> (not its subdirectories or hidden
// files; no state, no sandbox) to examples/<name> of a fresh directory, with the
// shared modules of examples/modules beside it, so `source = "../modules/…"` resolves
// as it does in the repository. It returns the example's directory.
func exampleCopy(t *testing.T, name string, keep func(file string) bool) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples")
	root := t.TempDir()
	dir := filepath.Join(root, "examples", name)
	entries, err := os.ReadDir(filepath.Join(src, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || (keep != nil && !keep(e.Name())) {
			continue
		}
		writeFile(t, dir, e.Name(), readFile(t, filepath.Join(src, name), e.Name()))
	}
	err = filepath.WalkDir(filepath.Join(src, "modules"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		writeFile(t, filepath.Join(root, "examples"), rel, readFile(t, filepath.Dir(p), d.Name()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// configOnly keeps configuration and CSV files.
func configOnly(n string) bool { return strings.HasSuffix(n, ".hcl") || strings.HasSuffix(n, ".csv") }

// The quickstart's old layout (every block in its own directory, kept in
// testdata/quickstart-flat) applied, then replaced by the module layout of
// examples/quickstart: its moved blocks carry the state into the module and the plan
// changes no live object; after apply, the plan is empty.
func TestQuickstartMovesIntoModule(t *testing.T) {
	dir := exampleCopy(t, "quickstart", configOnly)
	old := t.TempDir()
	for _, f := range []string{"main.mf.hcl", "accounts.mf.hcl", "departments.mf.hcl", "dns.mf.hcl", "groups.mf.hcl", "policies.mf.hcl", "accounts.csv"} {
		writeFile(t, old, f, readFile(t, filepath.Join("testdata", "quickstart-flat"), f))
	}
	mustRun(t, old, 0, "apply", "-auto-approve")
	for _, f := range []string{"mailform.state"} {
		writeFile(t, dir, f, readFile(t, old, f))
	}
	if err := os.Rename(filepath.Join(old, ".sandbox"), filepath.Join(dir, ".sandbox")); err != nil {
		t.Fatal(err)
	}
	before := sandboxAttr(t, dir, "account", "email")

	r := mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	for _, want := range []string{
		"Plan: 0 to add, 0 to change, 0 to destroy.",
		`# account.staff["li.na@harbourtrade.example"] has moved to module.company.account.staff["li.na@harbourtrade.example"]`,
		`# dns_record.mx has moved to module.company.dns_record.exmail["mx"]`,
		`# backup_rule.finance_outbound has moved to module.company.module.policies["company"].backup_rule.finance_outbound`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan after moving into the module lacks %q:\n%s", want, r)
		}
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	r = mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes") {
		t.Errorf("plan after applying the moves:\n%s", r)
	}
	if after := sandboxAttr(t, dir, "account", "email"); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("live accounts changed: %v → %v", before, after)
	}
	r = mustRun(t, dir, 0, "state", "list", "module.company")
	if n := len(strings.Fields(r.stdout)); n != 45 {
		t.Errorf("state list module.company lists %d addresses, want 45:\n%s", n, r)
	}
}

// examples/subsidiaries: two subsidiaries from one module with for_each; applies,
// re-plans to zero, and each subsidiary's mailboxes are in its own domain.
func TestSubsidiariesExample(t *testing.T) {
	dir := exampleCopy(t, "subsidiaries", configOnly)
	mustRun(t, dir, 0, "validate")
	mustRun(t, dir, 0, "apply", "-auto-approve")
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	emails := strings.Join(sandboxAttr(t, dir, "account", "email"), " ")
	for _, want := range []string{"archive@hk.harbourtrade.example", "archive@sg.harbourtrade.example"} {
		if !strings.Contains(emails, want) {
			t.Errorf("live accounts lack %s: %s", want, emails)
		}
	}
	r := mustRun(t, dir, 0, "state", "list", `module.subsidiary["hk"]`)
	if strings.Contains(r.stdout, `["sg"]`) || !strings.Contains(r.stdout, `module.subsidiary["hk"].account.archive`) {
		t.Errorf("state list module.subsidiary[\"hk\"]:\n%s", r)
	}
}
