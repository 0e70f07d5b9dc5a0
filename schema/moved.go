package schema

import "github.com/hashicorp/hcl/v2"

// Moved is a `moved { from = …  to = … }` block: it renames a state address without
// touching the live object.
type Moved struct {
	From, To  string
	DeclRange hcl.Range
}

var movedSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "from", Required: true}, {Name: "to", Required: true},
}}

func decodeMovedBlock(b *hcl.Block) (*Moved, hcl.Diagnostics) {
	content, diags := b.Body.Content(movedSchema)
	if diags.HasErrors() {
		return nil, diags
	}
	m := &Moved{DeclRange: b.DefRange}
	for _, n := range []string{"from", "to"} {
		a := content.Attributes[n]
		tr, d := hcl.AbsTraversalForExpr(a.Expr)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		addr, d := addrWithModule(tr)
		diags = append(diags, d...)
		if n == "from" {
			m.From = addr
		} else {
			m.To = addr
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	if fr, _ := SplitAddr(m.From); fr != "" {
		if tr, _ := SplitAddr(m.To); typeOf(fr) != typeOf(tr) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved between resource types",
				Detail: "moved can rename an address but not change its type. Remove the old object and create the new one instead.", Subject: b.DefRange.Ptr()})
		}
	}
	return m, diags
}

func typeOf(addr string) string {
	_, addr = SplitModule(addr)
	for i := 0; i < len(addr); i++ {
		if addr[i] == '.' {
			return addr[:i]
		}
	}
	return addr
}

// Import is an `import { to = …  id = "…" }` block: it adopts an existing live object.
type Import struct {
	To        string
	ID        hcl.Expression
	DeclRange hcl.Range
}

func decodeImportBlock(b *hcl.Block) (*Import, hcl.Diagnostics) {
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "to", Required: true}, {Name: "id", Required: true},
	}})
	if diags.HasErrors() {
		return nil, diags
	}
	tr, d := hcl.AbsTraversalForExpr(content.Attributes["to"].Expr)
	diags = append(diags, d...)
	if d.HasErrors() {
		return nil, diags
	}
	addr, d := addrWithModule(tr)
	diags = append(diags, d...)
	return &Import{To: addr, ID: content.Attributes["id"].Expr, DeclRange: b.DefRange}, diags
}
