package planner

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/state"
)

// recheck guards the apply of a saved plan: just before a step updates, replaces or
// deletes an object, it reads that one object again from a provider that can
// (providers.ObjectReader) and fails with providers.ErrChangedSincePlan when the
// object no longer holds what the plan saw. Creates need no read: the provider
// refuses to create what already exists. Providers that cannot read single objects
// keep their own checks on prior.
func recheck(ctx context.Context, c *Change, o ApplyOptions) error {
	if !o.Recheck || c.Adopt || c.Before == nil || c.ID == "" {
		return nil
	}
	switch c.Action {
	case Update, Replace, Delete:
	default:
		return nil
	}
	prov := o.Providers.ByName[c.Provider]
	or, ok := prov.(providers.ObjectReader)
	t := model.Lookup(c.Type)
	if !ok || t == nil {
		return nil
	}
	req := providers.ReadRequest{Type: c.Type, Keys: []string{c.ID}}
	// The optional attributes are read again where the plan read them.
	if needsDetail(t, c.Before) {
		req.Detail = map[string]bool{c.ID: true}
	}
	if o.Writer != nil {
		o.Writer.Read(func(s *state.State) {
			if r := s.Find(c.Address); r != nil && r.ID == c.ID && r.Pending == "" && r.Attrs != nil {
				req.Applied = map[string]model.Object{c.ID: r.Attrs.Clone()}
			}
		})
	}
	rs, err := or.ReadObjects(ctx, req)
	if err != nil {
		return fmt.Errorf("reading it again before the change: %w", err)
	}
	var live model.Object
	for i := range rs {
		if rs[i].ID == c.ID {
			live = canonicalLive(t, &rs[i])
		}
	}
	if live == nil {
		if c.Action == Delete {
			return nil // already gone; the delete step says so as it always has
		}
		return fmt.Errorf("%w: %s %s is gone", providers.ErrChangedSincePlan, c.Type, c.ID)
	}
	sup := readableAttrs(prov, c.Type)
	var changed []string
	for _, a := range t.Attrs {
		if !sup[a.Name] || a.WriteOnly || a.Engine {
			continue
		}
		if !model.Equal(live[a.Name], c.Before[a.Name]) {
			changed = append(changed, a.Name)
		}
	}
	if len(changed) > 0 {
		return fmt.Errorf("%w: %s changed outside mailform since the plan was made", providers.ErrChangedSincePlan, strings.Join(changed, ", "))
	}
	return nil
}
