package planner

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

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
	// Desired is the canonical object the configuration asks for, with computed
	// attributes (ids) filled in where known and model.Unknown where not.
	Desired model.Object
	// Ranges may be shared with other instances of the block: never change it.
	Ranges schema.Ranges
	// Provider is the name of the provider instance that serves it.
	Provider string
}

// evaluator evaluates locals, module calls and resource bodies in dependency order.
type evaluator struct {
	cfg   *schema.Config
	g     *graph
	vars  cty.Value
	funcs map[string]function.Function

	// scopes holds, per configuration of the module tree, one scope per instance of
	// that module made so far; the root has exactly one.
	scopes map[*schema.Config][]*scope
	// base is the root module's evaluation context (root outputs read it).
	base *hcl.EvalContext
	// referenced holds the resource blocks something refers to (another block, a
	// local, a module call or output, a root output): only their values are built.
	referenced map[string]bool
	// lateIDs, when set, evaluates the blocks nothing refers to without asking for
	// their computed attributes, and fills those in once every node is evaluated:
	// computed may then wait for a state still loading without holding those up.
	lateIDs bool

	// mu guards the scopes (their values, and the scopes list) while independent
	// nodes are evaluated at once; each node reads a copy of its scope's variables
	// (view).
	mu         sync.Mutex
	concurrent bool
	// slots bounds how many nodes (or for_each expressions) that no other node
	// waits for are evaluated at once (GOMAXPROCS), a block's instances before
	// another block's for_each: a goroutine per ready node would leave the ones
	// that matter a small share of the cores (see take).
	slots *slots
	// stateDone, when set, is closed once computed can answer without waiting: a
	// node that asks it for ids waits for it before it takes a slot.
	stateDone <-chan struct{}
}

// scope is one instance of a module (or the root): the values its expressions see.
type scope struct {
	cfg *schema.Config
	// prefix is the instance path its addresses start with: `module.sub["hk"].`.
	prefix string
	// chain names the instance and where it was called, for diagnostics.
	chain   string
	vars    cty.Value
	locals  map[string]cty.Value
	typeObj map[string]map[string]cty.Value
	// modules holds, per module call, its value so far: an object of outputs, or a
	// map of such objects by key for a for_each call.
	modules map[string]cty.Value
	// outputs are the module's own outputs evaluated so far; parent and key place
	// them in the caller's value.
	outputs map[string]cty.Value
	parent  *scope
	key     *string
	base    *hcl.EvalContext
	funcs   map[string]function.Function
}

func newScope(cfg *schema.Config, prefix, chain string, vars cty.Value, funcs map[string]function.Function) *scope {
	sc := &scope{cfg: cfg, prefix: prefix, chain: chain, vars: vars, locals: map[string]cty.Value{},
		typeObj: map[string]map[string]cty.Value{}, modules: map[string]cty.Value{}, outputs: map[string]cty.Value{}, funcs: funcs}
	sc.base = &hcl.EvalContext{Variables: map[string]cty.Value{"var": vars, "local": cty.EmptyObjectVal, "module": cty.EmptyObjectVal}, Functions: funcs}
	sc.base.Variables["mailform"] = cfg.MailformValue()
	for _, t := range model.Types() {
		sc.base.Variables[t.Name] = cty.EmptyObjectVal
	}
	return sc
}

func newEvaluator(cfg *schema.Config, g *graph, vars map[string]cty.Value) *evaluator {
	if len(vars) == 0 {
		vars = map[string]cty.Value{}
	}
	return &evaluator{cfg: cfg, g: g, vars: cty.ObjectVal(vars), funcs: cfg.Functions(), referenced: referencedNodes(cfg, g)}
}

