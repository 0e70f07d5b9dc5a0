package schema

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// rowsFor is a for_each expression of the shape a block over CSV rows takes:
//
//	{ for r in COLLECTION : KEY => r }
//	{ for r in COLLECTION : KEY => r if r.col == "literal" }
//
// where KEY is r.col or a template of literals and r.cols ("${r.zone}/${r.name}").
// Evaluated by hcl, such an expression makes a child EvalContext, a traversal and a
// conversion per row, then an object of every row that ForEachKeys walks twice more
// (IsWhollyKnown, then its elements); rowsFor reads the columns straight from each
// row instead. It gives up — and hcl evaluates the whole expression, so that every
// result and diagnostic is hcl's own — on anything out of the ordinary: a collection
// that is not a known, unmarked list or tuple of objects, a row that is null, unknown,
// marked or not wholly known, a column that is missing or is not a known, unmarked,
// non-null string, a duplicate key, or any diagnostic from the collection.
type rowsFor struct {
	coll hcl.Expression
	key  []keyPart
	// cond, when not nil, keeps a row only when its column equals (or, with
	// notEqual, differs from) the literal.
	cond *rowCond
}

// keyPart is a literal piece of the key or, when col is set, a column of the row.
type keyPart struct {
	lit string
	col string
}

type rowCond struct {
	col, lit string
	notEqual bool
}

// matchRowsFor recognises the shapes rowsFor evaluates; false for any other
// expression, which ForEachKeys hands to hcl.
func matchRowsFor(expr hcl.Expression) (*rowsFor, bool) {
	e, ok := expr.(*hclsyntax.ForExpr)
	if !ok || e.KeyVar != "" || e.KeyExpr == nil || e.Group {
		return nil, false
	}
	if v, ok := e.ValExpr.(*hclsyntax.ScopeTraversalExpr); !ok || len(v.Traversal) != 1 || v.Traversal.RootName() != e.ValVar {
		return nil, false
	}
	f := &rowsFor{coll: e.CollExpr}
	switch k := e.KeyExpr.(type) {
	case *hclsyntax.TemplateWrapExpr: // "${r.email}" is r.email itself
		col, ok := rowColumn(k.Wrapped, e.ValVar)
		if !ok {
			return nil, false
		}
		f.key = []keyPart{{col: col}}
	case *hclsyntax.TemplateExpr:
		for _, p := range k.Parts {
			if lit, ok := stringLiteral(p); ok {
				f.key = append(f.key, keyPart{lit: lit})
				continue
			}
			col, ok := rowColumn(p, e.ValVar)
			if !ok {
				return nil, false
			}
			f.key = append(f.key, keyPart{col: col})
		}
	default:
		col, ok := rowColumn(k, e.ValVar)
		if !ok {
			return nil, false
		}
		f.key = []keyPart{{col: col}}
	}
	if e.CondExpr != nil {
		b, ok := e.CondExpr.(*hclsyntax.BinaryOpExpr)
		if !ok || (b.Op != hclsyntax.OpEqual && b.Op != hclsyntax.OpNotEqual) {
			return nil, false
		}
		col, ok := rowColumn(b.LHS, e.ValVar)
		lit, litOK := templateLiteral(b.RHS)
		if !ok || !litOK {
			col, ok = rowColumn(b.RHS, e.ValVar)
			lit, litOK = templateLiteral(b.LHS)
		}
		if !ok || !litOK {
			return nil, false
		}
		f.cond = &rowCond{col: col, lit: lit, notEqual: b.Op == hclsyntax.OpNotEqual}
	}
	return f, true
}

// rowColumn recognises r.col for the row variable r.
func rowColumn(expr hclsyntax.Expression, row string) (string, bool) {
	t, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(t.Traversal) != 2 || t.Traversal.RootName() != row {
		return "", false
	}
	a, ok := t.Traversal[1].(hcl.TraverseAttr)
	if !ok {
		return "", false
	}
	return cty.NormalizeString(a.Name), true
}

