package planner

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
)

// concurrentCases are configurations whose graph has no error, so their nodes are
// evaluated at once (graph.independent): valid ones, and ones whose evaluation fails
// in a block, a for_each, a local, a module input or an output that others depend on.
var concurrentCases = map[string]map[string]string{
	"departments, accounts and groups": {"main.mf.hcl": `
locals {
  depts = { a = "Alpha", b = "Beta", c = "Gamma" }
  rows  = [for i in range(200) : { email = "u${i}@example.com", dept = ["a", "b", "c"][i % 3], quota = "${i}" }]
}
domain "corp" { name = "example.com" }
department "top" {
  for_each = local.depts
  name     = each.value
}
department "sub" {
  for_each = department.top
  name     = "${each.value.name} sub"
  parent   = each.value.id
}
account "staff" {
  for_each    = { for r in local.rows : r.email => r }
  email       = each.value.email
  name        = "User ${each.key}"
  departments = [department.sub[each.value.dept].id]
  quota_mb    = tonumber(each.value.quota)
}
group "all" {
  email   = "all@example.com"
  name    = "All"
  members = [for a in account.staff : a.email]
}
group "teams" {
  for_each = toset(["x", "y"])
  email    = "team-${each.key}@example.com"
  name     = "Team ${each.key}"
}
output "count" { value = length(account.staff) }
`},
	"errors that others depend on": {"main.mf.hcl": `
locals {
  bad  = tonumber("many")
  rows = { for i in range(100) : "k${i}" => i }
}
department "null_each" {
  for_each = null
  name     = "x"
}
department "from_null" {
  for_each = department.null_each
  name     = each.key
}
department "from_bad_local" {
  for_each = { for k, v in local.rows : k => v if v < local.bad }
  name     = each.key
}
department "bad_rows" {
  for_each = local.rows
  name     = each.value > 50 ? each.key : tonumber(each.key)
}
account "uses_bad" {
  for_each = department.bad_rows
  email    = "${each.key}@example.com"
  name     = each.value.name
}
output "bad" { value = tonumber("no") }
`},
	"modules": {
		"main.mf.hcl": `
locals {
  subsidiaries = { hk = "hk.example.com", sg = "sg.example.com", bad = "bad..example" }
}
module "subsidiary" {
  for_each = local.subsidiaries
  source   = "./modules/subsidiary"
  domain   = each.value
}
module "single" {
  source = "./modules/base"
  domain = "one.example.com"
  admins = ["a", "b", "c"]
}
department "after" {
  for_each = toset(module.single.admin_emails)
  name     = "${each.key} ${module.subsidiary["hk"].staff}"
}
`,
		"modules/subsidiary/main.mf.hcl": `
variable "domain" { type = string }
module "base" {
  source = "../base"
  domain = var.domain
}
output "staff" { value = module.base.department_name }
`,
		"modules/base/main.mf.hcl": baselineModule,
	},
	"nested for_each modules and dynamic blocks": {
		"main.mf.hcl": `
locals {
  people = { for i in range(150) : "p${i}" => { dept = i % 4, departed = i % 7 == 0 } }
  depts  = toset(["d0", "d1", "d2", "d3"])
}
domain "corp" { name = "example.com" }
department "d" {
  for_each = local.depts
  name     = each.key
}
module "unit" {
  for_each = department.d
  source   = "./modules/unit"
  dept_id  = each.value.id
  name     = each.key
}
account "p" {
  for_each    = local.people
  email       = "${each.key}@example.com"
  name        = each.key
  status      = each.value.departed ? "departed" : "active"
  departments = [department.d["d${each.value.dept}"].id]
  dynamic "offboarding" {
    for_each = each.value.departed ? [1] : []
    content {
      handover_to = "p1@example.com"
      retain_days = 60
    }
  }
}
locals {
  teams = [for k, m in module.unit : m.team]
}
group "units" {
  for_each = module.unit
  email    = "unit-${each.key}@example.com"
  name     = each.value.team
}
output "teams" { value = length(local.teams) }
`,
		"modules/unit/main.mf.hcl": `
variable "dept_id" { type = string }
variable "name" { type = string }
module "inner" {
  for_each = toset(["a", "b"])
  source   = "../inner"
  prefix   = "${var.name}-${each.key}"
}
department "team" {
  name   = "team ${var.name}"
  parent = var.dept_id
}
output "team" { value = "${department.team.name} ${join(" ", [for k, i in module.inner : i.g])}" }
`,
		"modules/inner/main.mf.hcl": `
variable "prefix" { type = string }
group "g" {
  email = "${var.prefix}@example.com"
  name  = var.prefix
}
output "g" { value = group.g.email }
`,
	},
}

