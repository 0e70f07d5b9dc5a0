package planner

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// evalSource evaluates a configuration with every created object's id known ("7").
func evalSource(t *testing.T, src string) ([]*Instance, hcl.Diagnostics) {
	t.Helper()
	return testEvaluator(t, []byte(src)).run(func(string) model.Object { return model.Object{"id": "7"} })
}

// testEvaluator loads src as a configuration's main.mf.hcl and returns its
// evaluator; a configuration that does not load or graph fails the test.
func testEvaluator(t testing.TB, src []byte) *evaluator {
	t.Helper()
	cfg, diags := schema.LoadSources("/nowhere", map[string][]byte{"main.mf.hcl": src})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	g, diags := buildGraph(cfg)
	if diags.HasErrors() {
		t.Fatalf("graph: %s", diags.Error())
	}
	return newEvaluator(cfg, g, nil)
}

// The instances of a for_each block decoded by schema's compiled path share one
// ranges map; an instance whose attribute is null loses that attribute's range in a
// copy of its own, and the others keep it.
func TestEvalInstanceNullAttributeLeavesSharedRanges(t *testing.T) {
	insts, diags := evalSource(t, `
locals {
  rows = jsondecode("{\"a\":{\"pos\":\"Engineer\"},\"b\":{\"pos\":null},\"c\":{\"pos\":\"Clerk\"}}")
}
account "u" {
  for_each = local.rows
  email    = "${each.key}@example.com"
  name     = upper(each.key)
  position = each.value.pos
}
`)
	if diags.HasErrors() {
		t.Fatalf("eval: %s", diags.Error())
	}
	if len(insts) != 3 {
		t.Fatalf("%d instances, want 3", len(insts))
	}
	for _, in := range insts {
		_, has := in.Ranges["position"]
		if want := *in.Key != "b"; has != want {
			t.Errorf("%s: position in ranges %v, want %v", in.Addr, has, want)
		}
		if _, ok := in.Ranges["email"]; !ok {
			t.Errorf("%s: email missing from ranges", in.Addr)
		}
	}
	want := map[string]model.Object{
		"a": {"email": "a@example.com", "name": "A", "position": "Engineer", "status": "active"},
		"b": {"email": "b@example.com", "name": "B", "status": "active"},
		"c": {"email": "c@example.com", "name": "C", "position": "Clerk", "status": "active"},
	}
	for _, in := range insts {
		if !reflect.DeepEqual(in.Desired, want[*in.Key]) {
			t.Errorf("%s: desired %#v, want %#v", in.Addr, in.Desired, want[*in.Key])
		}
	}
}

// Errors in for_each instances come out as they did before the compiled path: once
// per block with the count of instances, with the did-you-mean suggestion, at the
// expression.
func TestEvalInstanceErrorsOfCompiledBlocks(t *testing.T) {
	_, diags := evalSource(t, `
locals {
  rows = { for i in range(5) : "u${i}" => { email = "u${i}@example.com", dept = i < 3 ? "a" : "nope", quota = i == 4 ? "abc" : "10" } }
}
department "d" {
  for_each = toset(["a"])
  name     = "Dept ${each.key}"
}
account "u" {
  for_each    = local.rows
  email       = each.value.email
  name        = each.value.mail
  departments = [department.d[each.value.dept].id]
  quota_mb    = tonumber(each.value.quota)
}
`)
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Subject.String() + ": " + d.Summary + "; " + d.Detail + "\n")
	}
	got := b.String()
	// As the general path gave them before the compiled one existed.
	want := `main.mf.hcl:12,27-32: Unsupported attribute; This object does not have an attribute named "mail". Did you mean "email"? (Reported once: found in 5 instances of account.u.)
main.mf.hcl:13,30-47: Invalid index; The given key does not identify an element in this collection value. (Reported once: found in 2 instances of account.u.)
main.mf.hcl:14,26-42: Invalid function argument; Invalid value for "v" parameter: cannot convert "abc" to number; given string must be a decimal representation of a number.
`
	if got != want {
		t.Errorf("diagnostics\n%s\nwant\n%s", got, want)
	}
}
