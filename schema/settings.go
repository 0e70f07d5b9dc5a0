package schema

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

// Settings is the `mailform { … }` block: backend and run-wide safety settings.
type Settings struct {
	Backend *Backend
	// MassChangePercent and MassChangeMin set the mass-change guard (SPEC §5): a plan
	// that deletes or freezes more than the percentage of managed accounts, when at
	// least Min would be affected, is refused without -force.
	MassChangePercent int
	MassChangeMin     int
	// DriftIgnore lists addresses (or address.attribute) that drift never reports.
	DriftIgnore []string
	DeclRange   hcl.Range
}

// Backend is `backend "local" { path = … }` inside the mailform block.
type Backend struct {
	Kind      string
	Config    hcl.Body
	DeclRange hcl.Range
}

var settingsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "mass_change_percent"},
		{Name: "mass_change_min"},
		{Name: "required_version"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "backend", LabelNames: []string{"kind"}},
		{Type: "drift"},
	},
}

func decodeSettingsBlock(b *hcl.Block) (*Settings, hcl.Diagnostics) {
	s := &Settings{MassChangePercent: 20, MassChangeMin: 10, DeclRange: b.DefRange}
	content, diags := b.Body.Content(settingsSchema)
	if a, ok := content.Attributes["mass_change_percent"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &s.MassChangePercent)...)
		if s.MassChangePercent < 0 || s.MassChangePercent > 100 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid mass_change_percent",
				Detail: "mass_change_percent is a percentage between 0 and 100.", Subject: a.Expr.Range().Ptr()})
		}
	}
	if a, ok := content.Attributes["mass_change_min"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &s.MassChangeMin)...)
		if s.MassChangeMin < 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid mass_change_min",
				Detail: "mass_change_min is how many accounts (or groups, or RRsets of a zone) a plan may delete or freeze before the guard applies: 0 or more.", Subject: a.Expr.Range().Ptr()})
		}
	}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "backend":
			if s.Backend != nil {
				diags = append(diags, duplicateDiag("backend block", "", s.Backend.DeclRange, blk.DefRange))
				continue
			}
			if blk.Labels[0] != "local" && blk.Labels[0] != "pg" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown backend",
					Detail: `The backend "` + blk.Labels[0] + `" does not exist. Use "local" (a state file next to the configuration) or "pg" (PostgreSQL, for teams).`, Subject: blk.LabelRanges[0].Ptr()})
			}
			s.Backend = &Backend{Kind: blk.Labels[0], Config: blk.Body, DeclRange: blk.DefRange}
		case "drift":
			dc, d := blk.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "ignore"}}})
			diags = append(diags, d...)
			if a, ok := dc.Attributes["ignore"]; ok {
				diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &s.DriftIgnore)...)
			}
		}
	}
	return s, diags
}