// stringLiteral recognises a template's literal part.
func stringLiteral(expr hclsyntax.Expression) (string, bool) {
	l, ok := expr.(*hclsyntax.LiteralValueExpr)
	if !ok || l.Val.IsMarked() || l.Val.Type() != cty.String || l.Val.IsNull() || !l.Val.IsKnown() {
		return "", false
	}
	return l.Val.AsString(), true
}

// templateLiteral recognises a quoted string without interpolations ("1").
func templateLiteral(expr hclsyntax.Expression) (string, bool) {
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok || !t.IsStringLiteral() {
		return "", false
	}
	return stringLiteral(t.Parts[0])
}

// eval evaluates the expression on the rows; ok is false when hcl must decide.
func (f *rowsFor) eval(ctx *hcl.EvalContext) (keys []string, values map[string]cty.Value, ok bool) {
	coll, diags := f.coll.Value(ctx)
	if len(diags) > 0 || coll.IsMarked() || !coll.IsKnown() || coll.IsNull() {
		return nil, nil, false
	}
	ty := coll.Type()
	if !ty.IsListType() && !ty.IsTupleType() {
		return nil, nil, false
	}
	// A list's rows share one type: its columns are checked once, not per row.
	list := ty.IsListType()
	if list && !f.columnsOf(ty.ElementType()) {
		return nil, nil, false
	}
	// csvdecode's rows hold known strings only; any other row is checked as
	// ForEachKeys checks its result.
	known := fromCSVDecode(f.coll, ctx)
	n := coll.LengthInt()
	values = make(map[string]cty.Value, n)
	keys = make([]string, 0, n)
	var buf strings.Builder
	for it := coll.ElementIterator(); it.Next(); {
		_, row := it.Element()
		if row.IsMarked() || !row.IsKnown() || row.IsNull() {
			return nil, nil, false
		}
		if !list && !f.columnsOf(row.Type()) {
			return nil, nil, false
		}
		if f.cond != nil {
			v, ok := stringCell(row, f.cond.col)
			if !ok {
				return nil, nil, false
			}
			if (v == f.cond.lit) == f.cond.notEqual {
				continue
			}
		}
		var key string
		if len(f.key) == 1 && f.key[0].col != "" {
			k, ok := stringCell(row, f.key[0].col)
			if !ok {
				return nil, nil, false
			}
			key = k
		} else {
			buf.Reset()
			for _, p := range f.key {
				if p.col == "" {
					buf.WriteString(p.lit)
					continue
				}
				v, ok := stringCell(row, p.col)
				if !ok {
					return nil, nil, false
				}
				buf.WriteString(v)
			}
			// hcl makes the template's result a cty string, which is normalised
			// (NFC); joining normalised pieces need not be.
			key = cty.NormalizeString(buf.String())
		}
		if _, dup := values[key]; dup {
			return nil, nil, false
		}
		if !known && !wholeRowKnown(row) {
			return nil, nil, false
		}
		values[key] = row
		keys = append(keys, key)
	}
	return keys, values, true
}

// columnsOf reports whether rows of type t are objects holding every column the
// key and condition read, each a string.
func (f *rowsFor) columnsOf(t cty.Type) bool {
	if !t.IsObjectType() {
		return false
	}
	has := func(col string) bool { return t.HasAttribute(col) && t.AttributeType(col) == cty.String }
	for _, p := range f.key {
		if p.col != "" && !has(p.col) {
			return false
		}
	}
	return f.cond == nil || has(f.cond.col)
}

// stringCell reads a string column of a row whose type columnsOf accepted; false
// when the cell is null, unknown or marked.
func stringCell(row cty.Value, col string) (string, bool) {
	v := row.GetAttr(col)
	if v.IsMarked() || !v.IsKnown() || v.IsNull() {
		return "", false
	}
	return v.AsString(), true
}

// wholeRowKnown is row.IsWhollyKnown for a known object, without iterating it in
// sorted order (which sorts its attribute names for every row).
func wholeRowKnown(row cty.Value) bool {
	for name := range row.Type().AttributeTypes() {
		if !row.GetAttr(name).IsWhollyKnown() {
			return false
		}
	}
	return true
}
