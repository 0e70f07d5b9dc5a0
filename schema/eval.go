package schema

import (
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/mailform/mailform/model"
)

// Functions returns the functions expressions may call: the go-cty standard library
// plus file(path), which reads a file relative to the configuration directory.
func (c *Config) Functions() map[string]function.Function {
	fs := map[string]function.Function{
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "chomp": stdlib.ChompFunc,
		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc,
		"coalescelist": stdlib.CoalesceListFunc, "compact": stdlib.CompactFunc,
		"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"csvdecode": csvDecodeFunc, "distinct": stdlib.DistinctFunc,
		"element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc, "floor": stdlib.FloorFunc,
		"format": stdlib.FormatFunc, "formatdate": stdlib.FormatDateFunc,
		"formatlist": stdlib.FormatListFunc, "indent": stdlib.IndentFunc, "index": stdlib.IndexFunc,
		"join": stdlib.JoinFunc, "jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc,
		"keys": stdlib.KeysFunc, "length": stdlib.LengthFunc, "log": stdlib.LogFunc,
		"lookup": stdlib.LookupFunc, "lower": stdlib.LowerFunc, "max": stdlib.MaxFunc,
		"merge": stdlib.MergeFunc, "min": stdlib.MinFunc, "parseint": stdlib.ParseIntFunc,
		"pow": stdlib.PowFunc, "range": stdlib.RangeFunc, "regex": stdlib.RegexFunc,
		"regexall": stdlib.RegexAllFunc, "regex_replace": stdlib.RegexReplaceFunc,
		"replace": stdlib.ReplaceFunc, "reverse": stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc, "setproduct": stdlib.SetProductFunc,
		"setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc,
		"signum": stdlib.SignumFunc, "slice": stdlib.SliceFunc, "sort": stdlib.SortFunc,
		"split": stdlib.SplitFunc, "strlen": stdlib.StrlenFunc, "strrev": stdlib.ReverseFunc,
		"substr": stdlib.SubstrFunc, "timeadd": stdlib.TimeAddFunc, "title": stdlib.TitleFunc,
		"trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc, "trimspace": stdlib.TrimSpaceFunc,
		"trimsuffix": stdlib.TrimSuffixFunc, "upper": stdlib.UpperFunc, "values": stdlib.ValuesFunc,
		"zipmap":   stdlib.ZipmapFunc,
		"tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number),
		"tobool": stdlib.MakeToFunc(cty.Bool), "tolist": makeToCollection(false),
		"toset": makeToCollection(true), "tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	}
	fs["jsondecode"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}},
		Type: func(args []cty.Value) (cty.Type, error) {
			if args[0].IsKnown() {
				if err := checkJSONNesting(args[0].AsString()); err != nil {
					return cty.NilType, err
				}
			}
			return stdlib.JSONDecodeFunc.ReturnType([]cty.Type{args[0].Type()})
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return stdlib.JSONDecodeFunc.Call(args)
		},
	})
	fs["try"] = tryfunc.TryFunc
	fs["can"] = tryfunc.CanFunc
	fs["file"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(c.Dir, p)
			}
			b, err := ReadInput(p, c.Dir)
			if err != nil {
				return cty.NilVal, fmt.Errorf("cannot read %s (paths are relative to the configuration directory): %v", args[0].AsString(), err)
			}
			if line, err := checkFileText(b); err != nil {
				return cty.NilVal, fmt.Errorf("%s line %d: %v", args[0].AsString(), line, err)
			}
			return cty.StringVal(string(b)), nil
		},
	})
	return fs
}

// blockTypes holds the object type of each block attribute (*model.Attr).
var blockTypes sync.Map

func attrTypes(attrs []*model.Attr) map[string]cty.Type {
	m := make(map[string]cty.Type, len(attrs))
	for _, a := range attrs {
		m[a.Name] = attrCtyType(a)
	}
	return m
}

func attrCtyType(a *model.Attr) cty.Type {
	switch {
	case a.Kind == model.KindInt:
		return cty.Number
	case a.Kind == model.KindBool:
		return cty.Bool
	case a.Kind == model.KindBlock:
		// Built once per block attribute: ToCty asks for it for every instance.
		if t, ok := blockTypes.Load(a); ok {
			return t.(cty.Type)
		}
		t, _ := blockTypes.LoadOrStore(a, cty.Object(attrTypes(a.Block)))
		return t.(cty.Type)
	case a.Kind.IsCollection():
		return cty.List(cty.String)
	}
	return cty.String
}

// ToCty converts a model object into the value references to it see. Sensitive
// attributes are marked so that they never print.
func ToCty(t *model.Type, o model.Object) cty.Value {
	return objToCty(t.Attrs, o)
}

func objToCty(attrs []*model.Attr, o model.Object) cty.Value {
	m := make(map[string]cty.Value, len(attrs))
	for _, a := range attrs {
		m[a.Name] = valueToCty(a, o[a.Name])
	}
	return cty.ObjectVal(m)
}

