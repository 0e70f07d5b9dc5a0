package schema

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Provider is a `provider "kind" { alias = "x" … }` block.
type Provider struct {
	Kind      string
	Alias     string
	Config    hcl.Body
	DeclRange hcl.Range
}

// Name is "kind" or "kind.alias", the name resources use in `provider = …`.
func (p *Provider) Name() string {
	if p.Alias == "" {
		return p.Kind
	}
	return p.Kind + "." + p.Alias
}

func decodeProviderBlock(b *hcl.Block) (*Provider, hcl.Diagnostics) {
	p := &Provider{Kind: b.Labels[0], DeclRange: b.DefRange}
	content, rest, diags := b.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "alias"}}})
	if a, ok := content.Attributes["alias"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &p.Alias)...)
		if p.Alias != "" && !hclsyntax.ValidIdentifier(p.Alias) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid provider alias",
				Detail: "An alias is a name of letters, digits, underscores and dashes, starting with a letter.", Subject: a.Expr.Range().Ptr()})
		}
	}
	p.Config = rest
	return p, diags
}
