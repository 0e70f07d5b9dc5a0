package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// Instance is one resource instance of the configuration, evaluated.
type Instance struct {
	Addr string
	Res  *schema.Resource
	Key  *string
	each cty.Value
	// Desired is the canonical object the configuration asks for, with computed
	// attributes (ids) filled in where known and model.Unknown where not.
	Desired model.Object
	Ranges  schema.Ranges
	// Provider is the name of the provider instance that serves it.
	Provider string
}

// evaluator evaluates locals and resource bodies in dependency order.
type evaluator struct {
	cfg   *schema.Config
	g     *graph
	vars  cty.Value
	funcs map[string]function.Function

	locals  map[string]cty.Value
	typeObj map[string]map[string]cty.Value
	base    *hcl.EvalContext
}

func newEvaluator(cfg *schema.Config, g *graph, vars map[string]cty.Value) *evaluator {
	if len(vars) == 0 {
		vars = map[string]cty.Value{}
	}
	return &evaluator{cfg: cfg, g: g, vars: cty.ObjectVal(vars), funcs: cfg.Functions()}
}

// computedFunc returns the provider-assigned attributes known for an instance address,
// or nil when the object does not exist yet.
type computedFunc func(addr string) model.Object

// run evaluates the whole configuration. Instances come out in dependency order.
func (e *evaluator) run(computed computedFunc) ([]*Instance, hcl.Diagnostics) {
	return e.runNodes(computed, nil)
}

// runNodes evaluates, in dependency order, only the graph nodes in keep (all of them
// when keep is nil); keep must hold every dependency of each node it holds, as
// graph.closure gives.
func (e *evaluator) runNodes(computed computedFunc, keep map[string]bool) ([]*Instance, hcl.Diagnostics) {
	return e.runNodesOnly(computed, keep, "", nil)
}

// runNodesOnly is runNodes that, of the resource block at address block, evaluates
// only the instances whose addresses want holds (all when want is nil). Nothing in
// keep may depend on that block: its value is left unknown.
func (e *evaluator) runNodesOnly(computed computedFunc, keep map[string]bool, block string, want map[string]bool) ([]*Instance, hcl.Diagnostics) {
	e.locals = map[string]cty.Value{}
	e.typeObj = map[string]map[string]cty.Value{}
	e.base = &hcl.EvalContext{Variables: map[string]cty.Value{"var": e.vars, "local": cty.EmptyObjectVal}, Functions: e.funcs}
	e.base.Variables["mailform"] = e.cfg.MailformValue()
	for _, t := range model.Types() {
		e.base.Variables[t.Name] = cty.EmptyObjectVal
	}
	var out []*Instance
	var diags hcl.Diagnostics
	// failed holds the nodes whose evaluation failed: a for_each that depends on one
	// is unknown because of that error, already reported, not because it needs a
	// value known only after apply.
	failed := map[string]bool{}
	for _, id := range e.g.order {
		if keep != nil && !keep[id] {
			continue
		}
		n := e.g.nodes[id]
		for _, dep := range n.deps {
			if failed[dep] {
				failed[id] = true
			}
		}
		if e.g.broken[id] {
			failed[id] = true
			if n.local != nil {
				e.locals[n.local.Name] = cty.DynamicVal
				e.base.Variables["local"] = cty.ObjectVal(e.locals)
			} else {
				e.setBlock(n.res, cty.DynamicVal)
			}
			continue
		}
		if n.local != nil {
			v, d := n.local.Expr.Value(e.base)
			diags = append(diags, d...)
			if d.HasErrors() {
				v = cty.DynamicVal
				failed[id] = true
			}
			e.locals[n.local.Name] = v
			e.base.Variables["local"] = cty.ObjectVal(e.locals)
			continue
		}
		var only map[string]bool
		if want != nil && n.res.Addr() == block {
			only = want
		}
		insts, val, d := e.evalResource(n.res, computed, only)
		if failed[id] {
			d = withoutUnknownForEach(d)
		}
		if d.HasErrors() {
			failed[id] = true
		}
		diags = append(diags, d...)
		out = append(out, insts...)
		e.setBlock(n.res, val)
	}
	return out, diags
}

func (e *evaluator) setBlock(r *schema.Resource, val cty.Value) {
	m := e.typeObj[r.Type]
	if m == nil {
		m = map[string]cty.Value{}
		e.typeObj[r.Type] = m
	}
	m[r.Name] = val
	e.base.Variables[r.Type] = cty.ObjectVal(m)
}

