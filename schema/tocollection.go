package schema

import (
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// makeToCollection returns tolist (set false) or toset (set true). They behave as
// go-cty's own, but a tuple — what a for expression makes, e.g.
// toset([for r in rows : r.dept]) over a CSV — is converted by unifying its distinct
// element types once, not every element's type with every other: go-cty's tuple
// conversion sorts all element types pairwise, which made validate of a 20,000-row
// CSV take 8.6 s. Every other argument goes to go-cty's function.
func makeToCollection(set bool) function.Function {
	want := cty.List(cty.DynamicPseudoType)
	if set {
		want = cty.Set(cty.DynamicPseudoType)
	}
	std := stdlib.MakeToFunc(want)
	collection := func(ety cty.Type) cty.Type {
		if set {
			return cty.Set(ety)
		}
		return cty.List(ety)
	}
	return function.New(&function.Spec{
		Description: std.Description(),
		Params:      std.Params(),
		Type: func(args []cty.Value) (cty.Type, error) {
			if ety, ok := tupleElementType(args[0].Type()); ok {
				return collection(ety), nil
			}
			return std.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			v := args[0]
			ety, ok := tupleElementType(v.Type())
			if !ok {
				return std.Call(args)
			}
			if v.IsNull() {
				return cty.NullVal(retType), nil
			}
			elems := make([]cty.Value, 0, v.LengthInt())
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				ce, err := convert.Convert(e, ety)
				if err != nil {
					return std.Call(args) // go-cty's own message
				}
				elems = append(elems, ce)
			}
			if set {
				return cty.SetVal(elems), nil
			}
			return cty.ListVal(elems), nil
		},
	})
}

// tupleElementType returns the single type a non-empty tuple type's elements unify
// to, looking at each distinct element type once; false when t is no such tuple or
// the types do not unify to a concrete type (go-cty's function then decides).
func tupleElementType(t cty.Type) (cty.Type, bool) {
	if !t.IsTupleType() || t.Length() == 0 {
		return cty.NilType, false
	}
	var distinct []cty.Type
	for _, et := range t.TupleElementTypes() {
		seen := false
		for _, d := range distinct {
			if d.Equals(et) {
				seen = true
				break
			}
		}
		if !seen {
			distinct = append(distinct, et)
			if len(distinct) > 16 {
				return cty.NilType, false // many shapes: not the case this is for
			}
		}
	}
	unified, _ := convert.UnifyUnsafe(distinct)
	if unified == cty.NilType || unified == cty.DynamicPseudoType {
		return cty.NilType, false
	}
	return unified, true
}
