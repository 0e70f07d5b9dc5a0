package schema

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mailform/mailform/model"
)

// Resource is one resource block (`account "alice" { … }`). Meta-arguments are decoded;
// the rest of the body stays unevaluated until the planner knows what it refers to.
type Resource struct {
	Type string
	Name string
	Spec *model.Type
	// ForEach is the for_each expression, or nil.
	ForEach hcl.Expression
	// Provider is the `provider = kind.alias` reference, "" when left out.
	Provider      string
	ProviderRange hcl.Range
	DependsOn     []hcl.Traversal
	Lifecycle     Lifecycle
	// Module is the configuration (root or module) that declares the block.
	Module *Config
	// Body is the rest of the block: the resource type's attributes.
	Body      hcl.Body
	DeclRange hcl.Range
	TypeRange hcl.Range
}

// Lifecycle is the `lifecycle { … }` block of a resource.
type Lifecycle struct {
	PreventDestroy bool
	// IgnoreChanges lists attributes whose differences plan never acts on.
	IgnoreChanges map[string]bool
	// IgnoreAll is `ignore_changes = all`: the object is created but never updated.
	IgnoreAll bool
}

// Addr is the resource address "type.name", after its module path when it is in a
// module: `module.sub.type.name`.
func (r *Resource) Addr() string {
	if r.Module == nil {
		return r.Type + "." + r.Name
	}
	return r.Module.path + r.Type + "." + r.Name
}

func resourceTypeNames() []string {
	var out []string
	for _, t := range model.Types() {
		out = append(out, t.Name)
	}
	return out
}

var metaSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "for_each"}, {Name: "provider"}, {Name: "depends_on"}, {Name: "count"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}

func decodeResourceBlock(b *hcl.Block) (*Resource, hcl.Diagnostics) {
	r := &Resource{Type: b.Type, Name: b.Labels[0], Spec: model.Lookup(b.Type), DeclRange: b.DefRange, TypeRange: b.TypeRange}
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(r.Name) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid resource name",
			Detail: "A resource name is letters, digits, underscores and dashes, starting with a letter or underscore.", Subject: b.LabelRanges[0].Ptr()})
	}
	content, rest, d := b.Body.PartialContent(metaSchema)
	diags = append(diags, d...)
	r.Body = rest
	if a, ok := content.Attributes["count"]; ok {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "count is not supported",
			Detail: "mailform resources are keyed by name: use for_each with a map or set of strings instead of count.", Subject: a.NameRange.Ptr()})
	}
	if a, ok := content.Attributes["for_each"]; ok {
		r.ForEach = a.Expr
	}
	if a, ok := content.Attributes["provider"]; ok {
		tr, d := hcl.AbsTraversalForExpr(a.Expr)
		r.ProviderRange = a.Expr.Range()
		if d.HasErrors() || len(tr) > 2 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid provider reference",
				Detail: "provider takes a provider name without quotes: kind or kind.alias, for example provider = rfc2136.corp.", Subject: a.Expr.Range().Ptr()})
		} else {
			r.Provider = tr.RootName()
			if len(tr) == 2 {
				if at, ok := tr[1].(hcl.TraverseAttr); ok {
					r.Provider += "." + at.Name
				}
			}
		}
	}
	if a, ok := content.Attributes["depends_on"]; ok {
		exprs, d := hcl.ExprList(a.Expr)
		diags = append(diags, d...)
		for _, e := range exprs {
			tr, d := hcl.AbsTraversalForExpr(e)
			diags = append(diags, d...)
			if !d.HasErrors() {
				r.DependsOn = append(r.DependsOn, tr)
			}
		}
	}
	for _, lb := range content.Blocks {
		diags = append(diags, decodeLifecycle(r, lb)...)
	}
	return r, diags
}

func decodeLifecycle(r *Resource, b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "prevent_destroy"}, {Name: "ignore_changes"}}})
	if a, ok := content.Attributes["prevent_destroy"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &r.Lifecycle.PreventDestroy)...)
	}
	a, ok := content.Attributes["ignore_changes"]
	if !ok {
		return diags
	}
	if kw := hcl.ExprAsKeyword(a.Expr); kw == "all" {
		r.Lifecycle.IgnoreAll = true
		return diags
	}
	exprs, d := hcl.ExprList(a.Expr)
	diags = append(diags, d...)
	r.Lifecycle.IgnoreChanges = map[string]bool{}
	for _, e := range exprs {
		name := hcl.ExprAsKeyword(e)
		if name == "" {
			var s string
			if d := gohcl.DecodeExpression(e, nil, &s); !d.HasErrors() {
				name = s
			}
		}
		if name == "" || r.Spec.Attr(name) == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid ignore_changes entry",
				Detail: fmt.Sprintf("ignore_changes lists attribute names of %s (%s), or is the keyword all.", r.Type, strings.Join(r.Spec.AttrNames(), ", ")), Subject: e.Range().Ptr()})
			continue
		}
		r.Lifecycle.IgnoreChanges[name] = true
	}
	return diags
}

// bodySchema is the HCL schema of a resource type's own attributes and blocks.
func bodySchema(attrs []*model.Attr) *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, a := range attrs {
		if a.Kind == model.KindBlock {
			s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: a.Name})
			continue
		}
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.Name, Required: a.Required})
	}
	return s
}

// Traversals returns every reference the resource's expressions make (for_each,
// attributes, nested blocks, depends_on), for building the dependency graph.
func (r *Resource) Traversals() []hcl.Traversal {
	var out []hcl.Traversal
	if r.ForEach != nil {
		out = append(out, r.ForEach.Variables()...)
	}
	out = append(out, bodyTraversals(r.Body, r.Spec.Attrs)...)
	return append(out, r.DependsOn...)
}

func bodyTraversals(body hcl.Body, attrs []*model.Attr) []hcl.Traversal {
	return walkVars(dynblock.WalkVariables(body), attrs)
}

// walkVars collects references through dynamic blocks too, leaving out their
// iterator variables.
func walkVars(n dynblock.WalkVariablesNode, attrs []*model.Attr) []hcl.Traversal {
	vars, children := n.Visit(bodySchema(attrs))
	for _, c := range children {
		for _, a := range attrs {
			if a.Name == c.BlockTypeName {
				vars = append(vars, walkVars(c.Node, a.Block)...)
			}
		}
	}
	return vars
}