// referencedNodes is the set of graph nodes that another node or a root output refers
// to. The value of a resource block nobody refers to is never read, and building it
// (a cty object per instance, a map of them) is most of the memory of a big tenant.
func referencedNodes(cfg *schema.Config, g *graph) map[string]bool {
	out := map[string]bool{}
	for _, n := range g.nodes {
		for _, d := range n.deps {
			out[d] = true
		}
	}
	for _, oc := range cfg.Outputs {
		if oc.Expr == nil {
			continue
		}
		for _, tr := range oc.Expr.Variables() {
			ids, _ := referenceTarget(cfg, &node{}, tr)
			for _, id := range ids {
				out[id] = true
			}
		}
	}
	return out
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

// runNodesOnly is runNodes that, of the resource block at address block (its
// configuration address, module keys left out), evaluates only the instances whose
// addresses want holds (all when want is nil). Nothing in keep may depend on that
// block: its value is left unknown.
func (e *evaluator) runNodesOnly(computed computedFunc, keep map[string]bool, block string, want map[string]bool) ([]*Instance, hcl.Diagnostics) {
	root := newScope(e.cfg, "", "", e.vars, e.funcs)
	e.base = root.base
	e.scopes = map[*schema.Config][]*scope{e.cfg: {root}}
	var ids []string
	for _, id := range e.g.order {
		if keep == nil || keep[id] {
			ids = append(ids, id)
		}
	}
	var out []*Instance
	var diags hcl.Diagnostics
	// runConcurrently starts a goroutine per node: for a configuration of one block
	// per object (an export: 66,000 blocks) that is more memory than the blocks, and
	// its blocks are cheap one by one, so they go in order.
	if e.concurrent = e.g.independent && len(ids) <= maxConcurrentNodes; e.concurrent {
		out, diags = e.runConcurrently(ids, computed, block, want)
	} else {
		out, diags = e.runInOrder(ids, computed, block, want)
	}
	// Root outputs read the root's types from e.base.
	root.fresh()
	if e.lateIDs {
		for _, in := range out {
			if !e.referenced[in.Res.Addr()] {
				fillComputed(in, computed(in.Addr))
			}
		}
	}
	return out, diags
}

// maxConcurrentNodes is the most graph nodes runConcurrently evaluates; a bigger
// configuration is evaluated in order (runInOrder).
const maxConcurrentNodes = 4096

// runInOrder evaluates the nodes ids one after another, in that order.
func (e *evaluator) runInOrder(ids []string, computed computedFunc, block string, want map[string]bool) ([]*Instance, hcl.Diagnostics) {
	var out []*Instance
	var diags hcl.Diagnostics
	// failed holds the nodes whose evaluation failed: a for_each that depends on one
	// is unknown because of that error, already reported, not because it needs a
	// value known only after apply.
	failed := map[string]bool{}
	for _, id := range ids {
		n := e.g.nodes[id]
		for _, dep := range n.deps {
			if failed[dep] {
				failed[id] = true
			}
		}
		if e.g.broken[id] {
			failed[id] = true
		}
		for _, sc := range e.scopesOf(n) {
			d := e.evalNode(sc, n, computed, failed[id], block, want, &out, nil)
			if d.HasErrors() {
				failed[id] = true
			}
			diags = append(diags, schema.InModule(d, sc.chain)...)
		}
	}
	return out, diags
}

// nodeRun is one node's evaluation by runConcurrently.
type nodeRun struct {
	// done is closed when the node is evaluated in every instance of its module.
	done chan struct{}
	// keysDone, for a resource block with for_each, is closed when keys holds the
	// for_each of each instance of its module, in scope order.
	keysDone chan struct{}
	keys     []*forEach
	// slot, when set, is the release of the slot the for_each ran in, handed on to
	// the block's instances.
	slot     func()
	out      []*Instance
	diags    hcl.Diagnostics
	failed   bool
	panicked any
}

// runConcurrently evaluates the nodes ids each as soon as what it refers to is
// evaluated, and a resource block's for_each as soon as what the for_each refers to
// is (account.staff's CSV rows need not wait for the departments its body refers
// to). The instances and diagnostics come out in the order of ids, as runInOrder
// gives them. The graph must have no reference to a node later in the order
// (graph.independent).
func (e *evaluator) runConcurrently(ids []string, computed computedFunc, block string, want map[string]bool) ([]*Instance, hcl.Diagnostics) {
	runs := make(map[string]*nodeRun, len(ids))
	for _, id := range ids {
		r := &nodeRun{done: make(chan struct{})}
		if n := e.g.nodes[id]; n.res != nil && n.res.ForEach != nil && !e.g.broken[id] {
			r.keysDone = make(chan struct{})
		}
		runs[id] = r
	}
	// wait returns once every node of deps that is evaluated here is.
	wait := func(deps []string) {
		for _, d := range deps {
			if r := runs[d]; r != nil {
				<-r.done
			}
		}
	}
	if e.slots == nil {
		e.slots = newSlots(runtime.GOMAXPROCS(0))
	}
	height := e.g.heights()
	// The tasks that take a slot and can start at once (see take) start in
	// priority order.
	none := func(deps []string) bool {
		return !slices.ContainsFunc(deps, func(d string) bool { return runs[d] != nil })
	}
	startable := 0
	for _, id := range ids {
		n, r := e.g.nodes[id], runs[id]
		if height[id] > 0 {
			continue
		}
		needsState := e.stateDone != nil && n.res != nil && (!e.lateIDs || e.referenced[id])
		if r.keysDone != nil && none(n.forEachDeps) ||
			r.keysDone == nil && none(n.deps) && (!needsState || closed(e.stateDone)) {
			startable++
		}
	}
	e.slots.hold(startable)
	var wg sync.WaitGroup
	for seq, id := range ids {
		n, r := e.g.nodes[id], runs[id]
		needsState := e.stateDone != nil && n.res != nil && (!e.lateIDs || e.referenced[id])
		// ready reports whether the node's body could start now.
		ready := func() bool {
			for _, d := range n.deps {
				if dr := runs[d]; dr != nil && !closed(dr.done) {
					return false
				}
			}
			return !needsState || closed(e.stateDone)
		}
		if r.keysDone != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wait(n.forEachDeps)
				release := e.take(2*height[id], seq)
				func() {
					defer func() {
						if p := recover(); p != nil {
							r.panicked = p
						}
					}()
					for _, sc := range e.scopesOf(n) {
						keys, values, diags := schema.ForEachKeys(n.res.ForEach, e.view(sc, n).base)
						r.keys = append(r.keys, &forEach{keys: keys, values: values, diags: diags})
					}
				}()
				// The block's instances go on in this slot when nothing holds them up
				// and no waiting task goes before them: released, it would go to
				// another block's for_each before they could ask for it, and two
				// blocks' rows would be alive at once.
				if r.panicked == nil && ready() && e.slots.keep(2*height[id]+1, seq) {
					r.slot = release
				} else {
					release()
				}
				close(r.keysDone)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(r.done)
			defer func() {
				if p := recover(); p != nil {
					r.panicked = p
				}
			}()
			wait(n.deps)
			if r.keysDone != nil {
				<-r.keysDone
				if r.panicked != nil {
					return
				}
			}
			if needsState {
				<-e.stateDone
			}
			release := r.slot
			if release == nil {
				release = e.take(2*height[id]+1, seq)
			}
			defer release()
			failed := e.g.broken[id]
			for _, d := range n.deps {
				if dr := runs[d]; dr != nil && dr.failed {
					failed = true
				}
			}
			for i, sc := range e.scopesOf(n) {
				var fe *forEach
				if r.keysDone != nil {
					// Its rows are garbage once the instances are made.
					fe, r.keys[i] = r.keys[i], nil
				}
				d := e.evalNode(sc, n, computed, failed, block, want, &r.out, fe)
				if d.HasErrors() {
					failed = true
				}
				r.diags = append(r.diags, schema.InModule(d, sc.chain)...)
			}
			r.failed = failed
		}()
	}
	wg.Wait()
	var out []*Instance
	var diags hcl.Diagnostics
	for _, id := range ids {
		r := runs[id]
		if r.panicked != nil {
			panic(r.panicked)
		}
		out = append(out, r.out...)
		diags = append(diags, r.diags...)
	}
	return out, diags
}

