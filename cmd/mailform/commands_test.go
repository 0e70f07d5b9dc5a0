package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planJSON is the part of `plan -json` that scripts rely on, decoded independently
// of the views package so that a change of the wire format breaks this test.
type planJSON struct {
	FormatVersion string `json:"format_version"`
	Lineage       string `json:"lineage"`
	Serial        uint64 `json:"serial"`
	Summary       struct {
		Add, Change, Destroy int
	} `json:"summary"`
	Changes []struct {
		Address string         `json:"address"`
		Action  string         `json:"action"`
		Before  map[string]any `json:"before"`
		After   map[string]any `json:"after"`
		Changed []struct {
			Name          string
			Before, After any
		} `json:"changed_attributes"`
	} `json:"resource_changes"`
}

func decodePlan(t *testing.T, r result) planJSON {
	t.Helper()
	var p planJSON
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("the JSON plan does not parse: %v\n%s", err, r)
	}
	return p
}

// exists reports whether dir/name exists.
func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

func TestValidateCommand(t *testing.T) {
	dir := company(t, false)
	r := mustRun(t, dir, 0, "validate")
	if !strings.Contains(r.stdout, "Success! The configuration is valid.") {
		t.Fatalf("validate output:\n%s", r)
	}
	if exists(dir, "mailform.state") || exists(dir, ".sandbox") {
		t.Fatal("validate must not contact providers or write state")
	}
	editFile(t, dir, "main.mf.hcl", `name    = "Everyone"`, `nmae    = "Everyone"`)
	r = mustRun(t, dir, 1, "validate")
	if !strings.Contains(r.stderr, "main.mf.hcl line") || !strings.Contains(r.stderr, "nmae") {
		t.Fatalf("validate should point at the bad attribute:\n%s", r)
	}
}

func TestFmtCommand(t *testing.T) {
	messy := "domain \"corp\" {\nname=\"example.com\"\n}\n"
	tidy := "domain \"corp\" {\n  name = \"example.com\"\n}\n"
	dir := writeFiles(t, map[string]string{"main.mf.hcl": messy, "ok.mf.hcl": "department \"a\" {\n  name = \"A\"\n}\n"})

	r := mustRun(t, dir, 2, "fmt", "-check")
	if !strings.Contains(r.stderr, "main.mf.hcl") || strings.Contains(r.stderr, "ok.mf.hcl") {
		t.Fatalf("fmt -check should list exactly the unformatted file:\n%s", r)
	}
	if got := readFile(t, dir, "main.mf.hcl"); got != messy {
		t.Fatalf("fmt -check changed the file:\n%s", got)
	}
	r = mustRun(t, dir, 0, "fmt")
	if strings.TrimSpace(r.stdout) != "main.mf.hcl" {
		t.Fatalf("fmt should print the file it rewrote:\n%s", r)
	}
	if got := readFile(t, dir, "main.mf.hcl"); got != tidy {
		t.Fatalf("fmt wrote:\n%s\nwant:\n%s", got, tidy)
	}
	mustRun(t, dir, 0, "fmt", "-check")

	writeFile(t, dir, "bad.mf.hcl", "domain \"x\" {\n")
	r = mustRun(t, dir, 1, "fmt")
	if !strings.Contains(r.stderr, "bad.mf.hcl") {
		t.Fatalf("fmt on a syntax error should name the file:\n%s", r)
	}
}

