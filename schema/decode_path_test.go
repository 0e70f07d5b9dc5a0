package schema

import (
	"reflect"
	"strings"

	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
)

// TestAttrPathShortcut checks that exprValue's shortcut for plain attribute paths
// (each.value.email) gives what hcl gives, value and diagnostics, and that it is
// taken only where it may be.
func TestAttrPathShortcut(t *testing.T) {
	row := cty.ObjectVal(map[string]cty.Value{
		"email":  cty.StringVal("nora@example.com"),
		"quota":  cty.NumberIntVal(1024),
		"nested": cty.ObjectVal(map[string]cty.Value{"x": cty.StringVal("y")}),
		"nul":    cty.NullVal(cty.Object(map[string]cty.Type{"x": cty.String})),
		"unk":    cty.UnknownVal(cty.Object(map[string]cty.Type{"x": cty.String})),
		"secret": cty.ObjectVal(map[string]cty.Value{"x": cty.StringVal("s")}).Mark("sensitive"),
		"m":      cty.MapVal(map[string]cty.Value{"x": cty.StringVal("z")}),
	})
	base := &hcl.EvalContext{Variables: map[string]cty.Value{
		"local": cty.ObjectVal(map[string]cty.Value{"d": cty.StringVal("example.com")}),
	}}
	ctx := base.NewChild()
	ctx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal("k"), "value": row})}
	// A child with no variables of its own: the root is found further up.
	inner := ctx.NewChild()

	for _, tc := range []struct {
		src      string
		shortcut bool
	}{
		{"each.value.email", true},
		{"each.value.quota", true},
		{"each.key", true},
		{"each.value.nested.x", true},
		{"local.d", true},
		{"each.value", true},
		{"each.value.missing", false},  // "Unsupported attribute" from hcl
		{"each.value.nul.x", false},    // null: hcl's error
		{"each.value.unk.x", false},    // unknown: hcl's unknown of the attribute's type
		{"each.value.secret.x", false}, // marked: hcl keeps the mark
		{"each.value.m.x", false},      // a map: hcl indexes it
		{"each.value.email[0]", false}, // not an attribute step
		{"nosuch.x", false},            // unknown variable: hcl's suggestion
		{"upper(each.value.email)", false},
	} {
		expr, d := hclsyntax.ParseExpression([]byte(tc.src), "t.hcl", hcl.InitialPos)
		if d.HasErrors() {
			t.Fatal(d)
		}
		for _, c := range []*hcl.EvalContext{ctx, inner} {
			_, took := attrPathValue(expr, c)
			if took != tc.shortcut {
				t.Errorf("%s: shortcut taken %v, want %v", tc.src, took, tc.shortcut)
			}
			got, gd := exprValue(expr, c)
			want, wd := expr.Value(c)
			if !got.RawEquals(want) {
				t.Errorf("%s: value %#v, hcl gives %#v", tc.src, got, want)
			}
			if gd.Error() != wd.Error() {
				t.Errorf("%s: diagnostics %q, hcl gives %q", tc.src, gd.Error(), wd.Error())
			}
		}
	}
}

// TestStringCollectionsReadAsTheyAre checks that fromCty reads a list, set or tuple
// of strings without converting it, to what the conversion gave, and still converts
// (or refuses) everything else.
func TestStringCollectionsReadAsTheyAre(t *testing.T) {
	a := &model.Attr{Name: "members", Kind: model.KindStringSet}
	for _, tc := range []struct {
		val  cty.Value
		fast bool
		want []string
		err  string
	}{
		{cty.TupleVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a")}), true, []string{"b", "a"}, ""},
		{cty.ListVal([]cty.Value{cty.StringVal("x")}), true, []string{"x"}, ""},
		{cty.SetVal([]cty.Value{cty.StringVal("y"), cty.StringVal("x")}), true, []string{"x", "y"}, ""},
		{cty.EmptyTupleVal, true, []string{}, ""},
		{cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NullVal(cty.String)}), true, nil, "an element is null"},
		{cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.NumberIntVal(3)}), false, []string{"a", "3"}, ""},
		{cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.True}), false, []string{"a", "true"}, ""},
		{cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.ListValEmpty(cty.String)}), false, nil, "give a list such as"},
		{cty.StringVal("a"), false, nil, "give a list such as"},
		// A sensitive element (aliases = [var.secret_alias]) is read without its mark;
		// AsString of it used to panic.
		{cty.TupleVal([]cty.Value{cty.StringVal("b"), cty.StringVal("s").Mark("sensitive")}), true, []string{"b", "s"}, ""},
		{cty.ListVal([]cty.Value{cty.StringVal("s").Mark("sensitive")}), true, []string{"s"}, ""},
		{cty.TupleVal([]cty.Value{cty.StringVal("b"), cty.NumberIntVal(4).Mark("sensitive")}), false, []string{"b", "4"}, ""},
	} {
		if got := stringElements(tc.val.Type()); got != tc.fast {
			t.Errorf("%#v: read as it is %v, want %v", tc.val, got, tc.fast)
		}
		got, d := fromCty(a, tc.val, hcl.Range{Filename: "t.hcl"}, "group")
		if tc.err != "" {
			if !d.HasErrors() || !strings.Contains(d.Error(), tc.err) {
				t.Errorf("%#v: diagnostics %v, want %q", tc.val, d, tc.err)
			}
			continue
		}
		if d.HasErrors() || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%#v: got %#v (%v), want %#v", tc.val, got, d, tc.want)
		}
	}
}
