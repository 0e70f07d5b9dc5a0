package schema

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// fuzzRowCell is a cell of a fuzzed row: the text as a string, or a null, unknown,
// sensitive, number or nested value; ok is false for a missing column.
func fuzzRowCell(text string, sel byte) (cty.Value, bool) {
	switch sel % 9 {
	case 0, 1, 2:
		return cty.StringVal(text), true
	case 3:
		return cty.NullVal(cty.String), true
	case 4:
		return cty.UnknownVal(cty.String), true
	case 5:
		return cty.StringVal(text).Mark("sensitive"), true
	case 6:
		return cty.NumberIntVal(int64(len(text))), true
	case 7:
		return cty.ListVal([]cty.Value{cty.StringVal(text), cty.UnknownVal(cty.String)}), true
	}
	return cty.NilVal, false
}

// FuzzForEachRowsValues compares the fast path with hcl's over rows that are not
// csvdecode's: a list or tuple of objects whose cells are strings, nulls, unknowns,
// sensitive values, numbers or lists, with columns missing, rows null, unknown or
// sensitive, and keys that normalise to the same NFC string.
func FuzzForEachRowsValues(f *testing.F) {
	f.Add("x;1;y;2;z;1", []byte{0, 0, 0, 0, 0, 0}, []byte{0, 0, 0}, uint8(0), false)
	f.Add("e\u0301;1;é;1", []byte{0, 0, 0, 0}, []byte{0, 0}, uint8(1), true)
	f.Add("x;1;y;2", []byte{0, 4, 5, 0}, []byte{0, 1}, uint8(2), false)
	f.Add("x;1;y;2;z;3", []byte{0, 3, 0, 7, 8, 0}, []byte{0, 2, 3}, uint8(3), false)
	f.Add("a;;b;", []byte{0, 0, 0, 0}, []byte{0, 0}, uint8(4), true)
	f.Add("x;1;y;2", []byte{0, 7, 0, 0}, []byte{}, uint8(0), false)
	exprs := []string{
		`{ for r in local.rows : r.a => r }`,
		`{ for r in local.rows : "${r.a}${r.b}" => r }`,
		`{ for r in local.rows : r.a => r if r.b == "1" }`,
		`{ for r in local.rows : "k-${r.a}/${r.b}" => r if r.b != "2" }`,
		`{ for r in local.rows : "${r.b}" => r if "" == r.a }`,
		`{ for r in local.rows : "${r.a}" => r }`,
	}
	parsed := make([]hcl.Expression, len(exprs))
	for i, src := range exprs {
		e, diags := hclsyntax.ParseExpression([]byte(src), "main.mf.hcl", hcl.Pos{Line: 3, Column: 5, Byte: 20})
		if diags.HasErrors() {
			f.Fatal(diags.Error())
		}
		parsed[i] = e
	}
	f.Fuzz(func(t *testing.T, cells string, sels, rowSels []byte, which uint8, tuple bool) {
		texts := strings.Split(cells, ";")
		var rows []cty.Value
		for i := 0; i+1 < len(texts) && len(rows) < 16; i += 2 {
			m := map[string]cty.Value{}
			for j, col := range []string{"a", "b"} {
				sel := byte(0)
				if i+j < len(sels) {
					sel = sels[i+j]
				}
				if v, ok := fuzzRowCell(texts[i+j], sel); ok {
					m[col] = v
				}
			}
			row := cty.ObjectVal(m)
			if n := len(rows); n < len(rowSels) {
				switch rowSels[n] % 6 {
				case 1:
					row = cty.NullVal(row.Type())
				case 2:
					row = cty.UnknownVal(row.Type())
				case 3:
					row = row.Mark("sensitive")
				}
			}
			rows = append(rows, row)
		}
		// A list when asked and its rows share a type, else a tuple.
		list := !tuple && len(rows) > 0
		for _, r := range rows {
			list = list && r.Type().Equals(rows[0].Type())
		}
		coll := cty.TupleVal(rows)
		if list {
			coll = cty.ListVal(rows)
		}
		ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"local": cty.ObjectVal(map[string]cty.Value{"rows": coll})}}
		expr := parsed[int(which)%len(parsed)]
		want := forEachOutcome(forEachKeysOf(expr, ctx))
		if got := forEachOutcome(ForEachKeys(expr, ctx)); got != want {
			t.Errorf("%s over %#v:\nForEachKeys:\n%s\nhcl's path:\n%s", exprs[int(which)%len(exprs)], coll, got, want)
		}
	})
}
