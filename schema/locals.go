package schema

import "github.com/hashicorp/hcl/v2"

// Local is one named value of a `locals { … }` block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	DeclRange hcl.Range
}

func decodeLocalsBlock(b *hcl.Block) ([]*Local, hcl.Diagnostics) {
	attrs, diags := b.Body.JustAttributes()
	out := make([]*Local, 0, len(attrs))
	for n, a := range attrs {
		out = append(out, &Local{Name: n, Expr: a.Expr, DeclRange: a.Range})
	}
	return out, diags
}

// Output is an `output "name" { value = … }` block.
type Output struct {
	Name        string
	Expr        hcl.Expression
	Description string
	Sensitive   bool
	DeclRange   hcl.Range
}

func decodeOutputBlock(b *hcl.Block) (*Output, hcl.Diagnostics) {
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "value", Required: true}, {Name: "description"}, {Name: "sensitive"},
	}})
	o := &Output{Name: b.Labels[0], DeclRange: b.DefRange}
	if a, ok := content.Attributes["value"]; ok {
		o.Expr = a.Expr
	}
	if a, ok := content.Attributes["description"]; ok {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() && v.Type().FriendlyName() == "string" && v.IsKnown() && !v.IsNull() {
			o.Description = v.AsString()
		}
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type().FriendlyName() == "bool" {
			o.Sensitive = v.True()
		}
	}
	return o, diags
}
