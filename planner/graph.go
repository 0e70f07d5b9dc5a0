// Package planner builds the dependency graph of a configuration, refreshes live
// objects, computes the plan as data, and applies it step by step with durable state.
// It never prints: rendering lives in package views.
package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// node is a resource block, a local value, a module call (its for_each and inputs) or
// a module output in the dependency graph. The graph is flat: a module's nodes carry
// its path (`module.sub.account.staff`, `module.sub.local.x`) and evaluate once per
// instance of the module.
type node struct {
	id     string // "account.alice", "local.x", "module.sub", "module.sub.output.y"
	res    *schema.Resource
	local  *schema.Local
	call   *schema.ModuleCall
	output *schema.Output
	// mod is the configuration whose scope the node's expressions are evaluated in.
	mod  *schema.Config
	deps []string
	// forEachDeps, of a resource block with for_each, are the nodes its for_each
	// refers to: its keys can be known before its body's dependencies are.
	forEachDeps []string
	rng         hcl.Range
}

// graph holds the evaluation order of a configuration.
type graph struct {
	nodes map[string]*node
	order []string // dependencies first
	// broken holds the members of a reference cycle: they evaluate to unknown so the
	// rest of the configuration is still checked.
	broken map[string]bool
	// independent is true when every reference names a node declared earlier in
	// order (no error, no cycle): nodes that do not refer to each other can then be
	// evaluated at once, with the same outcome as one after another.
	independent bool
}

// buildGraph collects the references of every resource and local, checks that each
// names something declared, and orders the nodes so dependencies come first. A cycle
// is an error naming every member.
func buildGraph(cfg *schema.Config) (*graph, hcl.Diagnostics) {
	g := &graph{nodes: map[string]*node{}}
	var diags hcl.Diagnostics
	for _, r := range cfg.Resources {
		g.nodes[r.Addr()] = &node{id: r.Addr(), res: r, mod: r.Module, rng: r.DeclRange}
	}
	cfg.Walk(func(c *schema.Config) {
		p := c.ModulePath()
		for _, l := range c.Locals {
			g.nodes[p+"local."+l.Name] = &node{id: p + "local." + l.Name, local: l, mod: c, rng: l.DeclRange}
		}
		for _, m := range c.Modules {
			if m.Child == nil {
				continue
			}
			g.nodes[p+"module."+m.Name] = &node{id: p + "module." + m.Name, call: m, mod: c, rng: m.DeclRange}
			for _, o := range m.Child.Outputs {
				id := m.Child.ModulePath() + "output." + o.Name
				g.nodes[id] = &node{id: id, output: o, mod: m.Child, rng: o.DeclRange}
			}
		}
	})
	for _, n := range g.nodes {
		var trs []hcl.Traversal
		switch {
		case n.res != nil:
			trs = n.res.Traversals()
		case n.local != nil:
			trs = n.local.Expr.Variables()
		case n.call != nil:
			if n.call.ForEach != nil {
				trs = n.call.ForEach.Variables()
			}
			for _, a := range n.call.Args {
				trs = append(trs, a.Expr.Variables()...)
			}
		case n.output != nil:
			if n.output.Expr != nil {
				trs = n.output.Expr.Variables()
			}
		}
		seen := map[string]bool{}
		var nd hcl.Diagnostics
		for _, tr := range trs {
			deps, d := referenceTarget(cfg, n, tr)
			nd = append(nd, d...)
			for _, dep := range deps {
				if !seen[dep] {
					seen[dep] = true
					n.deps = append(n.deps, dep)
				}
			}
		}
		diags = append(diags, schema.InModule(nd, n.mod.CallChain())...)
		// Every node of a module waits for the call that makes the module's instances.
		if id := callID(n.mod); id != "" && !seen[id] {
			n.deps = append(n.deps, id)
		}
		sort.Strings(n.deps)
		if n.res != nil && n.res.ForEach != nil {
			n.forEachDeps = forEachDeps(cfg, n)
		}
	}
	order, cyc := topoSort(g.nodes)
	g.broken = map[string]bool{}
	for _, id := range cyc {
		g.broken[id] = true
	}
	if len(cyc) > 0 {
		first := g.nodes[cyc[0]]
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference cycle",
			Detail:  fmt.Sprintf("These refer to each other in a loop: %s. Break the loop by removing one of the references.", strings.Join(append(cyc, cyc[0]), " → ")),
			Subject: first.rng.Ptr()})
	}
	g.order = order
	g.depsThroughLocals()
	g.independent = !diags.HasErrors() && len(cyc) == 0
	return g, diags
}

