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

// node is a resource block or a local value in the dependency graph.
type node struct {
	id    string // "account.alice" or "local.x"
	res   *schema.Resource
	local *schema.Local
	deps  []string
	rng   hcl.Range
}

// graph holds the evaluation order of a configuration.
type graph struct {
	nodes map[string]*node
	order []string // dependencies first
	// broken holds the members of a reference cycle: they evaluate to unknown so the
	// rest of the configuration is still checked.
	broken map[string]bool
}

// buildGraph collects the references of every resource and local, checks that each
// names something declared, and orders the nodes so dependencies come first. A cycle
// is an error naming every member.
func buildGraph(cfg *schema.Config) (*graph, hcl.Diagnostics) {
	g := &graph{nodes: map[string]*node{}}
	var diags hcl.Diagnostics
	for _, r := range cfg.Resources {
		g.nodes[r.Addr()] = &node{id: r.Addr(), res: r, rng: r.DeclRange}
	}
	for _, l := range cfg.Locals {
		g.nodes["local."+l.Name] = &node{id: "local." + l.Name, local: l, rng: l.DeclRange}
	}
	for _, n := range g.nodes {
		var trs []hcl.Traversal
		if n.res != nil {
			trs = n.res.Traversals()
		} else {
			trs = n.local.Expr.Variables()
		}
		seen := map[string]bool{}
		for _, tr := range trs {
			dep, d := referenceTarget(cfg, n, tr)
			diags = append(diags, d...)
			if dep != "" && !seen[dep] {
				seen[dep] = true
				n.deps = append(n.deps, dep)
			}
		}
		sort.Strings(n.deps)
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
	return g, diags
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
			if !strings.HasPrefix(d, "local.") {
				continue
			}
			for _, r := range viaLocal[d] {
				if !seen[r] {
					seen[r] = true
					extra = append(extra, r)
				}
			}
		}
		if n.local != nil {
			for _, d := range n.deps {
				if !strings.HasPrefix(d, "local.") {
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

// referenceTarget returns the graph node a traversal refers to ("" for var/each).
func referenceTarget(cfg *schema.Config, n *node, tr hcl.Traversal) (string, hcl.Diagnostics) {
	rng := tr.SourceRange()
	bad := func(summary, detail string) (string, hcl.Diagnostics) {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}}
	}
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
		if _, ok := cfg.Variables[name]; !ok {
			return bad("Reference to undeclared variable", fmt.Sprintf("There is no variable %q. Declare it with variable %q {} or fix the name.%s", name, name, suggest(name, variableNames(cfg))))
		}
		return "", nil
	case "local":
		name := attrName()
		if _, ok := cfg.Locals[name]; !ok {
			return bad("Reference to undeclared local value", fmt.Sprintf("There is no local value %q. Declare it in a locals block or fix the name.%s", name, suggest(name, localNames(cfg))))
		}
		return "local." + name, nil
	case "mailform":
		if a := attrName(); a != "workspace" {
			return bad("Unknown mailform attribute", fmt.Sprintf("mailform.%s does not exist; the mailform object has one attribute, workspace (the selected CLI workspace).", a))
		}
		return "", nil
	case "each":
		if n.res == nil || n.res.ForEach == nil {
			return bad("each is not available here", "each.key and each.value exist only in a resource with for_each.")
		}
		return "", nil
	}
	if model.Lookup(root) != nil {
		name := attrName()
		addr := root + "." + name
		if cfg.Resource(addr) == nil {
			var same []string
			for _, r := range cfg.Resources {
				if r.Type == root {
					same = append(same, r.Name)
				}
			}
			return bad("Reference to undeclared resource", fmt.Sprintf("There is no %s block named %q.%s", root, name, suggest(name, same)))
		}
		if n.res != nil && addr == n.res.Addr() {
			return bad("Self-reference", fmt.Sprintf("%s refers to itself. Use a literal value or a local instead.", addr))
		}
		return addr, nil
	}
	var roots []string
	roots = append(roots, "var", "local", "each", "mailform")
	roots = append(roots, model.TypeNames()...)
	return bad("Unknown reference", fmt.Sprintf("%q is not something that can be referred to. References start with var, local, each, mailform (mailform.workspace) or a resource type (%s).%s", root, strings.Join(model.TypeNames(), ", "), suggest(root, roots)))
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
