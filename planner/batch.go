package planner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/state"
)

// batchSteps folds the steps of a provider that implements providers.Batcher into
// batch steps, one for creates and updates and one for deletes per provider and type,
// so an RFC 2136 server gets as few UPDATE messages as the size limit allows, each with
// its prerequisites. Steps that waited for a member wait for its batch instead.
func batchSteps(steps []*step, o ApplyOptions) []*step {
	type key struct {
		provider, typ string
		deletes       bool
	}
	groups := map[key]*step{}
	var order []key
	owner := map[*step]*step{}
	for _, s := range steps {
		c := s.c
		if c.Action == NoOp || c.Type != "dns_record" {
			continue
		}
		if _, ok := o.Providers.ByName[c.Provider].(providers.Batcher); !ok {
			continue
		}
		k := key{c.Provider, c.Type, c.Action == Delete && c.Offboard == ""}
		b := groups[k]
		if b == nil {
			what := "creates and updates"
			if k.deletes {
				what = "deletes"
			}
			b = &step{c: &Change{Address: fmt.Sprintf("%s %s of provider %s", c.Type, what, c.Provider), Type: c.Type, Provider: c.Provider, Action: c.Action}, done: make(chan struct{})}
			groups[k] = b
			order = append(order, k)
		}
		b.members = append(b.members, s)
		owner[s] = b
	}
	if len(groups) == 0 {
		return steps
	}
	var out []*step
	for _, s := range steps {
		if owner[s] == nil {
			out = append(out, s)
		}
	}
	for _, k := range order {
		out = append(out, groups[k])
	}
	// Rewire: a batch inherits its members' dependencies; a dependency on a member
	// becomes one on its batch. A barrier that waits for members of the very batch
	// that waits for it would make a loop: the batch waits for the barrier's other
	// steps instead, as if there were no barrier.
	barrierDeps := map[*step][]*step{}
	for _, s := range out {
		if s.barrier {
			barrierDeps[s] = s.deps
		}
	}
	redirect := func(deps []*step, self *step) []*step {
		seen := map[*step]bool{}
		var r []*step
		var add func(d *step)
		add = func(d *step) {
			if b := owner[d]; b != nil {
				d = b
			}
			if d.barrier && self.members != nil {
				for _, x := range barrierDeps[d] {
					if owner[x] == self {
						for _, y := range barrierDeps[d] {
							add(y)
						}
						return
					}
				}
			}
			if d != self && !seen[d] {
				seen[d] = true
				r = append(r, d)
			}
		}
		for _, d := range deps {
			add(d)
		}
		return r
	}
	for _, s := range out {
		if s.members != nil {
			var all []*step
			for _, m := range s.members {
				all = append(all, m.deps...)
			}
			s.deps = redirect(all, s)
			continue
		}
		s.deps = redirect(s.deps, s)
	}
	return out
}

// runBatch applies a batch step: intents of creates first, then one ApplyBatch call,
// then every outcome in one durable state commit.
func runBatch(ctx context.Context, b *step, o ApplyOptions, re *reevaluator) error {
	batcher := o.Providers.ByName[b.c.Provider].(providers.Batcher)
	type item struct {
		c     *Change
		ops   []int // indexes into changes
		start time.Time
	}
	var items []*item
	var changes []providers.Change
	var errs []error
	for _, m := range b.members {
		c := m.c
		it := &item{c: c, start: time.Now()}
		o.Progress(Event{Address: c.Address, Action: c.Action})
		if c.Action == Delete || c.Action == Replace {
			it.ops = append(it.ops, len(changes))
			changes = append(changes, providers.Change{Op: providers.OpDelete, ID: c.ID, Prior: c.Before})
		}
		if c.Action != Delete {
			after, err := re.desired(c)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", c.Address, err))
				m.err = err
				o.Progress(Event{Address: c.Address, Action: c.Action, Done: true, Err: err})
				continue
			}
			op := providers.Change{Op: providers.OpCreate, Label: c.Label, Desired: after}
			if c.Action == Update {
				op = providers.Change{Op: providers.OpUpdate, ID: c.ID, Prior: c.Before, Desired: after}
			}
			it.ops = append(it.ops, len(changes))
			changes = append(changes, op)
		}
		items = append(items, it)
	}
	if err := o.Writer.Commit(func(s *state.State) {
		for _, it := range items {
			if it.c.Action == Create || it.c.Action == Replace {
				after := changes[it.ops[len(it.ops)-1]].Desired
				s.Set(&state.Resource{Address: it.c.Address, Type: it.c.Type, Provider: it.c.Provider, Pending: "create", MatchKey: it.c.NaturalKey(after)})
			}
		}
	}); err != nil {
		return err
	}
	results := batcher.ApplyBatch(ctx, b.c.Type, changes)
	if len(results) != len(changes) {
		return fmt.Errorf("provider %s answered %d results for %d changes", b.c.Provider, len(results), len(changes))
	}
	commitErr := o.Writer.Commit(func(s *state.State) {
		for _, it := range items {
			var err error
			var id string
			for _, i := range it.ops {
				r := results[i]
				if r.Err != nil && !(changes[i].Op == providers.OpDelete && errors.Is(r.Err, providers.ErrNotFound)) {
					err = r.Err
				}
				if changes[i].Op != providers.OpDelete {
					id = r.Remote.ID
				}
			}
			switch {
			case err != nil && it.c.Action == Replace && results[it.ops[0]].Err == nil:
				s.Remove(it.c.Address) // the old RRset is gone, the new one was not made
			case err != nil && it.c.Action == Create:
				s.Remove(it.c.Address)
			case err != nil:
			case it.c.Action == Delete:
				s.Remove(it.c.Address)
			default:
				after := changes[it.ops[len(it.ops)-1]].Desired
				s.Set(stateEntry(s, it.c, orID(id, it.c.ID), after, s.Find(it.c.Address), o.Now))
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", it.c.Address, err))
			}
			o.Progress(Event{Address: it.c.Address, Action: it.c.Action, Done: true, Elapsed: time.Since(it.start), Err: err, ID: id})
		}
	})
	if commitErr != nil {
		errs = append(errs, commitErr)
	}
	return errors.Join(errs...)
}
