package planner

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
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
	ev := testEvaluator(t, src)
	insts, diags := ev.run(func(string) model.Object { return model.Object{"id": "7"} })
	if diags.HasErrors() {
		t.Fatalf("eval: %s", diags.Error())
	}
	if len(insts) != 7 {
		t.Errorf("%d instances, want 7 (every instance is evaluated, referenced or not)", len(insts))
	}
	depts := ev.scopes[ev.cfg][0].typeObj["department"]
	for name, want := range map[string]bool{"used": true, "byoutput": true, "bylocal": true, "unused": false} {
		if got := depts[name].IsWhollyKnown(); got != want {
			t.Errorf("department.%s has a known value: %v, want %v", name, got, want)
		}
	}
	if got := ev.scopes[ev.cfg][0].locals["n"]; !got.IsKnown() || got.AsString() != "Loc" {
		t.Errorf("local.n = %#v, want \"Loc\"", got)
	}
}

// The instances of a big for_each block are evaluated on several goroutines: each
// exactly once, gathered in key order, with one diagnostic per mistake whatever the
// scheduling (run with -race).
func TestForEachInstancesInParallel(t *testing.T) {
	src := []byte(`
locals {
  rows = { for i in range(1000) : format("u%04d", i) => { name = "User ${i}", dept = i % 7 == 0 ? "bad" : "ok" } }
}
department "d" {
  for_each = local.rows
  name     = each.value.name
}
account "a" {
  for_each = local.rows
  email    = "${each.key}@example.com"
  name     = each.value.nmae
}
output "n" {
  value = length(department.d)
}
`)
	ev := testEvaluator(t, src)
	insts, diags := ev.run(func(a string) model.Object { return model.Object{"id": a} })
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "found in 1000 instances of account.a") {
		t.Fatalf("diagnostics = %v, want one for the typo in account.a, found in 1000 instances", diags)
	}
	if len(insts) != 1000 {
		t.Fatalf("%d instances, want the 1000 of department.d", len(insts))
	}
	for i, in := range insts {
		want := fmt.Sprintf("department.d[\"u%04d\"]", i)
		if in.Addr != want || in.Desired.Str("name") != fmt.Sprintf("User %d", i) || in.Desired.Str("id") != want {
			t.Fatalf("instance %d = %s %v, want %s named User %d", i, in.Addr, in.Desired, want, i)
		}
	}
	if v := ev.scopes[ev.cfg][0].typeObj["department"]["d"]; !v.IsWhollyKnown() || v.LengthInt() != 1000 {
		t.Errorf("department.d = %#v, want a known map of 1000 instances", v)
	}
}

// Instances whose attributes sit at the same places share one ranges map; an
// instance that leaves an attribute null (not set) keeps its own, without it.
func TestInstancesShareEqualRanges(t *testing.T) {
	src := []byte(`
account "a" {
  for_each = toset(["u1", "u2", "u3", "u4"])
  email    = "${each.key}@example.com"
  name     = each.key
  position = each.key == "u3" ? null : "Engineer"
}
`)
	insts, diags := testEvaluator(t, src).run(func(string) model.Object { return nil })
	if diags.HasErrors() || len(insts) != 4 {
		t.Fatalf("eval: %d instances, %s", len(insts), diags.Error())
	}
	ptr := func(i int) uintptr { return reflect.ValueOf(insts[i].Ranges).Pointer() }
	if ptr(0) != ptr(1) {
		t.Error("u1 and u2 set the same attributes at the same places but do not share their ranges")
	}
	if _, ok := insts[2].Ranges["position"]; ok || ptr(2) == ptr(1) {
		t.Errorf("u3 leaves position null, yet its ranges are %v", insts[2].Ranges)
	}
	if _, ok := insts[3].Ranges["position"]; !ok {
		t.Errorf("u4 sets position, yet its ranges are %v", insts[3].Ranges)
	}
}

// A body is split into attributes and blocks once per block, not per instance: a
// problem of the split (an argument the type does not have) is still reported for
// every instance, merged into one diagnostic, and a dynamic block still expands per
// instance.
func TestPreparedBodyPerBlock(t *testing.T) {
	src := []byte(`
account "a" {
  for_each = toset([for i in range(200) : format("u%03d", i)])
  email    = "${each.key}@example.com"
  name     = each.key
  nmae     = "typo"
}
account "b" {
  for_each = { for i in range(200) : format("v%03d", i) => i % 2 == 0 ? [1] : [] }
  email    = "${each.key}@example.com"
  name     = each.key
  dynamic "offboarding" {
    for_each = each.value
    content {
      handover_to = "boss@example.com"
    }
  }
}
`)
	insts, diags := testEvaluator(t, src).run(func(string) model.Object { return nil })
	if len(diags) != 1 || diags[0].Summary != "Unsupported argument" || !strings.Contains(diags[0].Detail, "found in 200 instances of account.a") {
		t.Fatalf("diagnostics = %v, want one Unsupported argument found in 200 instances of account.a", diags)
	}
	with := 0
	for _, in := range insts {
		if in.Res.Name != "b" {
			continue
		}
		if in.Desired["offboarding"] != nil {
			with++
		}
	}
	if with != 100 {
		t.Errorf("%d instances of account.b have an offboarding block, want 100", with)
	}
}
