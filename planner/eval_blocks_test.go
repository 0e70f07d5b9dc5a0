package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
)

// oneBlockPerObject is a configuration shaped like an export: one department and one
// account block per object, each account referring to its department, and a root
// output reading the last account.
func oneBlockPerObject(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "department \"d%05d\" {\n  name = \"Dept %d\"\n}\n", i, i)
		fmt.Fprintf(&b, "account \"a%05d\" {\n  email = \"u%d@example.com\"\n  name = \"U %d\"\n  departments = [department.d%05d.id]\n}\n", i, i, i, i)
	}
	fmt.Fprintf(&b, "output \"last\" {\n  value = account.a%05d.email\n}\n", n-1)
	return []byte(b.String())
}

// A configuration of one block per object is evaluated with every reference seeing
// the value of the block it names, whether its nodes go concurrently (a few) or in
// order (more than maxConcurrentNodes, as an export of a big tenant), and root
// outputs see the blocks evaluated last: setBlock does not build a type's object;
// each node's view binds the blocks it names, and fresh builds them all at the end.
func TestOneBlockPerObjectReferences(t *testing.T) {
	for _, tc := range []struct {
		n          int
		concurrent bool
	}{{20, true}, {maxConcurrentNodes/2 + 1, false}} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			ev := testEvaluator(t, oneBlockPerObject(tc.n))
			insts, diags := ev.run(func(addr string) model.Object {
				return model.Object{"id": "id-" + addr}
			})
			if diags.HasErrors() {
				t.Fatalf("eval: %s", diags.Error())
			}
			if ev.concurrent != tc.concurrent {
				t.Errorf("%d blocks evaluated concurrently: %v, want %v", 2*tc.n, ev.concurrent, tc.concurrent)
			}
			accounts := 0
			for _, in := range insts {
				if in.Res.Type != "account" {
					continue
				}
				accounts++
				want := "id-department.d" + strings.TrimPrefix(in.Res.Name, "a")
				if got := fmt.Sprint(in.Desired["departments"]); got != "["+want+"]" {
					t.Fatalf("%s departments = %s, want [%s]", in.Addr, got, want)
				}
			}
			if accounts != tc.n {
				t.Errorf("%d accounts, want %d", accounts, tc.n)
			}
			last := fmt.Sprintf("a%05d", tc.n-1)
			if v := ev.base.Variables["account"]; !v.Type().IsObjectType() || !v.Type().HasAttribute(last) {
				t.Fatalf("the root outputs' account object has no %s: %#v", last, v.Type())
			}
			if got := ev.base.Variables["account"].GetAttr(last).GetAttr("email").AsString(); got != fmt.Sprintf("u%d@example.com", tc.n-1) {
				t.Errorf("account.%s.email = %q", last, got)
			}
		})
	}
}

// BenchmarkOneBlockPerObject evaluates an export-shaped configuration; its time per
// block must not grow with the number of blocks (it was quadratic: every block set
// rebuilt the object of all blocks of its type).
func BenchmarkOneBlockPerObject(b *testing.B) {
	for _, n := range []int{2000, 8000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			base := testEvaluator(b, oneBlockPerObject(n))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ev := newEvaluator(base.cfg, base.g, nil)
				if _, diags := ev.run(func(string) model.Object { return model.Object{"id": "7"} }); diags.HasErrors() {
					b.Fatal(diags.Error())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(2*n), "µs/block")
		})
	}
}