// heights returns, per node, the length of the longest chain of nodes that wait for
// it (0 for a node nothing refers to).
func (g *graph) heights() map[string]int {
	h := make(map[string]int, len(g.nodes))
	for i := len(g.order) - 1; i >= 0; i-- {
		id := g.order[i]
		for _, d := range g.nodes[id].deps {
			if _, ok := g.nodes[d]; ok && h[d] < h[id]+1 {
				h[d] = h[id] + 1
			}
		}
	}
	return h
}

// forEachDeps returns the nodes the for_each of resource node n refers to, and the
// call that makes its module's instances.
func forEachDeps(cfg *schema.Config, n *node) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, tr := range n.res.ForEach.Variables() {
		deps, _ := referenceTarget(cfg, n, tr)
		for _, d := range deps {
			add(d)
		}
	}
	add(callID(n.mod))
	sort.Strings(out)
	return out
}

// closure returns the node id and every node it depends on, directly or not.
func (g *graph) closure(id string) map[string]bool {
	out := map[string]bool{}
	var walk func(string)
	walk = func(id string) {
		if out[id] || g.nodes[id] == nil {
			return
		}
		out[id] = true
		for _, d := range g.nodes[id].deps {
			walk(d)
		}
	}
	walk(id)
	return out
}

// depsThroughLocals adds to each resource the resources it reaches through locals
// (directly or via other locals), so that apply waits for them too: a local such as
// { for k, d in department.x : k => d.id } carries department.x's ids to its users.
func (g *graph) depsThroughLocals() {
	viaLocal := map[string][]string{} // local id → resources it refers to, transitively
	for _, id := range g.order {
		n := g.nodes[id]
		var extra []string
		seen := map[string]bool{}
		for _, d := range n.deps {
			seen[d] = true
		}
		for _, d := range n.deps {
			if g.nodes[d] == nil || g.nodes[d].res != nil {
				continue
			}
			for _, r := range viaLocal[d] {
				if !seen[r] {
					seen[r] = true
					extra = append(extra, r)
				}
			}
		}
		if n.res == nil {
			for _, d := range n.deps {
				if g.nodes[d] != nil && g.nodes[d].res != nil {
					extra = append(extra, d)
				}
			}
			viaLocal[id] = extra
			continue
		}
		n.deps = append(n.deps, extra...)
		sort.Strings(n.deps)
	}
}

// callID is the graph id of the module call that instantiates c ("" for the root).
func callID(c *schema.Config) string {
	if c.Call() == nil {
		return ""
	}
	return c.Parent().ModulePath() + "module." + c.Call().Name
}

