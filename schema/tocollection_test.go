package schema

import (
	"fmt"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// tolist and toset give what go-cty's functions give, for the tuples they take a
// faster path on and for everything else.
func TestToCollectionMatchesGoCty(t *testing.T) {
	row := func(d string) cty.Value { return cty.ObjectVal(map[string]cty.Value{"dept": cty.StringVal(d)}) }
	inputs := []cty.Value{
		cty.TupleVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a"), cty.StringVal("b")}),
		cty.TupleVal([]cty.Value{cty.StringVal("x"), cty.NumberIntVal(1), cty.True}), // unify to string
		cty.TupleVal([]cty.Value{row("sales"), row("ops"), row("sales")}),
		cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}),
		cty.TupleVal([]cty.Value{cty.StringVal("a").Mark("sensitive"), cty.StringVal("b")}),
		cty.TupleVal([]cty.Value{cty.NullVal(cty.String), cty.StringVal("b")}),
		cty.EmptyTupleVal,
		cty.NullVal(cty.Tuple([]cty.Type{cty.String})),
		cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("a")}),
		cty.SetVal([]cty.Value{cty.StringVal("a")}),
		cty.MapVal(map[string]cty.Value{"k": cty.StringVal("v")}),
		cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.ListValEmpty(cty.String)}), // no single type
		cty.StringVal("not a collection"),
	}
	for _, set := range []bool{false, true} {
		want := cty.List(cty.DynamicPseudoType)
		if set {
			want = cty.Set(cty.DynamicPseudoType)
		}
		std, ours := stdlib.MakeToFunc(want), makeToCollection(set)
		for _, in := range inputs {
			name := fmt.Sprintf("set=%v %#v", set, in)
			exp, expErr := std.Call([]cty.Value{in})
			got, gotErr := ours.Call([]cty.Value{in})
			if (expErr == nil) != (gotErr == nil) {
				t.Errorf("%s: error %v, go-cty's %v", name, gotErr, expErr)
				continue
			}
			if expErr != nil {
				if gotErr.Error() != expErr.Error() {
					t.Errorf("%s: error %q, go-cty's %q", name, gotErr, expErr)
				}
				continue
			}
			if !got.Type().Equals(exp.Type()) || !got.RawEquals(exp) {
				t.Errorf("%s: got %#v, go-cty gives %#v", name, got, exp)
			}
		}
	}
}

// rowsTuple is what toset([for r in rows : r.dept]) receives for a CSV of n rows.
func rowsTuple(n int) cty.Value {
	vals := make([]cty.Value, n)
	for i := range vals {
		vals[i] = cty.StringVal(fmt.Sprintf("d%d", i%50))
	}
	return cty.TupleVal(vals)
}

// BenchmarkToSetRows shows toset over a for expression growing linearly with the
// rows (go-cty's own function: 0.26 s at 2,500 rows, 8.6 s at 20,000).
func BenchmarkToSetRows(b *testing.B) {
	for _, n := range []int{2500, 20000} {
		in := []cty.Value{rowsTuple(n)}
		f := makeToCollection(true)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := f.Call(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