// noRelease is the release of a task that took no slot.
func noRelease() {}

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// take waits for a slot for a task of priority prio (2×height for a for_each,
// 2×height+1 for a node) and returns its release. A task that other nodes wait for
// (height ≥ 1) starts at once: it is on their way, and a long task nothing waits
// for must not hold it up by taking the last slot just before it is ready.
func (e *evaluator) take(prio, seq int) (release func()) {
	if prio >= 2 {
		return noRelease
	}
	e.slots.acquire(prio, seq)
	return e.slots.release
}

// scopesOf returns the instances of the node's module made so far.
func (e *evaluator) scopesOf(n *node) []*scope {
	mod := n.mod
	if mod == nil {
		mod = e.cfg
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.scopes[mod]
}

// view returns sc as node n's evaluation reads it: with its own copy of the scope's
// variables when nodes are evaluated at once, so that another node setting its
// value meanwhile does not change the map under the reader; and with each resource
// type n refers to bound to an object of just the blocks n names.
func (e *evaluator) view(sc *scope, n *node) *scope {
	if e.concurrent {
		e.mu.Lock()
		defer e.mu.Unlock()
	}
	refs := e.blockRefs(sc, n)
	v := *sc
	switch {
	case e.concurrent:
		v.base = &hcl.EvalContext{Variables: maps.Clone(sc.base.Variables), Functions: sc.base.Functions}
	case len(refs) > 0:
		v.base = sc.base.NewChild()
		v.base.Variables = make(map[string]cty.Value, len(refs))
	default:
		return sc
	}
	// Each resource type it refers to holds only the blocks it names (setBlock does
	// not keep base's objects up to date; see fresh).
	for t, m := range refs {
		v.base.Variables[t] = cty.ObjectVal(m)
	}
	return &v
}

// locked runs f holding the scopes' lock.
func (e *evaluator) locked(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f()
}

// forEach is a block's for_each, evaluated: the instance keys and each.value of each.
type forEach struct {
	keys   []string
	values map[string]cty.Value
	diags  hcl.Diagnostics
}

// noComputed is the computedFunc of an evaluation that fills computed attributes
// in later (evaluator.lateIDs).
func noComputed(string) model.Object { return nil }

// fillComputed sets the computed attributes of an instance evaluated without them
// to those known, as evalInstance does for one evaluated with them: model.Unknown
// where known has none.
func fillComputed(in *Instance, known model.Object) {
	for _, a := range in.Res.Spec.Attrs {
		if a.Computed {
			if v, ok := known[a.Name]; ok && v != nil {
				in.Desired[a.Name] = v
			} else {
				in.Desired[a.Name] = model.Unknown
			}
		}
	}
}

// evalNode evaluates one graph node in one module instance. fe is the block's
// for_each when it is evaluated already (nil: evaluate it here).
func (e *evaluator) evalNode(sc *scope, n *node, computed computedFunc, failed bool, block string, want map[string]bool, out *[]*Instance, fe *forEach) hcl.Diagnostics {
	if e.g.broken[n.id] {
		e.locked(func() {
			switch {
			case n.local != nil:
				sc.setLocal(n.local.Name, cty.DynamicVal)
			case n.res != nil:
				sc.setBlock(n.res, cty.DynamicVal)
			case n.call != nil:
				sc.setModule(n.call.Name, cty.DynamicVal)
			case n.output != nil:
				sc.setOutput(n.output.Name, cty.DynamicVal)
			}
		})
		return nil
	}
	rd := e.view(sc, n)
	switch {
	case n.local != nil:
		v, d := n.local.Expr.Value(rd.base)
		if d.HasErrors() {
			v = cty.DynamicVal
		}
		e.locked(func() { sc.setLocal(n.local.Name, v) })
		return d
	case n.call != nil:
		return e.evalCall(sc, rd, n.call, failed)
	case n.output != nil:
		if n.output.Expr == nil {
			return nil
		}
		v, d := n.output.Expr.Value(rd.base)
		if d.HasErrors() {
			v = cty.DynamicVal
		}
		e.locked(func() { sc.setOutput(n.output.Name, v) })
		return d
	}
	var only map[string]bool
	if want != nil && n.res.Addr() == block {
		only = want
	}
	if e.lateIDs && !e.referenced[n.id] {
		computed = noComputed
	}
	insts, val, d := e.evalResource(rd, n.res, fe, computed, only, e.referenced[n.id])
	if failed {
		d = withoutUnknownForEach(d)
	}
	*out = append(*out, insts...)
	e.locked(func() { sc.setBlock(n.res, val) })
	return d
}

// evalCall evaluates a module call in sc: its for_each and its inputs, making one
// scope per instance of the called module.
func (e *evaluator) evalCall(sc, rd *scope, m *schema.ModuleCall, depFailed bool) hcl.Diagnostics {
	child := m.Child
	here := fmt.Sprintf("(%s:%d)", m.DeclRange.Filename, m.DeclRange.Start.Line)
	instance := func(key *string, each cty.Value) hcl.Diagnostics {
		ctx := rd.base
		if key != nil {
			ctx = rd.base.NewChild()
			ctx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(*key), "value": each})}
		}
		addr := sc.prefix + schema.ModuleInstanceAddr(m.Name, key)
		chain := addr + " " + here
		if sc.chain != "" {
			chain = sc.chain + " → " + chain
		}
		var diags hcl.Diagnostics
		args := map[string]cty.Value{}
		ranges := map[string]hcl.Range{}
		for n, a := range m.Args {
			v, d := a.Expr.Value(ctx)
			diags = append(diags, d...)
			ranges[n] = a.Expr.Range()
			if d.HasErrors() {
				v = cty.DynamicVal
			}
			args[n] = v
		}
		vars, d := child.ModuleVariables(args, ranges)
		diags = append(diags, d...)
		ns := newScope(child, addr+".", chain, cty.ObjectVal(vars), child.Functions())
		ns.parent, ns.key = sc, key
		e.locked(func() {
			e.scopes[child] = append(e.scopes[child], ns)
			ns.publish()
		})
		return diags
	}
	if m.ForEach == nil {
		return instance(nil, cty.NilVal)
	}
	keys, values, diags := schema.ForEachKeys(m.ForEach, rd.base)
	if depFailed {
		diags = withoutUnknownForEach(diags)
	}
	if diags.HasErrors() {
		e.locked(func() { sc.setModule(m.Name, cty.DynamicVal) })
		return diags
	}
	e.locked(func() { sc.setModule(m.Name, cty.EmptyObjectVal) })
	for _, k := range keys {
		k := k
		diags = append(diags, instance(&k, values[k])...)
	}
	return diags
}

