package schema

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/mailform/mailform/model"
)

// EachValue is the value of `each` in an instance of a for_each block.
func EachValue(key string, value cty.Value) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(key), "value": value})
}

// DecodeEach is Decode of the instance of a for_each block with the given key and
// value, whose `each` is EachValue(key, value) in a child of base. The values base
// holds must stay the same through the calls of one Prepared with one base (the
// instances of one block are decoded in one scope).
//
// Most attributes of such a block read a column of the row (each.value.email), a
// number (tonumber(each.value.quota_mb)), a list (split(";", each.value.members),
// [department.leaf[each.value.dept].id]) or a constant: those are compiled once per
// block into functions that read the row directly and give what fromCty would give
// for hcl's value, without the `each` object, a child context or hcl's traversals
// per instance. A compiled function never reports a problem: whenever it meets
// anything but the plain case (a null, unknown or marked value where it cannot
// follow hcl, a missing key, a value fromCty refuses), the whole instance is decoded
// by Decode instead, so values, ranges and diagnostics are always Decode's.
func (p *Prepared) DecodeEach(base *hcl.EvalContext, key string, value cty.Value) (model.Object, Ranges, hcl.Diagnostics) {
	if prog := p.program(base); prog != nil {
		if o, ok := prog.decode(key, value); ok {
			var diags hcl.Diagnostics
			if p.r.Spec == model.DNSRecord {
				diags = checkRecords(o, prog.ranges)
			}
			return o, prog.ranges, diags
		}
	}
	ctx := base.NewChild()
	ctx.Variables = map[string]cty.Value{"each": EachValue(key, value)}
	return p.Decode(ctx)
}

// eachProgram is a for_each block's body compiled for one evaluation context.
type eachProgram struct {
	base *hcl.EvalContext
	// usable is false when every instance must be decoded by Decode (the body sets
	// a computed attribute, which Decode reports).
	usable bool
	attrs  []compiledAttr
	// size is the number of attributes an instance's canonical object may hold: its
	// decoded object is made that big, to become the canonical one in place.
	size int
	// ranges are those Decode gives for every instance the program decodes: the
	// same map for all of them, so it must never be changed.
	ranges Ranges
}

type compiledAttr struct {
	name string
	eval attrFunc
}

// attrFunc gives what fromCty would give (nil for a null value) for the attribute of
// the instance with the given key and row, or false to leave the instance to Decode.
type attrFunc func(key string, row cty.Value) (any, bool)

// valueFunc gives what hcl would give, without diagnostics, for an expression in
// the instance with the given key and row, or false to leave the instance to Decode.
type valueFunc func(key string, row cty.Value) (cty.Value, bool)

// program returns the body compiled for base, or nil when no instance can take the
// compiled path (a dynamic block, a nested block, a problem in the body's split).
func (p *Prepared) program(base *hcl.EvalContext) *eachProgram {
	if p.content == nil || base == nil || len(p.diags) > 0 || len(p.content.Blocks) > 0 {
		return nil
	}
	prog := p.prog.Load()
	if prog == nil || prog.base != base {
		prog = p.compile(base)
		p.prog.Store(prog)
	}
	if !prog.usable {
		return nil
	}
	return prog
}

// compile compiles each attribute of the body.
func (p *Prepared) compile(base *hcl.EvalContext) *eachProgram {
	prog := &eachProgram{base: base}
	ranges := Ranges{}
	var attrs []compiledAttr
	for _, a := range p.r.Spec.Attrs {
		if a.Kind == model.KindBlock {
			continue
		}
		at, ok := p.content.Attributes[a.Name]
		if !ok {
			continue
		}
		if a.Computed {
			// Decode reports it for every instance.
			return prog
		}
		ranges[a.Name] = at.Expr.Range()
		attrs = append(attrs, compiledAttr{a.Name, compileAttr(a, at.Expr, base, p.r.Type)})
	}
	prog.usable, prog.attrs, prog.ranges, prog.size = true, attrs, ranges, len(attrs)
	for _, a := range p.r.Spec.Attrs {
		if _, set := ranges[a.Name]; !set && (a.Default != nil || a.Computed) {
			prog.size++
		}
	}
	return prog
}