// referenceTarget returns the graph nodes a traversal refers to (none for each, or
// var in the root module), resolving names in the scope of the node's module.
func referenceTarget(cfg *schema.Config, n *node, tr hcl.Traversal) ([]string, hcl.Diagnostics) {
	rng := tr.SourceRange()
	bad := func(summary, detail string) ([]string, hcl.Diagnostics) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}}
	}
	mod := n.mod
	if mod == nil {
		mod = cfg
	}
	p := mod.ModulePath()
	root := tr.RootName()
	attrName := func() string {
		if len(tr) > 1 {
			if a, ok := tr[1].(hcl.TraverseAttr); ok {
				return a.Name
			}
		}
		return ""
	}
	switch root {
	case "var":
		name := attrName()
		if _, ok := mod.Variables[name]; !ok {
			return bad("Reference to undeclared variable", fmt.Sprintf("There is no variable %q. Declare it with variable %q {} or fix the name.%s", name, name, suggest(name, variableNames(mod))))
		}
		if id := callID(mod); id != "" {
			return []string{id}, nil
		}
		return nil, nil
	case "local":
		name := attrName()
		if _, ok := mod.Locals[name]; !ok {
			return bad("Reference to undeclared local value", fmt.Sprintf("There is no local value %q. Declare it in a locals block or fix the name.%s", name, suggest(name, localNames(mod))))
		}
		return []string{p + "local." + name}, nil
	case "mailform":
		if a := attrName(); a != "workspace" {
			return bad("Unknown mailform attribute", fmt.Sprintf("mailform.%s does not exist; the mailform object has one attribute, workspace (the selected CLI workspace).", a))
		}
		return nil, nil
	case "each":
		if (n.res == nil || n.res.ForEach == nil) && (n.call == nil || n.call.ForEach == nil) {
			return bad("each is not available here", "each.key and each.value exist only in a resource or module block with for_each.")
		}
		return nil, nil
	case "module":
		name := attrName()
		m := mod.Module(name)
		if m == nil {
			var names []string
			for _, c := range mod.Modules {
				names = append(names, c.Name)
			}
			return bad("Reference to undeclared module", fmt.Sprintf("There is no module block named %q.%s", name, suggest(name, names)))
		}
		if m.Child == nil {
			return nil, nil // its loading failed, already reported
		}
		var outs []string
		if len(tr) > 2 {
			if a, ok := tr[2].(hcl.TraverseAttr); ok && m.ForEach == nil {
				for _, o := range m.Child.Outputs {
					if o.Name == a.Name {
						return []string{m.Child.ModulePath() + "output." + o.Name}, nil
					}
					outs = append(outs, o.Name)
				}
				return bad("Reference to undeclared module output", fmt.Sprintf("module.%s (%s) has no output %q.%s Declare output %q { value = … } in the module.", name, m.Source, a.Name, suggest(a.Name, outs), a.Name))
			}
		}
		// The whole module, or one instance of a for_each module: all of its outputs.
		deps := []string{p + "module." + name}
		for _, o := range m.Child.Outputs {
			deps = append(deps, m.Child.ModulePath()+"output."+o.Name)
		}
		return deps, nil
	}
	if model.Lookup(root) != nil {
		name := attrName()
		addr := p + root + "." + name
		if cfg.Resource(addr) == nil {
			var same []string
			for _, r := range cfg.Resources {
				if r.Type == root && r.Module == mod {
					same = append(same, r.Name)
				}
			}
			return bad("Reference to undeclared resource", fmt.Sprintf("There is no %s block named %q.%s", root, name, suggest(name, same)))
		}
		if n.res != nil && addr == n.res.Addr() {
			return bad("Self-reference", fmt.Sprintf("%s refers to itself. Use a literal value or a local instead.", addr))
		}
		return []string{addr}, nil
	}
	var roots []string
	roots = append(roots, "var", "local", "each", "module", "mailform")
	roots = append(roots, model.TypeNames()...)
	return bad("Unknown reference", fmt.Sprintf("%q is not something that can be referred to. References start with var, local, each, module, mailform (mailform.workspace) or a resource type (%s).%s", root, strings.Join(model.TypeNames(), ", "), suggest(root, roots)))
}

func variableNames(cfg *schema.Config) []string {
	var out []string
	for n := range cfg.Variables {
		out = append(out, n)
	}
	return out
}

func localNames(cfg *schema.Config) []string {
	var out []string
	for n := range cfg.Locals {
		out = append(out, n)
	}
	return out
}

// suggest returns " Did you mean X?" when a candidate is close to name.
func suggest(name string, candidates []string) string { return schema.DidYouMean(name, candidates) }

// topoSort orders nodes dependencies-first. Members of a reference cycle are
// returned as the cycle and still placed in the order (as leaves), so evaluation can
// go on and report every other problem.
func topoSort(nodes map[string]*node) ([]string, []string) {
	ids := make([]string, 0, len(nodes))
	for id := range nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var order, stack, cycle []string
	var visit func(id string)
	visit = func(id string) {
		color[id] = grey
		stack = append(stack, id)
		for _, d := range nodes[id].deps {
			if _, ok := nodes[d]; !ok {
				continue
			}
			switch color[d] {
			case grey:
				if cycle == nil {
					for i, s := range stack {
						if s == d {
							cycle = append([]string(nil), stack[i:]...)
						}
					}
				}
			case white:
				visit(d)
			}
		}
		stack = stack[:len(stack)-1]
		color[id] = black
		order = append(order, id)
	}
	for _, id := range ids {
		if color[id] == white {
			visit(id)
		}
	}
	return order, cycle
}