func valueToCty(a *model.Attr, v any) cty.Value {
	ty := attrCtyType(a)
	if model.IsUnknown(v) {
		return cty.UnknownVal(ty)
	}
	switch x := v.(type) {
	case nil:
		return cty.NullVal(ty)
	case string:
		return cty.StringVal(x)
	case int64:
		return cty.NumberIntVal(x)
	case bool:
		return cty.BoolVal(x)
	case []string:
		if len(x) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		l := make([]cty.Value, len(x))
		for i, s := range x {
			l[i] = cty.StringVal(s)
		}
		return cty.ListVal(l)
	case model.Object:
		return objToCty(a.Block, x)
	}
	return cty.NullVal(ty)
}

// ForEachKeys evaluates a for_each expression and returns its instance keys and the
// each.value of each, sorted by key. A map or a set of strings is accepted.
func ForEachKeys(expr hcl.Expression, ctx *hcl.EvalContext) ([]string, map[string]cty.Value, hcl.Diagnostics) {
	if f, ok := matchRowsFor(expr); ok {
		if keys, values, ok := f.eval(ctx); ok {
			sort.Strings(keys)
			return keys, values, nil
		}
	}
	return forEachKeysOf(expr, ctx)
}

// forEachKeysOf is ForEachKeys for every expression: hcl evaluates it.
func forEachKeysOf(expr hcl.Expression, ctx *hcl.EvalContext) ([]string, map[string]cty.Value, hcl.Diagnostics) {
	val, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	bad := func(detail string) ([]string, map[string]cty.Value, hcl.Diagnostics) {
		return nil, nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each argument",
			Detail: detail, Subject: expr.Range().Ptr(), Expression: expr, EvalContext: ctx})
	}
	if val.IsNull() {
		return bad("for_each is null. Give a map, or a set of strings such as toset([\"a\", \"b\"]).")
	}
	unknown := func() ([]string, map[string]cty.Value, hcl.Diagnostics) {
		return bad("for_each depends on values known only after apply (such as a department id). Use values from variables, locals or files instead.")
	}
	if !val.IsKnown() {
		return unknown()
	}
	val, _ = val.Unmark()
	ty := val.Type()
	values := map[string]cty.Value{}
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		// One pass both checks the elements are known and collects them, in
		// the iterator's order, which is the keys' sorted order.
		keys := make([]string, 0, val.LengthInt())
		values = make(map[string]cty.Value, val.LengthInt())
		for it := val.ElementIterator(); it.Next(); {
			k, v := it.Element()
			if !whollyKnown(v) {
				return unknown()
			}
			keys = append(keys, k.AsString())
			values[keys[len(keys)-1]] = v
		}
		return keys, values, diags
	case !whollyKnown(val):
		return unknown()
	case ty.IsSetType() || ty.IsListType() || ty.IsTupleType():
		if ty.IsListType() || ty.IsTupleType() {
			return bad("for_each takes a map or a set of strings, not a list: wrap it in toset(...) so each key is unique.")
		}
		if val.LengthInt() == 0 {
			// toset([]) has no element type to check: it simply makes no instances.
			break
		}
		if !ty.ElementType().Equals(cty.String) {
			return bad("for_each takes a set of strings; this set holds " + ty.ElementType().FriendlyName() + ".")
		}
		for it := val.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return bad("for_each holds a null element.")
			}
			values[v.AsString()] = v
		}
	default:
		return bad("for_each takes a map or a set of strings, not a " + ty.FriendlyName() + ".")
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, values, diags
}

// whollyKnown is v.IsWhollyKnown, but reads an object's attributes in map order:
// IsWhollyKnown iterates every object it meets in sorted order, sorting its names
// and making a string value of each, which for a for_each over 50,000 rows cost
// more than the rest of ForEachKeys.
func whollyKnown(v cty.Value) bool {
	v, _ = v.Unmark()
	if !v.IsKnown() {
		return false
	}
	if v.IsNull() {
		return true
	}
	switch ty := v.Type(); {
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if !whollyKnown(v.GetAttr(name)) {
				return false
			}
		}
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); !whollyKnown(e) {
				return false
			}
		}
	}
	return true
}

// checkFileText refuses a file() input that is not text, naming the line: invalid
// UTF-8 would become U+FFFD on the way in and plan a change forever, and a control
// character in a CSV row would reach a name. Tabs and line ends are text.
func checkFileText(b []byte) (int, error) {
	line := 1
	for i := 0; i < len(b); {
		// Printable ASCII, nearly all of a CSV file, needs no decoding.
		if c := b[i]; c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return line, fmt.Errorf("byte %d is not valid UTF-8; save the file as UTF-8", i+1)
		case r == '\n':
			line++
		case r == '\t' || r == '\r':
		case unicode.IsControl(r):
			return line, fmt.Errorf("holds the control character %U", r)
		}
		i += n
	}
	return 0, nil
}

// checkJSONNesting refuses JSON nested deeper than MaxNesting: decoding recurses once
// per level, and a few million brackets overflowed the stack.
func checkJSONNesting(s string) error {
	depth, inString, escaped := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > MaxNesting {
				return fmt.Errorf("the JSON nests more than %d levels deep", MaxNesting)
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
}