func (prog *eachProgram) decode(key string, row cty.Value) (model.Object, bool) {
	o := make(model.Object, prog.size)
	for _, ca := range prog.attrs {
		v, ok := ca.eval(key, row)
		if !ok {
			return nil, false
		}
		if v != nil {
			o[ca.name] = v
		}
	}
	return o, true
}

// compileAttr compiles the expression of attribute a. It always succeeds: what it
// cannot compile is evaluated by hcl for each instance, in a context of its own.
func compileAttr(a *model.Attr, expr hcl.Expression, base *hcl.EvalContext, typ string) attrFunc {
	rng := expr.Range()
	if !refersToEach(expr) {
		// The same value for every instance: evaluated once.
		val, diags := expr.Value(base)
		if len(diags) > 0 {
			return never
		}
		v, diags := fromCty(a, val, rng, typ)
		if len(diags) > 0 {
			return never
		}
		if s, ok := v.([]string); ok {
			// Each instance has a slice of its own, as Decode gives it: empty, not
			// nil, for [] (checkRecords reports an empty RRset, not a missing one).
			return func(string, cty.Value) (any, bool) { return slices.Clone(s), true }
		}
		return func(string, cty.Value) (any, bool) { return v, true }
	}
	switch e := expr.(type) {
	case *hclsyntax.FunctionCallExpr:
		if f := compileCall(a, e, base, typ); f != nil {
			return f
		}
	case *hclsyntax.TupleConsExpr:
		if a.Kind.IsCollection() {
			if f := compileTuple(a, e, base, typ); f != nil {
				return f
			}
		}
	}
	if f := compileValue(expr, base); f != nil {
		return fromValue(a, f, rng, typ)
	}
	return func(key string, row cty.Value) (any, bool) {
		ctx := base.NewChild()
		ctx.Variables = map[string]cty.Value{"each": EachValue(key, row)}
		val, diags := exprValue(expr, ctx)
		if len(diags) > 0 {
			return nil, false
		}
		v, diags := fromCty(a, val, rng, typ)
		return v, len(diags) == 0
	}
}

func never(string, cty.Value) (any, bool) { return nil, false }

// refersToEach reports whether expr reads `each`; an expression that does not has
// the same value in every instance of the block.
func refersToEach(expr hcl.Expression) bool {
	for _, tr := range expr.Variables() {
		if tr.RootName() == "each" {
			return true
		}
	}
	return false
}

// fromValue is fromCty of a compiled expression's value, reading a known string
// straight into a string attribute.
func fromValue(a *model.Attr, f valueFunc, rng hcl.Range, typ string) attrFunc {
	stringKind := !a.Kind.IsCollection() && a.Kind != model.KindInt && a.Kind != model.KindBool
	return func(key string, row cty.Value) (any, bool) {
		val, ok := f(key, row)
		if !ok {
			return nil, false
		}
		if stringKind && plain(val) && val.Type() == cty.String {
			v, diags := checkString(a, typ, rng, val.AsString())
			return v, len(diags) == 0
		}
		v, diags := fromCty(a, val, rng, typ)
		return v, len(diags) == 0
	}
}

// plain reports whether val is known, not null and not marked.
func plain(val cty.Value) bool {
	return val.IsKnown() && !val.IsMarked() && !val.IsNull()
}

// plainString is the Go string of a plain cty string.
func plainString(val cty.Value) (string, bool) {
	if !plain(val) || val.Type() != cty.String {
		return "", false
	}
	return val.AsString(), true
}

// compileCall compiles tonumber(x) into a number attribute and split(sep, x) into a
// collection, with x a compiled string; nil for any other call.
func compileCall(a *model.Attr, e *hclsyntax.FunctionCallExpr, base *hcl.EvalContext, typ string) attrFunc {
	if e.ExpandFinal || !standardFunction(base, e.Name) {
		return nil
	}
	rng := e.Range()
	switch {
	case e.Name == "tonumber" && len(e.Args) == 1 && a.Kind == model.KindInt:
		arg := compileValue(e.Args[0], base)
		if arg == nil {
			return nil
		}
		return func(key string, row cty.Value) (any, bool) {
			val, ok := arg(key, row)
			if !ok || !plain(val) {
				return nil, false
			}
			switch val.Type() {
			case cty.String:
				return wholeNumber(val.AsString())
			case cty.Number:
				// tonumber gives a number back as it is.
				v, diags := fromCty(a, val, rng, typ)
				return v, len(diags) == 0
			}
			return nil, false
		}
	case e.Name == "split" && len(e.Args) == 2 && a.Kind.IsCollection():
		if refersToEach(e.Args[0]) {
			return nil
		}
		sepVal, diags := e.Args[0].Value(base)
		sep, ok := plainString(sepVal)
		if len(diags) > 0 || !ok {
			return nil
		}
		arg := compileValue(e.Args[1], base)
		if arg == nil {
			return nil
		}
		return func(key string, row cty.Value) (any, bool) {
			val, ok := arg(key, row)
			if !ok {
				return nil, false
			}
			s, ok := plainString(val)
			if !ok {
				return nil, false
			}
			// cty's split makes each part a cty string, which is in NFC.
			out := strings.Split(s, sep)
			for i, p := range out {
				out[i] = cty.NormalizeString(p)
			}
			v, diags := checkStrings(a, typ, rng, out)
			return v, len(diags) == 0
		}
	}
	return nil
}