// TestConcurrentEvaluationMatchesInOrder: evaluating independent nodes at once, each
// for_each as soon as what it refers to is ready, gives the instances, values and
// diagnostics that evaluating them one after another does, in the same order, run
// after run — with the ids given at once, and filled in after evaluation for the
// blocks nothing refers to (lateIDs).
func TestConcurrentEvaluationMatchesInOrder(t *testing.T) {
	computed := func(a string) model.Object { return model.Object{"id": "id-" + a} }
	for name, files := range concurrentCases {
		t.Run(name, func(t *testing.T) {
			cfg, diags := loadModules(t, files)
			if diags.HasErrors() {
				t.Fatalf("config: %s", diags.Error())
			}
			g, diags := buildGraph(cfg)
			if diags.HasErrors() || !g.independent {
				t.Fatalf("graph (independent %v): %s", g.independent, diags.Error())
			}
			seq := *g
			seq.independent = false
			want := newEvaluator(cfg, &seq, nil)
			wantInsts, wantDiags := want.run(computed)
			if len(wantInsts) == 0 {
				t.Fatal("no instances")
			}
			if errs := len(diagLines(wantDiags)); (name == "errors that others depend on") != (errs >= 5) {
				t.Fatalf("%d diagnostics:\n%s", errs, strings.Join(diagLines(wantDiags), "\n"))
			}
			for i := 0; i < 10; i++ {
				for _, late := range []bool{false, true} {
					ev := newEvaluator(cfg, g, nil)
					ev.lateIDs = late
					insts, diags := ev.run(computed)
					if !ev.concurrent {
						t.Fatal("evaluated in order")
					}
					if got, want := diagLines(diags), diagLines(wantDiags); !reflect.DeepEqual(got, want) {
						t.Fatalf("late %v: diagnostics\n%q\nwant\n%q", late, got, want)
					}
					if len(insts) != len(wantInsts) {
						t.Fatalf("late %v: %d instances, want %d", late, len(insts), len(wantInsts))
					}
					for j, in := range insts {
						w := wantInsts[j]
						if in.Addr != w.Addr || !reflect.DeepEqual(in.Desired, w.Desired) || !reflect.DeepEqual(in.Ranges, w.Ranges) || !reflect.DeepEqual(in.Key, w.Key) {
							t.Fatalf("late %v: instance %d is %s %v, want %s %v", late, j, in.Addr, in.Desired, w.Addr, w.Desired)
						}
					}
					for c, scs := range want.scopes {
						if len(ev.scopes[c]) != len(scs) {
							t.Fatalf("%d scopes of %q, want %d", len(ev.scopes[c]), c.ModulePath(), len(scs))
						}
					}
					if got, want := ev.base.Variables, want.base.Variables; !sameValues(got, want) {
						t.Fatalf("late %v: root values\n%#v\nwant\n%#v", late, got, want)
					}
				}
			}
		})
	}
}

// TestConcurrentEvaluationWhileStateLoads: evaluated as MakePlan does while the state
// still loads (one slot held until it is loaded, the blocks something refers to
// waiting for it, the others filling their ids in last), the configuration gives what
// evaluating it one node after another with the ids at hand gives; no id is asked
// for before the state is loaded, and every slot is free again at the end.
func TestConcurrentEvaluationWhileStateLoads(t *testing.T) {
	for name, files := range concurrentCases {
		t.Run(name, func(t *testing.T) {
			cfg, diags := loadModules(t, files)
			if diags.HasErrors() {
				t.Fatalf("config: %s", diags.Error())
			}
			g, _ := buildGraph(cfg)
			seq := *g
			seq.independent = false
			want := newEvaluator(cfg, &seq, nil)
			wantInsts, wantDiags := want.run(func(a string) model.Object { return model.Object{"id": "id-" + a} })
			for i := 0; i < 10; i++ {
				ev := newEvaluator(cfg, g, nil)
				ev.lateIDs = true
				loaded := make(chan struct{})
				ev.stateDone = loaded
				ev.slots = newSlots(runtime.GOMAXPROCS(0))
				ev.slots.acquire(0, 0)
				released := make(chan struct{})
				go func() {
					defer close(released)
					// Loading ends at a different point of the evaluation each run.
					time.Sleep(time.Duration(i%4) * time.Millisecond)
					close(loaded)
					ev.slots.release()
				}()
				var early atomic.Int32
				insts, diags := ev.run(func(a string) model.Object {
					if !closed(loaded) {
						early.Add(1)
					}
					return model.Object{"id": "id-" + a}
				})
				<-released
				if n := early.Load(); n > 0 {
					t.Fatalf("run %d: ids asked for %d times before the state was loaded", i, n)
				}
				if got, want := diagLines(diags), diagLines(wantDiags); !reflect.DeepEqual(got, want) {
					t.Fatalf("run %d: diagnostics\n%q\nwant\n%q", i, got, want)
				}
				if len(insts) != len(wantInsts) {
					t.Fatalf("run %d: %d instances, want %d", i, len(insts), len(wantInsts))
				}
				for j, in := range insts {
					w := wantInsts[j]
					if in.Addr != w.Addr || !reflect.DeepEqual(in.Desired, w.Desired) || !reflect.DeepEqual(in.Ranges, w.Ranges) {
						t.Fatalf("run %d: instance %d is %s %v, want %s %v", i, j, in.Addr, in.Desired, w.Addr, w.Desired)
					}
				}
				if !sameValues(ev.base.Variables, want.base.Variables) {
					t.Fatalf("run %d: root values\n%#v\nwant\n%#v", i, ev.base.Variables, want.base.Variables)
				}
				ev.slots.mu.Lock()
				free, waiting, held := ev.slots.free, ev.slots.waiting.Len(), ev.slots.held
				ev.slots.mu.Unlock()
				if free != runtime.GOMAXPROCS(0) || waiting != 0 || held != 0 {
					t.Fatalf("run %d: %d free slots, %d waiting, %d held after the run, want %d, 0, 0", i, free, waiting, held, runtime.GOMAXPROCS(0))
				}
			}
		})
	}
}

