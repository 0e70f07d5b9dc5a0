package planner

import (
	"strings"

	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// expandMoved turns moved blocks into moves of single instances. A block that names a
// resource without a key (account.staff → module.base.account.staff) moves every
// instance state holds of it, each keeping its key, so a for_each block moves into
// or out of a module with one moved block.
func expandMoved(moved []*schema.Moved, st *state.State) []*schema.Moved {
	var out []*schema.Moved
	var byBlock map[string][]string // block address → its instances in state
	for _, m := range moved {
		if st.Find(m.From) != nil {
			out = append(out, m)
			continue
		}
		if _, key := schema.SplitAddr(m.From); key != nil || strings.HasSuffix(m.From, "]") {
			out = append(out, m)
			continue
		}
		if _, key := schema.SplitAddr(m.To); key != nil {
			out = append(out, m)
			continue
		}
		if byBlock == nil {
			// One pass over state, only when some moved block names a whole block.
			byBlock = map[string][]string{}
			for _, r := range st.Resources {
				if b, key := schema.SplitAddr(r.Address); key != nil {
					byBlock[b] = append(byBlock[b], r.Address)
				}
			}
		}
		found := false
		for _, a := range byBlock[m.From] {
			found = true
			out = append(out, &schema.Moved{From: a, To: m.To + a[len(m.From):], DeclRange: m.DeclRange})
		}
		if !found {
			out = append(out, m)
		}
	}
	return out
}
