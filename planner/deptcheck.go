package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// departmentDeleteChecks refuses at plan time what the API would refuse half way
// through apply: deleting a department that, after the plan, still holds accounts or
// sub-departments — typically ones mailform does not manage.
func departmentDeleteChecks(p *Plan, live map[liveKey]*liveSet) hcl.Diagnostics {
	type key struct{ provider, typ, id string }
	byLive := map[key]*Change{}
	for _, c := range p.Changes {
		if c.ID != "" {
			byLive[key{c.Provider, c.Type, c.ID}] = c
		}
	}
	stays := func(c *Change, attr, id string) bool {
		if c == nil {
			return true // unmanaged: the plan does not move it
		}
		if c.Action == Delete || c.Action == Replace {
			return false
		}
		if v, ok := c.After[attr]; ok {
			switch x := v.(type) {
			case string:
				return x == id
			case []string:
				for _, s := range x {
					if s == id {
						return true
					}
				}
				return false
			}
			return false // unknown until apply: it moves
		}
		return true
	}
	var diags hcl.Diagnostics
	for _, c := range p.Changes {
		if c.Type != "department" || (c.Action != Delete && c.Action != Replace) || c.ID == "" {
			continue
		}
		var members, children []string
		if ls := live[liveKey{c.Provider, "account"}]; ls != nil {
			for _, lo := range ls.byID {
				for _, d := range lo.Attrs.Strings("departments") {
					if d == c.ID && stays(byLive[key{c.Provider, "account", lo.ID}], "departments", c.ID) {
						members = append(members, lo.Attrs.Str("email"))
					}
				}
			}
		}
		if ls := live[liveKey{c.Provider, "department"}]; ls != nil {
			for _, lo := range ls.byID {
				if lo.Attrs.Str("parent") == c.ID && stays(byLive[key{c.Provider, "department", lo.ID}], "parent", c.ID) {
					children = append(children, lo.Attrs.Str("name"))
				}
			}
		}
		if len(members)+len(children) == 0 {
			continue
		}
		sort.Strings(members)
		sort.Strings(children)
		var held []string
		if len(members) > 0 {
			held = append(held, fmt.Sprintf("%d account(s) (%s)", len(members), sample(members)))
		}
		if len(children) > 0 {
			held = append(held, fmt.Sprintf("%d sub-department(s) (%s)", len(children), sample(children)))
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Department still in use",
			Detail: fmt.Sprintf("%s (id %s) would be deleted, but after this plan it still holds %s; the provider refuses to delete it, and apply would stop half way. Move them to another department first (in the console, or by managing them here).", c.Address, c.ID, strings.Join(held, " and "))})
	}
	return diags
}

// sample lists up to five names, then how many more there are.
func sample(names []string) string {
	if len(names) <= 5 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:5], ", "), len(names)-5)
}
