package planner

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// renameChecks refuses a plan that deletes an object and creates another with the same
// natural key (email, RRset, parent and name) at a new address: that is a block
// renamed without a moved block. Apply could not carry it out (the create collides
// with the object not yet deleted) or, for a mailbox, would lose its mail; the
// diagnostic gives the moved block that keeps the live object.
func renameChecks(p *Plan) hcl.Diagnostics {
	type key struct{ provider, typ, natural string }
	deleted := map[key]*Change{}
	for _, c := range p.Changes {
		if c.Action != Delete || c.Offboard != "" || c.Before == nil {
			continue
		}
		if k := c.NaturalKey(c.Before); k != "" {
			deleted[key{c.Provider, c.Type, k}] = c
		}
	}
	var diags hcl.Diagnostics
	for _, c := range p.Changes {
		if c.Action != Create || c.After == nil {
			continue
		}
		k := c.NaturalKey(c.After)
		old := deleted[key{c.Provider, c.Type, k}]
		if k == "" || old == nil {
			continue
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("%s would replace %s, the same live object", c.Address, old.Address),
			Detail: fmt.Sprintf("This plan deletes %s and creates %s with the same identity (%s). If you renamed the block, add\n\n  moved {\n    from = %s\n    to   = %s\n  }\n\nso the live object keeps its id, members and mail. To really replace it, remove the old block in one apply and add the new one in the next.",
				old.Address, c.Address, k, old.Address, c.Address)})
	}
	sort.SliceStable(diags, func(i, j int) bool { return diags[i].Summary < diags[j].Summary })
	return diags
}
