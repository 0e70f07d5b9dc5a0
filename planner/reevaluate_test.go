package planner

import (
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// The apply-time evaluation of a block is cached, and must be redone when an id it
// depends on becomes known — but only then.
func TestReevaluatorSeesNewIDs(t *testing.T) {
	src := []byte(`
department "top" {
  for_each = toset(["a", "b"])
  name     = each.key
}
department "leaf" {
  name   = "Leaf"
  parent = department.top["a"].id
}
account "x" {
  email       = "x@example.com"
  name        = "X"
  departments = [department.leaf.id]
}
`)
	cfg, diags := schema.LoadSources("/nowhere", map[string][]byte{"main.mf.hcl": src})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	leaf := &Change{Address: "department.leaf", Type: "department", Action: Create,
		After: model.Object{"name": "Leaf", "parent": model.Unknown, "id": model.Unknown}}
	acct := &Change{Address: "account.x", Type: "account", Action: Create,
		After: model.Object{"email": "x@example.com", "name": "X", "departments": model.Unknown}}
	re, err := newReevaluator(ApplyOptions{Config: cfg}, &Plan{Changes: []*Change{leaf, acct}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		known   [][2]string // ids that became known before the step
		change  *Change
		attr    string
		want    string
		wantErr string
	}{
		{name: "parent not created yet", change: leaf, wantErr: "still unknown"},
		{name: "parent created", known: [][2]string{{`department.top["a"]`, "1"}}, change: leaf, attr: "parent", want: "1"},
		{name: "unrelated id", known: [][2]string{{`department.top["b"]`, "2"}}, change: leaf, attr: "parent", want: "1"},
		{name: "leaf created", known: [][2]string{{"department.leaf", "7"}}, change: acct, attr: "departments", want: "[7]"},
		{name: "own id", known: [][2]string{{"account.x", "x@example.com"}}, change: acct, attr: "departments", want: "[7]"},
		{name: "dependency replaced", known: [][2]string{{"department.leaf", "8"}}, change: acct, attr: "departments", want: "[8]"},
	}
	for _, st := range steps {
		for _, k := range st.known {
			re.setKnown(k[0], k[1])
		}
		got, err := re.desired(st.change)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", st.name, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", st.name, err)
			continue
		}
		v := got[st.attr]
		s, ok := v.(string)
		if l, isList := v.([]string); isList {
			s, ok = "["+strings.Join(l, ",")+"]", true
		}
		if !ok || s != st.want {
			t.Errorf("%s: %s = %#v, want %s", st.name, st.attr, v, st.want)
		}
	}
}

// Apply-time evaluation evaluates only the block's instances that the plan needs again:
// here instance "b" cannot be evaluated at all, and the change of "a" still gets its
// password; a change the plan did not list falls back to the whole block.
func TestReevaluatorEvaluatesOnlyPlannedInstances(t *testing.T) {
	src := []byte(`
variable "pw" {
  type      = string
  sensitive = true
  default   = "Initial-Passw0rd"
}
account "u" {
  for_each = { a = "a@example.com", b = "" }
  email    = each.value
  name     = each.key
  password = var.pw
}
`)
	cfg, diags := schema.LoadSources("/nowhere", map[string][]byte{"main.mf.hcl": src})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	vars, diags := cfg.VariableValues(schema.VarInputs{})
	if diags.HasErrors() {
		t.Fatalf("variables: %s", diags.Error())
	}
	a := &Change{Address: `account.u["a"]`, Type: "account", Action: Create,
		After: model.Object{"email": "a@example.com", "name": "a", "password": "(sensitive)"}}
	re, err := newReevaluator(ApplyOptions{Config: cfg, Vars: vars}, &Plan{Changes: []*Change{a}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := re.desired(a)
	if err != nil {
		t.Fatalf("desired of a planned instance: %v (was an instance outside the plan evaluated?)", err)
	}
	if got.Str("password") != "Initial-Passw0rd" || got.Str("email") != "a@example.com" {
		t.Fatalf("desired = %v, want the password from the configuration", got)
	}

	unlisted := &Change{Address: `account.u["c"]`, Type: "account", Action: Create,
		After: model.Object{"email": "c@example.com", "name": "c", "password": "(sensitive)"}}
	re2, err := newReevaluator(ApplyOptions{Config: cfg, Vars: vars}, &Plan{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := re2.desired(unlisted); err == nil || !strings.Contains(err.Error(), "evaluating configuration") {
		t.Fatalf("desired of an unlisted change: %v, want the whole block evaluated (and b's error)", err)
	}
}