func (sc *scope) setLocal(name string, v cty.Value) {
	sc.locals[name] = v
	sc.base.Variables["local"] = cty.ObjectVal(sc.locals)
}

func (sc *scope) setModule(name string, v cty.Value) {
	sc.modules[name] = v
	sc.base.Variables["module"] = cty.ObjectVal(sc.modules)
}

func (sc *scope) setOutput(name string, v cty.Value) {
	sc.outputs[name] = v
	sc.publish()
}

// publish puts the module instance's outputs so far into its caller's module value.
func (sc *scope) publish() {
	p := sc.parent
	if p == nil {
		return
	}
	name := sc.cfg.Call().Name
	obj := cty.ObjectVal(sc.outputs)
	if sc.key == nil {
		p.setModule(name, obj)
		return
	}
	m := map[string]cty.Value{}
	if cur := p.modules[name]; cur.IsKnown() && !cur.IsNull() && cur.Type().IsObjectType() {
		for k, v := range cur.AsValueMap() {
			m[k] = v
		}
	}
	m[*sc.key] = obj
	p.setModule(name, cty.ObjectVal(m))
}

func (sc *scope) setBlock(r *schema.Resource, val cty.Value) {
	m := sc.typeObj[r.Type]
	if m == nil {
		m = map[string]cty.Value{}
		sc.typeObj[r.Type] = m
	}
	m[r.Name] = val
}