func TestPlanCommand(t *testing.T) {
	dir := company(t, false)
	r := mustRun(t, dir, 0, "plan")
	if !strings.Contains(r.stdout, "Plan: 10 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("plan summary:\n%s", r)
	}
	if strings.Contains(r.output(), "Initial-Passw0rd!") || !strings.Contains(unaligned(r.stdout), "password = (sensitive)") {
		t.Fatalf("the password must print as (sensitive):\n%s", r)
	}
	mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	if exists(dir, "mailform.state") {
		t.Fatal("plan must not write state")
	}
	if got := len(sandboxItems(t, dir, "account")); got != 0 {
		t.Fatalf("plan created %d accounts", got)
	}

	mustRun(t, dir, 0, "apply", "-auto-approve")
	editFile(t, dir, "main.mf.hcl", `"Alice Archer"`, `"Alice Smith"`)
	r = mustRun(t, dir, 2, "plan", "-json", "-detailed-exitcode")
	p := decodePlan(t, r)
	if p.FormatVersion == "" || p.Lineage == "" || p.Summary.Change != 1 || p.Summary.Add != 0 || p.Summary.Destroy != 0 {
		t.Fatalf("JSON plan header/summary: %+v", p)
	}
	var found bool
	for _, c := range p.Changes {
		if c.Address != "account.alice" {
			if c.Action != "no-op" {
				t.Errorf("%s: action %q, want no-op", c.Address, c.Action)
			}
			continue
		}
		found = true
		if c.Action != "update" || len(c.Changed) != 1 || c.Changed[0].Name != "name" ||
			c.Changed[0].Before != "Alice Archer" || c.Changed[0].After != "Alice Smith" {
			t.Fatalf("account.alice change: %+v", c)
		}
		if c.After["password"] != "(sensitive)" {
			t.Fatalf("JSON must hide the password: %v", c.After["password"])
		}
	}
	if !found {
		t.Fatalf("JSON plan has no change for account.alice:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "Initial-Passw0rd!") {
		t.Fatal("the JSON plan leaks the password")
	}
}

func TestSavedPlanAppliesOnce(t *testing.T) {
	dir := company(t, false)
	r := mustRun(t, dir, 0, "plan", "-out", "tfplan")
	if !strings.Contains(r.stdout, "mailform apply tfplan") {
		t.Fatalf("plan -out should say how to apply it:\n%s", r)
	}
	if got := len(sandboxItems(t, dir, "department")); got != 0 {
		t.Fatalf("plan -out created %d departments", got)
	}
	// A saved plan carries the variable values apply needs (as Terraform's does), so
	// it must be readable by its owner only.
	if fi, err := os.Stat(filepath.Join(dir, "tfplan")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("plan file mode: %v %v", fi.Mode(), err)
	}

	r = mustRun(t, dir, 0, "show", "tfplan")
	if !strings.Contains(r.stdout, "Plan: 10 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("show PLANFILE:\n%s", r)
	}
	if p := decodePlan(t, mustRun(t, dir, 0, "show", "-json", "tfplan")); p.Summary.Add != 10 {
		t.Fatalf("show -json PLANFILE summary: %+v", p.Summary)
	}

	r = mustRun(t, dir, 0, "apply", "tfplan")
	if !strings.Contains(r.stdout, "Apply complete! 10 added") {
		t.Fatalf("apply PLANFILE:\n%s", r)
	}
	if got := len(sandboxItems(t, dir, "department")); got != 3 {
		t.Fatalf("apply PLANFILE: sandbox has %d departments, want 3", got)
	}
	r = mustRun(t, dir, 1, "apply", "tfplan")
	if !strings.Contains(r.stderr, "tfplan is stale") || !strings.Contains(r.stderr, "mailform plan") {
		t.Fatalf("a second apply of the same plan should be refused clearly:\n%s", r)
	}
	if got := len(sandboxItems(t, dir, "department")); got != 3 {
		t.Fatalf("the refused apply changed the sandbox: %d departments", got)
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
}

func TestApplyCommand(t *testing.T) {
	dir := company(t, false)
	r := mustRun(t, dir, 1, "apply")
	if !strings.Contains(r.stderr, "-auto-approve") || !strings.Contains(r.stderr, "terminal") {
		t.Fatalf("apply without a terminal should refuse and say how:\n%s", r)
	}
	if got := len(sandboxItems(t, dir, "account")); got != 0 {
		t.Fatalf("the refused apply created %d accounts", got)
	}
	r = mustRun(t, dir, 0, "apply", "-auto-approve", "-parallelism", "1")
	if !strings.Contains(r.stdout, "account.alice: Creation complete") || !strings.Contains(r.stdout, "Apply complete! 10 added, 0 changed, 0 destroyed") {
		t.Fatalf("apply output:\n%s", r)
	}
	// Parents are created before the departments and accounts that refer to them.
	if strings.Index(r.stdout, "department.sales: Creation complete") > strings.Index(r.stdout, "department.emea: Creating") {
		t.Fatalf("department.emea started before its parent was created:\n%s", r)
	}
	st := readFile(t, dir, "mailform.state")
	if strings.Contains(st, "Initial-Passw0rd!") {
		t.Fatal("the state holds the password in clear text")
	}
	if fi, err := os.Stat(filepath.Join(dir, "mailform.state")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode: %v %v", fi.Mode(), err)
	}
	r = mustRun(t, dir, 0, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("a second apply should have nothing to do:\n%s", r)
	}
}

func TestShowAndStateCommands(t *testing.T) {
	dir := company(t, false)
	r := mustRun(t, dir, 0, "show")
	if !strings.Contains(r.stdout, "The state is empty.") {
		t.Fatalf("show before apply:\n%s", r)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")

	want := []string{"account.alice", "account.bob", "department.emea", "department.finance", "department.sales",
		"dns_record.mx", "dns_record.spf", "domain.corp", "group.all", "send_restriction.finance"}
	r = mustRun(t, dir, 0, "state", "list")
	if got := strings.Fields(r.stdout); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("state list = %v, want %v", got, want)
	}

	r = mustRun(t, dir, 0, "show")
	if !strings.Contains(r.stdout, "alice@example.com") || !strings.Contains(r.stdout, "send_restriction") {
		t.Fatalf("show (state):\n%s", r)
	}
	var st struct {
		Version   int    `json:"version"`
		Lineage   string `json:"lineage"`
		Serial    uint64 `json:"serial"`
		Resources []struct {
			Address string `json:"address"`
		} `json:"resources"`
	}
	r = mustRun(t, dir, 0, "show", "-json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.Lineage == "" || len(st.Resources) != len(want) {
		t.Fatalf("show -json: %v %+v\n%s", err, st, r)
	}

	r = mustRun(t, dir, 0, "state", "show", "account.alice")
	if !strings.Contains(r.stdout, "alice@example.com") || !strings.Contains(r.stdout, "Alice Archer") || strings.Contains(r.stdout, "Initial-Passw0rd!") {
		t.Fatalf("state show account.alice:\n%s", r)
	}
	r = mustRun(t, dir, 1, "state", "show", "account.nobody")
	if !strings.Contains(r.stderr, "account.nobody is not in state") {
		t.Fatalf("state show of a missing address:\n%s", r)
	}

	// mv: the configuration follows the rename, so the next plan has nothing to do.
	r = mustRun(t, dir, 0, "state", "mv", "group.all", "group.everyone")
	if !strings.Contains(r.stdout, "Moved group.all to group.everyone") {
		t.Fatalf("state mv:\n%s", r)
	}
	editFile(t, dir, "main.mf.hcl", `group "all"`, `group "everyone"`)
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	r = mustRun(t, dir, 1, "state", "mv", "group.nope", "group.other")
	if !strings.Contains(r.stderr, "group.nope") {
		t.Fatalf("state mv of a missing address:\n%s", r)
	}

	// rm: the live object stays; without the block, the account is simply unmanaged.
	r = mustRun(t, dir, 0, "state", "rm", "account.bob")
	if !strings.Contains(r.stdout, "Removed account.bob") {
		t.Fatalf("state rm:\n%s", r)
	}
	if strings.Contains(mustRun(t, dir, 0, "state", "list").stdout, "account.bob") {
		t.Fatal("account.bob still listed after state rm")
	}
	removeBlock(t, dir, "main.mf.hcl", `account "bob" {`)
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	if got := sandboxAttr(t, dir, "account", "email"); len(got) != 2 {
		t.Fatalf("state rm must leave the live account alone; sandbox has %v", got)
	}
	r = mustRun(t, dir, 1, "state", "rm", "account.bob")
	if !strings.Contains(r.stderr, "account.bob is not in state") {
		t.Fatalf("state rm of a missing address:\n%s", r)
	}
}

func TestVersionCommand(t *testing.T) {
	r := mustRun(t, t.TempDir(), 0, "version")
	if !strings.HasPrefix(r.stdout, "mailform ") || len(strings.TrimSpace(r.stdout)) <= len("mailform ") {
		t.Fatalf("version:\n%s", r)
	}
}

func TestChdirFlag(t *testing.T) {
	dir := company(t, false)
	elsewhere := t.TempDir()
	r := mustRun(t, elsewhere, 2, "-chdir="+dir, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "Plan: 10 to add") {
		t.Fatalf("-chdir plan:\n%s", r)
	}
	mustRun(t, elsewhere, 0, "-chdir", dir, "apply", "-auto-approve")
	if !exists(dir, "mailform.state") || exists(elsewhere, "mailform.state") || exists(elsewhere, ".sandbox") {
		t.Fatal("-chdir: state and sandbox belong next to the configuration")
	}
	r = mustRun(t, elsewhere, 1, "-chdir="+filepath.Join(dir, "missing"), "plan")
	if !strings.Contains(r.stderr, "-chdir") {
		t.Fatalf("-chdir to a missing directory:\n%s", r)
	}
}

func TestMovedBlock(t *testing.T) {
	dir := company(t, true)
	before := sandboxItems(t, dir, "department")
	editFile(t, dir, "main.mf.hcl", `department "finance" {`, `department "accounting" {`)
	for _, ref := range []string{"department.finance.id", "department.finance.id"} {
		editFile(t, dir, "main.mf.hcl", ref, "department.accounting.id")
	}
	writeFile(t, dir, "moved.mf.hcl", "moved {\n  from = department.finance\n  to   = department.accounting\n}\n")

	r := mustRun(t, dir, 0, "plan")
	if !strings.Contains(r.stdout, "department.finance") || !strings.Contains(r.stdout, "department.accounting") {
		t.Fatalf("the plan should show the move:\n%s", r)
	}
	if !strings.Contains(r.stdout, "0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("a move must not create or delete:\n%s", r)
	}
	r = mustRun(t, dir, 0, "apply", "-auto-approve")
	if strings.Contains(r.stdout, "Creating...") || strings.Contains(r.stdout, "Destroying...") {
		t.Fatalf("apply of a move touched live objects:\n%s", r)
	}
	list := mustRun(t, dir, 0, "state", "list").stdout
	if !strings.Contains(list, "department.accounting") || strings.Contains(list, "department.finance") {
		t.Fatalf("state after the move:\n%s", list)
	}
	after := sandboxItems(t, dir, "department")
	if len(after) != len(before) {
		t.Fatalf("departments before %d, after %d", len(before), len(after))
	}
	for i := range before {
		if before[i].ID != after[i].ID {
			t.Fatalf("department ids changed: %v -> %v", before[i].ID, after[i].ID)
		}
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
}

// TestVariablePrecedence checks the order documented in schema.VariableValues:
// default < MAILFORM_VAR_x < *.auto.mfvars.hcl < -var-file / -var in command-line
// order, the later winning.
func TestVariablePrecedence(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": `provider "sandbox" {}

variable "dept" {
  type    = string
  default = "from-default"
}

department "d" {
  name = var.dept
}
`})
	planned := func(env []string, args ...string) string {
		t.Helper()
		r := runEnv(t, dir, env, append([]string{"plan"}, args...)...)
		if r.code != 0 {
			t.Fatalf("plan %v: %s", args, r)
		}
		l := lines(unaligned(r.stdout), "+ name = ")
		if len(l) != 1 {
			t.Fatalf("plan %v: want one name line:\n%s", args, r)
		}
		return strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l[0]), "+ name =")), `"`)
	}
	env := []string{"MAILFORM_VAR_dept=from-env"}
	if got := planned(nil); got != "from-default" {
		t.Errorf("default: %q", got)
	}
	if got := planned(env); got != "from-env" {
		t.Errorf("env over default: %q", got)
	}
	writeFile(t, dir, "a.auto.mfvars.hcl", "dept = \"from-auto\"\n")
	if got := planned(env); got != "from-auto" {
		t.Errorf("auto file over env: %q", got)
	}
	writeFile(t, dir, "x.mfvars.hcl", "dept = \"from-var-file\"\n")
	if got := planned(env, "-var-file", "x.mfvars.hcl"); got != "from-var-file" {
		t.Errorf("-var-file over auto file: %q", got)
	}
	if got := planned(env, "-var-file", "x.mfvars.hcl", "-var", "dept=from-flag"); got != "from-flag" {
		t.Errorf("-var after -var-file: %q", got)
	}
	if got := planned(env, "-var", "dept=from-flag", "-var-file", "x.mfvars.hcl"); got != "from-var-file" {
		t.Errorf("-var-file after -var: %q", got)
	}
	if got := planned(env, "-var", "dept=first", "-var", "dept=second"); got != "second" {
		t.Errorf("the later of two -var: %q", got)
	}
	r := mustRun(t, dir, 1, "plan", "-var", "nope=1")
	if !strings.Contains(r.stderr, "nope") {
		t.Fatalf("an undeclared -var should be an error naming it:\n%s", r)
	}
}