// diagLines renders diagnostics with where they point, in order.
func diagLines(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, fmt.Sprintf("%v %s: %s: %s", d.Severity, d.Subject, d.Summary, d.Detail))
	}
	return out
}

// sameValues reports whether two variable maps hold equal values (unknowns equal
// when of the same type).
func sameValues(a, b map[string]cty.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !v.RawEquals(w) {
			return false
		}
	}
	return true
}

// TestConcurrentEvaluationPanic: a panic while evaluating a node at once with others
// is raised again in the caller of run, as it was when nodes were evaluated there,
// and no node waits forever for the one that panicked.
func TestConcurrentEvaluationPanic(t *testing.T) {
	cfg, diags := loadModules(t, concurrentCases["departments, accounts and groups"])
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	g, _ := buildGraph(cfg)
	defer func() {
		if p := recover(); p != "boom" {
			t.Fatalf("recovered %v, want boom", p)
		}
	}()
	newEvaluator(cfg, g, nil).run(func(a string) model.Object {
		if strings.HasPrefix(a, "department.top") {
			panic("boom")
		}
		return nil
	})
	t.Fatal("no panic")
}

// TestSlotsStartTheHighestPriorityFirst: a freed slot goes to the waiter of highest
// priority, then to the earliest of equal priority, and no more run at once than
// there are slots.
func TestSlotsStartTheHighestPriorityFirst(t *testing.T) {
	s := newSlots(1)
	s.acquire(0, 0)
	order := make(chan int, 4)
	waiters := []struct{ prio, seq int }{{1, 3}, {5, 4}, {1, 2}, {0, 1}}
	for _, w := range waiters {
		go func() {
			s.acquire(w.prio, w.seq)
			order <- w.seq
			s.release()
		}()
	}
	for {
		s.mu.Lock()
		n := s.waiting.Len()
		s.mu.Unlock()
		if n == len(waiters) {
			break
		}
		runtime.Gosched()
	}
	s.release()
	var got []int
	for range waiters {
		got = append(got, <-order)
	}
	if want := []int{4, 2, 3, 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("started %v, want %v", got, want)
	}
	// The last one releases its slot after saying it started.
	for {
		s.mu.Lock()
		free := s.free
		s.mu.Unlock()
		if free == 1 {
			break
		}
		if free > 1 {
			t.Fatalf("%d free slots after every release, want 1", free)
		}
		runtime.Gosched()
	}
}

// TestConcurrentlyRaisesPanics: concurrently runs every function to the end and
// raises the first panic (by position) in its caller.
func TestConcurrentlyRaisesPanics(t *testing.T) {
	ran := make([]bool, 3)
	defer func() {
		if p := recover(); p != "one" {
			t.Fatalf("recovered %v, want one", p)
		}
		if !ran[0] || !ran[2] {
			t.Fatalf("ran %v, want every function run", ran)
		}
	}()
	concurrently(
		func() { ran[0] = true },
		func() { panic("one") },
		func() { ran[2] = true; panic("two") },
	)
	t.Fatal("no panic")
}

// TestSlotsHold: tasks ready at the same moment start by priority whatever order
// their goroutines run in, and a holder keeps its slot for the next task only when
// no waiter goes before it.
func TestSlotsHold(t *testing.T) {
	s := newSlots(1)
	s.hold(3)
	order := make(chan int, 3)
	// The lowest priority asks first; all three wait for the third.
	for i, w := range []struct{ prio, seq int }{{0, 3}, {1, 2}, {2, 1}} {
		go func() {
			s.acquire(w.prio, w.seq)
			order <- w.seq
			if w.seq == 1 {
				if !s.keep(2, 0) || s.keep(0, 9) || s.keep(1, 3) || !s.keep(1, 1) {
					t.Error("keep: wrong answer with waiters of priority 1 (seq 2) and 0")
				}
			}
			s.release()
		}()
		// The next asks only once this one waits.
		for {
			s.mu.Lock()
			held := s.held
			s.mu.Unlock()
			if held == 2-i {
				break
			}
			runtime.Gosched()
		}
	}
	var got []int
	for range 3 {
		got = append(got, <-order)
	}
	if want := []int{1, 2, 3}; !reflect.DeepEqual(got, want) {
		t.Fatalf("started %v, want %v", got, want)
	}
}