// fresh builds, in base, the object of every resource type's blocks, for what reads
// base directly (root outputs, once evaluation is over). setBlock does not: building
// the object of a type on every block set would copy every block of the type each
// time, quadratic in a configuration of one block per object (an export's 50,000
// account blocks); a node reads only the blocks it names (view).
func (sc *scope) fresh() {
	for t, m := range sc.typeObj {
		sc.base.Variables[t] = cty.ObjectVal(m)
	}
}

// blockRefs returns, by type and name, the values of the resource blocks n refers
// to, as evaluated so far in sc: a reference always names one block, so these are
// all the blocks its expressions can read.
func (e *evaluator) blockRefs(sc *scope, n *node) map[string]map[string]cty.Value {
	var refs map[string]map[string]cty.Value
	for _, d := range n.deps {
		dn := e.g.nodes[d]
		if dn == nil || dn.res == nil {
			continue
		}
		val, ok := sc.typeObj[dn.res.Type][dn.res.Name]
		if !ok {
			continue
		}
		if refs == nil {
			refs = map[string]map[string]cty.Value{}
		}
		if refs[dn.res.Type] == nil {
			refs[dn.res.Type] = map[string]cty.Value{}
		}
		refs[dn.res.Type][dn.res.Name] = val
	}
	return refs
}

