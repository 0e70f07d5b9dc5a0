package planner

import (
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// Only the blocks something refers to get a value: building one for every instance
// of a block nobody reads is most of the memory of a big tenant's plan. A block read
// by another block, by a local or by a root output must still have its value.
func TestOnlyReferencedBlocksGetValues(t *testing.T) {
	src := []byte(`
department "used" {
  for_each = toset(["a", "b"])
  name     = each.key
}
department "byoutput" {
  name = "Out"
}
department "bylocal" {
  name = "Loc"
}
locals {
  n = department.bylocal.name
}
department "unused" {
  for_each = toset(["c", "d"])
  name     = each.key
}
account "x" {
  email       = "x@example.com"
  name        = local.n
  departments = [department.used["a"].id]
}
output "dept" {
  value = department.byoutput.name
}
`)
	cfg, diags := schema.LoadSources("/nowhere", map[string][]byte{"main.mf.hcl": src})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	g, diags := buildGraph(cfg)
	if diags.HasErrors() {
		t.Fatalf("graph: %s", diags.Error())
	}
	ev := newEvaluator(cfg, g, nil)
	insts, diags := ev.run(func(string) model.Object { return model.Object{"id": "7"} })
	if diags.HasErrors() {
		t.Fatalf("eval: %s", diags.Error())
	}
	if len(insts) != 7 {
		t.Errorf("%d instances, want 7 (every instance is evaluated, referenced or not)", len(insts))
	}
	depts := ev.scopes[cfg][0].typeObj["department"]
	for name, want := range map[string]bool{"used": true, "byoutput": true, "bylocal": true, "unused": false} {
		if got := depts[name].IsWhollyKnown(); got != want {
			t.Errorf("department.%s has a known value: %v, want %v", name, got, want)
		}
	}
	if got := ev.scopes[cfg][0].locals["n"]; !got.IsKnown() || got.AsString() != "Loc" {
		t.Errorf("local.n = %#v, want \"Loc\"", got)
	}
}
