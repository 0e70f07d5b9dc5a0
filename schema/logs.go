package schema

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

// Logs is the `logs { … }` block: where the log archive lives and how long it keeps
// days. `archive "local" { path }` (the default, a file in the configuration
// directory) or `archive "pg" { conn_str schema_name }`, like the state backend.
type Logs struct {
	// RetainDays prunes archived days older than this many days; 0 keeps every day.
	RetainDays int
	Archive    *Backend
	DeclRange  hcl.Range
}

var logsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "retain_days"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "archive", LabelNames: []string{"kind"}}},
}

func decodeLogsBlock(b *hcl.Block) (*Logs, hcl.Diagnostics) {
	l := &Logs{DeclRange: b.DefRange}
	content, diags := b.Body.Content(logsSchema)
	if a, ok := content.Attributes["retain_days"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &l.RetainDays)...)
		if l.RetainDays < 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid retain_days",
				Detail: "retain_days is how many days the log archive keeps: 0 (every day) or more; compliance usually asks for at least 180.", Subject: a.Expr.Range().Ptr()})
		}
	}
	for _, blk := range content.Blocks {
		if l.Archive != nil {
			diags = append(diags, duplicateDiag("archive block", "", l.Archive.DeclRange, blk.DefRange))
			continue
		}
		if k := blk.Labels[0]; k != "local" && k != "pg" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown log archive",
				Detail: `The archive "` + k + `" does not exist. Use "local" (a file next to the configuration) or "pg" (PostgreSQL, for teams and large tenants).`, Subject: blk.LabelRanges[0].Ptr()})
			continue
		}
		l.Archive = &Backend{Kind: blk.Labels[0], Config: blk.Body, DeclRange: blk.DefRange}
	}
	return l, diags
}