// evalResource evaluates every instance of one resource block and returns them with
// the value references to the block see. When only is not nil it evaluates just the
// instances whose addresses it holds, and the block's value is unknown.
func (e *evaluator) evalResource(r *schema.Resource, computed computedFunc, only map[string]bool) (_ []*Instance, _ cty.Value, diags hcl.Diagnostics) {
	if only != nil && r.ForEach == nil && !only[schema.InstanceAddr(r.Type, r.Name, nil)] {
		return nil, cty.DynamicVal, nil
	}
	if r.ForEach == nil {
		inst, d := e.evalInstance(r, nil, cty.NilVal, computed)
		if inst == nil {
			return nil, cty.DynamicVal, d
		}
		return []*Instance{inst}, schema.ToCty(r.Spec, inst.Desired), d
	}
	keys, values, diags := schema.ForEachKeys(r.ForEach, e.base)
	if diags.HasErrors() {
		return nil, cty.DynamicVal, diags
	}
	out := make([]*Instance, 0, len(keys))
	vals := make(map[string]cty.Value, len(keys))
	var instDiags hcl.Diagnostics
	defer func() { diags = append(diags, oncePerBlock(instDiags, r.Addr())...) }()
	for _, k := range keys {
		k := k
		if only != nil && !only[schema.InstanceAddr(r.Type, r.Name, &k)] {
			continue
		}
		inst, d := e.evalInstance(r, &k, values[k], computed)
		instDiags = append(instDiags, d...)
		if inst == nil {
			vals[k] = cty.DynamicVal
			continue
		}
		out = append(out, inst)
		if only == nil {
			vals[k] = schema.ToCty(r.Spec, inst.Desired)
		}
	}
	if only != nil {
		return out, cty.DynamicVal, diags
	}
	if len(vals) == 0 {
		return out, cty.EmptyObjectVal, diags
	}
	return out, blockValue(vals), diags
}

func (e *evaluator) evalInstance(r *schema.Resource, key *string, each cty.Value, computed computedFunc) (*Instance, hcl.Diagnostics) {
	ctx := e.base
	if key != nil {
		ctx = e.base.NewChild()
		ctx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(*key), "value": each})}
	}
	obj, ranges, diags := r.Decode(ctx)
	for _, d := range diags {
		didYouMean(d)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	addr := schema.InstanceAddr(r.Type, r.Name, key)
	desired := model.Canonical(r.Spec, obj)
	known := computed(addr)
	for _, a := range r.Spec.Attrs {
		if a.Computed {
			if v, ok := known[a.Name]; ok && v != nil {
				desired[a.Name] = v
			} else {
				desired[a.Name] = model.Unknown
			}
		}
	}
	return &Instance{Addr: addr, Res: r, Key: key, each: each, Desired: desired, Ranges: ranges}, diags
}

// blockValue is the value of a for_each block: a map of its instances, so that
// length(), keys() and for expressions work; an object when an instance failed.
func blockValue(vals map[string]cty.Value) cty.Value {
	var ty cty.Type
	for _, v := range vals {
		if ty == cty.NilType {
			ty = v.Type()
		} else if !v.Type().Equals(ty) {
			return cty.ObjectVal(vals)
		}
	}
	if ty == cty.NilType || ty == cty.DynamicPseudoType {
		return cty.ObjectVal(vals)
	}
	return cty.MapVal(vals)
}

// withoutUnknownForEach drops the "for_each depends on values known only after
// apply" error, which is not true of a for_each whose input failed to evaluate.
func withoutUnknownForEach(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if !strings.Contains(d.Detail, "known only after apply") {
			out = append(out, d)
		}
	}
	return out
}

// oncePerBlock merges the diagnostics that the instances of one for_each block share
// (the same message at the same place, such as a typo in the block's body) into one
// that says how many instances it was found in, so 20 rows of a CSV give one error.
func oncePerBlock(diags hcl.Diagnostics, block string) hcl.Diagnostics {
	type key struct {
		sev             hcl.DiagnosticSeverity
		summary, detail string
		rng             hcl.Range
	}
	var out hcl.Diagnostics
	first := map[key]int{}
	count := map[key]int{}
	for _, d := range diags {
		k := key{d.Severity, d.Summary, d.Detail, hcl.Range{}}
		if d.Subject != nil {
			k.rng = *d.Subject
		}
		if _, ok := first[k]; !ok {
			first[k] = len(out)
			cp := *d
			out = append(out, &cp)
		}
		count[k]++
	}
	for k, i := range first {
		if n := count[k]; n > 1 {
			out[i].Detail = strings.TrimSpace(out[i].Detail + fmt.Sprintf(" (Reported once: found in %d instances of %s.)", n, block))
		}
	}
	return out
}

// didYouMean adds a suggestion to an "Unsupported attribute" error: the attribute
// of the object it was looked up on whose name is closest (mail → email).
func didYouMean(d *hcl.Diagnostic) {
	if d.Summary != "Unsupported attribute" || d.Expression == nil || d.EvalContext == nil || d.Subject == nil || strings.Contains(d.Detail, "Did you mean") {
		return
	}
	tr, diags := hcl.AbsTraversalForExpr(d.Expression)
	if diags.HasErrors() {
		return
	}
	for i, step := range tr {
		at, ok := step.(hcl.TraverseAttr)
		if !ok || i == 0 || at.SrcRange != *d.Subject {
			continue
		}
		v, diags := tr[:i].TraverseAbs(d.EvalContext)
		if diags.HasErrors() || !v.Type().IsObjectType() {
			return
		}
		var names []string
		for n := range v.Type().AttributeTypes() {
			names = append(names, n)
		}
		sort.Strings(names)
		d.Detail += suggest(at.Name, names)
		return
	}
}