// standardFunction reports whether ctx binds name, as hcl looks it up, to the
// function of cty's standard library the compiled call stands for: Functions binds
// split and tonumber to them, and a configuration cannot define functions, but a
// context built elsewhere might bind the names to something else.
func standardFunction(ctx *hcl.EvalContext, name string) bool {
	var f function.Function
	found := false
	for c := ctx; c != nil && !found; c = c.Parent() {
		f, found = c.Functions[name]
	}
	if !found {
		return false
	}
	switch name {
	case "split":
		return f == stdlib.SplitFunc
	case "tonumber":
		// stdlib.MakeToFunc makes a new function each time: check what it does.
		v, err := f.Call([]cty.Value{cty.StringVal("0042")})
		_, bad := f.Call([]cty.Value{cty.StringVal("4x")})
		return err == nil && bad != nil && v.RawEquals(cty.NumberIntVal(42))
	}
	return false
}

// wholeNumber is the value tonumber gives a string of 1 to 18 decimal digits, as
// fromCty reads it into a number attribute; false for any other string.
func wholeNumber(s string) (any, bool) {
	if len(s) == 0 || len(s) > 18 {
		return nil, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return nil, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// compileTuple compiles [x, y, …] into a collection attribute.
func compileTuple(a *model.Attr, e *hclsyntax.TupleConsExpr, base *hcl.EvalContext, typ string) attrFunc {
	elems := make([]valueFunc, len(e.Exprs))
	for i, x := range e.Exprs {
		if elems[i] = compileValue(x, base); elems[i] == nil {
			return nil
		}
	}
	rng := e.Range()
	return func(key string, row cty.Value) (any, bool) {
		out := make([]string, len(elems))
		unknown := false
		for i, f := range elems {
			val, ok := f(key, row)
			if !ok || val.IsMarked() {
				return nil, false
			}
			switch {
			case !val.IsKnown():
				unknown = true
			case val.IsNull() || val.Type() != cty.String:
				return nil, false
			default:
				out[i] = val.AsString()
			}
		}
		if unknown {
			// As fromCty: a collection not wholly known is unknown, once its known
			// length is within the limit.
			if a.MaxItems > 0 && len(out) > a.MaxItems {
				return nil, false
			}
			return model.Unknown, true
		}
		v, diags := checkStrings(a, typ, rng, out)
		return v, len(diags) == 0
	}
}

// compileValue compiles the expressions whose value can be read without hcl: a
// constant, each.key, each.value and paths into it, a template of those, and an
// index or attribute step on one (department.leaf[each.value.dept].id). It returns
// nil for anything else.
func compileValue(expr hcl.Expression, base *hcl.EvalContext) valueFunc {
	if !refersToEach(expr) {
		val, diags := expr.Value(base)
		if len(diags) > 0 {
			return nil
		}
		return func(string, cty.Value) (cty.Value, bool) { return val, true }
	}
	switch e := expr.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		return compileEachTraversal(e.Traversal)
	case *hclsyntax.RelativeTraversalExpr:
		src := compileValue(e.Source, base)
		if src == nil || !simpleSteps(e.Traversal) {
			return nil
		}
		return func(key string, row cty.Value) (cty.Value, bool) {
			val, ok := src(key, row)
			if !ok {
				return cty.NilVal, false
			}
			return traverse(val, e.Traversal)
		}
	case *hclsyntax.IndexExpr:
		coll, k := compileValue(e.Collection, base), compileValue(e.Key, base)
		if coll == nil || k == nil {
			return nil
		}
		return func(key string, row cty.Value) (cty.Value, bool) {
			c, ok := coll(key, row)
			if !ok {
				return cty.NilVal, false
			}
			kv, ok := k(key, row)
			if !ok || !plain(kv) || kv.Type() != cty.String {
				return cty.NilVal, false
			}
			return index(c, kv)
		}
	case *hclsyntax.TemplateWrapExpr:
		return compileValue(e.Wrapped, base)
	case *hclsyntax.ParenthesesExpr:
		return compileValue(e.Expression, base)
	case *hclsyntax.TemplateExpr:
		parts := make([]valueFunc, len(e.Parts))
		for i, x := range e.Parts {
			if parts[i] = compileValue(x, base); parts[i] == nil {
				return nil
			}
		}
		return func(key string, row cty.Value) (cty.Value, bool) {
			var b strings.Builder
			for _, f := range parts {
				val, ok := f(key, row)
				if !ok {
					return cty.NilVal, false
				}
				if !plain(val) {
					return cty.NilVal, false
				}
				switch val.Type() {
				case cty.String:
				case cty.Number, cty.Bool:
					// As hcl: the conversion to a string, which cannot fail for a
					// known number or bool.
					var err error
					if val, err = convert.Convert(val, cty.String); err != nil {
						return cty.NilVal, false
					}
				default:
					return cty.NilVal, false
				}
				b.WriteString(val.AsString())
			}
			return cty.StringVal(b.String()), true
		}
	}
	return nil
}

// compileEachTraversal compiles each.key, each.value and each.value.a.b…
func compileEachTraversal(tr hcl.Traversal) valueFunc {
	if len(tr) < 2 || tr.RootName() != "each" {
		return nil
	}
	first, ok := tr[1].(hcl.TraverseAttr)
	if !ok {
		return nil
	}
	rest := tr[2:]
	switch {
	case first.Name == "key" && len(rest) == 0:
		return func(key string, _ cty.Value) (cty.Value, bool) { return cty.StringVal(key), true }
	case first.Name == "value" && simpleSteps(rest):
		if len(rest) == 0 {
			return func(_ string, row cty.Value) (cty.Value, bool) { return row, true }
		}
		if at, ok := rest[0].(hcl.TraverseAttr); ok && len(rest) == 1 {
			return func(_ string, row cty.Value) (cty.Value, bool) { return getAttr(row, at.Name) }
		}
		return func(_ string, row cty.Value) (cty.Value, bool) { return traverse(row, rest) }
	}
	return nil
}

// simpleSteps reports whether every step is an attribute name or a string key.
func simpleSteps(steps hcl.Traversal) bool {
	for _, s := range steps {
		switch s := s.(type) {
		case hcl.TraverseAttr:
		case hcl.TraverseIndex:
			if !plain(s.Key) || s.Key.Type() != cty.String {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func traverse(val cty.Value, steps hcl.Traversal) (cty.Value, bool) {
	ok := true
	for _, s := range steps {
		switch s := s.(type) {
		case hcl.TraverseAttr:
			val, ok = getAttr(val, s.Name)
		case hcl.TraverseIndex:
			val, ok = index(val, s.Key)
		}
		if !ok {
			return cty.NilVal, false
		}
	}
	return val, true
}

// getAttr is hcl.GetAttr of a known, not null, unmarked object that has the
// attribute, where hcl gives obj.GetAttr(name) and no diagnostics.
func getAttr(obj cty.Value, name string) (cty.Value, bool) {
	if !plain(obj) {
		return cty.NilVal, false
	}
	ty := obj.Type()
	if !ty.IsObjectType() || !ty.HasAttribute(name) {
		return cty.NilVal, false
	}
	return obj.GetAttr(name), true
}

// index is hcl.Index of a known, not null, unmarked map or object by a plain string
// key it holds, where hcl gives the element and no diagnostics.
func index(coll, key cty.Value) (cty.Value, bool) {
	if !plain(coll) {
		return cty.NilVal, false
	}
	ty := coll.Type()
	switch {
	case ty.IsMapType():
		if !coll.HasIndex(key).True() {
			return cty.NilVal, false
		}
		return coll.Index(key), true
	case ty.IsObjectType():
		return getAttr(coll, key.AsString())
	}
	return cty.NilVal, false
}