// evalResource evaluates every instance of one resource block and returns them with
// the value references to the block see. When only is not nil it evaluates just the
// instances whose addresses it holds, and the block's value is unknown. When the
// value is not needed (nothing refers to the block) it is unknown too.
func (e *evaluator) evalResource(sc *scope, r *schema.Resource, fe *forEach, computed computedFunc, only map[string]bool, needed bool) (_ []*Instance, _ cty.Value, diags hcl.Diagnostics) {
	if only != nil && r.ForEach == nil && !only[sc.prefix+schema.InstanceAddr(r.Type, r.Name, nil)] {
		return nil, cty.DynamicVal, nil
	}
	if r.ForEach == nil {
		inst, d := e.evalInstance(sc, r, r.Prepare(), nil, cty.NilVal, computed)
		if inst == nil {
			return nil, cty.DynamicVal, d
		}
		if !needed {
			return []*Instance{inst}, cty.DynamicVal, d
		}
		return []*Instance{inst}, schema.ToCty(r.Spec, inst.Desired), d
	}
	if fe == nil {
		fe = &forEach{}
		fe.keys, fe.values, fe.diags = schema.ForEachKeys(r.ForEach, sc.base)
	}
	keys, values, diags := fe.keys, fe.values, fe.diags
	if diags.HasErrors() {
		return nil, cty.DynamicVal, diags
	}
	// The instances are independent of each other: evaluate them on every core, then
	// gather them in key order, so the output does not depend on the scheduling.
	type result struct {
		inst *Instance
		val  cty.Value
		d    hcl.Diagnostics
		skip bool
	}
	wantVal := only == nil && needed
	prep := r.Prepare()
	res := make([]result, len(keys))
	parallelFor(len(keys), func(i int) {
		k := keys[i]
		if only != nil && !only[sc.prefix+schema.InstanceAddr(r.Type, r.Name, &k)] {
			res[i].skip = true
			return
		}
		inst, d := e.evalInstance(sc, r, prep, &k, values[k], computed)
		res[i].inst, res[i].d = inst, d
		switch {
		case !wantVal:
		case inst == nil:
			res[i].val = cty.DynamicVal
		default:
			res[i].val = schema.ToCty(r.Spec, inst.Desired)
		}
	})
	out := make([]*Instance, 0, len(keys))
	var vals map[string]cty.Value
	if wantVal {
		vals = make(map[string]cty.Value, len(keys))
	}
	var instDiags hcl.Diagnostics
	defer func() { diags = append(diags, oncePerBlock(instDiags, sc.prefix+r.Type+"."+r.Name)...) }()
	// The instances of a block mostly set the same attributes at the same places:
	// they share one ranges map (no one changes it once made), which spares a map
	// per instance kept for the whole run.
	var shared schema.Ranges
	for i, k := range keys {
		if res[i].skip {
			continue
		}
		instDiags = append(instDiags, res[i].d...)
		if in := res[i].inst; in != nil {
			if shared != nil && maps.Equal(in.Ranges, shared) {
				in.Ranges = shared
			} else {
				shared = in.Ranges
			}
			out = append(out, in)
		}
		if vals != nil {
			vals[k] = res[i].val
		}
	}
	if only != nil || !needed {
		return out, cty.DynamicVal, diags
	}
	if len(vals) == 0 {
		return out, cty.EmptyObjectVal, diags
	}
	return out, blockValue(vals), diags
}

func (e *evaluator) evalInstance(sc *scope, r *schema.Resource, prep *schema.Prepared, key *string, each cty.Value, computed computedFunc) (*Instance, hcl.Diagnostics) {
	var obj model.Object
	var ranges schema.Ranges
	var diags hcl.Diagnostics
	if key != nil {
		obj, ranges, diags = prep.DecodeEach(sc.base, *key, each)
	} else {
		obj, ranges, diags = prep.Decode(sc.base)
	}
	for _, d := range diags {
		didYouMean(d)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	// An attribute set to null is not set: a module passes null for what a provider
	// cannot manage (quota_mb on Exmail), so it must not count as written. The
	// ranges may be shared by the instances of the block: they are dropped from a
	// copy.
	shared := true
	for name := range ranges {
		if _, ok := obj[name]; !ok && !strings.Contains(name, ".") {
			if shared {
				ranges, shared = maps.Clone(ranges), false
			}
			delete(ranges, name)
		}
	}
	addr := sc.prefix + schema.InstanceAddr(r.Type, r.Name, key)
	desired := model.CanonicalOwned(r.Spec, obj)
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
	return &Instance{Addr: addr, Res: r, Key: key, Desired: desired, Ranges: ranges}, diags
}

// minPerWorker is the fewest instances worth a goroutine of their own.
const minPerWorker = 64

// parallelFor calls f(0) … f(n-1), each exactly once, in contiguous runs on up to
// GOMAXPROCS goroutines, and returns when all have returned. A panic in f is raised
// again in the caller, as if f had run there.
func parallelFor(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/minPerWorker)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	panics := make([]any, workers)
	per := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[w] = recover() }()
			for i := lo; i < hi; i++ {
				f(i)
			}
		}()
	}
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
}

// concurrently calls each of fs in its own goroutine and returns when all have
// returned. A panic in one is raised again in the caller (the first by position),
// as if it had run there.
func concurrently(fs ...func()) {
	var wg sync.WaitGroup
	panics := make([]any, len(fs))
	for i, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			f()
		}()
	}
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
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
