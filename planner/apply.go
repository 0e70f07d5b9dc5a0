package planner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/crash"
	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// Event reports the progress of one apply step.
type Event struct {
	Address string
	Action  Action
	Adopt   bool
	// Done is false when the step starts and true when it ends.
	Done    bool
	Elapsed time.Duration
	Err     error
	// ID is the provider id after a create.
	ID string
}

// ApplyOptions are the inputs of Apply.
type ApplyOptions struct {
	Config      *schema.Config
	Vars        map[string]cty.Value
	Providers   *ProviderSet
	Writer      *state.Writer
	Parallelism int
	Now         time.Time
	// Progress receives an event when each step starts and ends; it may be called
	// from several goroutines at once.
	Progress func(Event)
	// Stop, once done, starts no new step while the steps in flight go on with
	// Apply's context and are recorded (the first Ctrl-C). Cancelling Apply's context
	// abandons the calls in flight too (the second). Nil: only the context counts.
	Stop context.Context
	// Recheck is set when applying a saved plan: each object to be updated, replaced
	// or deleted is read again, where its provider can read single objects, and the
	// step stops with "changed since plan" if it no longer holds what the plan saw.
	Recheck bool
}

// step is one unit of apply work.
type step struct {
	c    *Change
	deps []*step
	done chan struct{}
	err  error
	// members are the steps a batch step applies in one provider call.
	members []*step
	// barrier marks a step that applies nothing and only waits for its deps, so that
	// the many steps that wait for one whole block wait for one step instead of each
	// holding every step of the block: 50,000 accounts of a 500-department block made
	// 25 million dependencies. failed is the address of the dep that failed.
	barrier bool
	failed  string
}

// Apply carries out a plan in dependency order, parents created first and children
// deleted first, with at most Parallelism steps at once. Each step is durable in state
// before any step that depends on it starts. It returns every step error.
func Apply(ctx context.Context, p *Plan, o ApplyOptions) error {
	if o.Parallelism <= 0 {
		o.Parallelism = 10
	}
	if o.Progress == nil {
		o.Progress = func(Event) {}
	}
	if len(p.Moves) > 0 {
		if err := o.Writer.Commit(func(s *state.State) {
			for _, m := range p.Moves {
				from, to := s.Find(m.From), s.Find(m.To)
				if from != nil && to != nil && createIntentOf(to, from) {
					s.Remove(m.To)
					to = nil
				}
				if from != nil && to == nil {
					_ = s.Move(m.From, m.To)
				}
			}
		}); err != nil {
			return fmt.Errorf("recording moves in state: %w", err)
		}
	}
	re, err := newReevaluator(o, p)
	if err != nil {
		return err
	}
	steps := batchSteps(schedule(p), o)
	if cyc := stepCycle(steps); cyc != "" {
		return fmt.Errorf("the plan's steps wait for each other in a loop (%s); nothing was applied", cyc)
	}
	stopped := func() bool { return ctx.Err() != nil || (o.Stop != nil && o.Stop.Err() != nil) }
	sem := make(chan struct{}, o.Parallelism)
	var wg sync.WaitGroup
	for _, s := range steps {
		wg.Add(1)
		go func(s *step) {
			defer wg.Done()
			defer close(s.done)
			// A bug in one step fails that step, like an API error: the others
			// finish and are recorded, and the command exits 1.
			defer func() {
				if e := crash.Recovered(recover()); e != nil {
					s.err = fmt.Errorf("%s: %w", s.c.Address, e)
				}
			}()
			for _, d := range s.deps {
				<-d.done
				if d.err != nil {
					if errors.Is(d.err, errInterrupted) {
						s.err = d.err
						return
					}
					failed := d.c.Address
					if d.barrier {
						failed = d.failed
					}
					s.failed = failed
					s.err = fmt.Errorf("%s: not applied because %s failed", s.c.Address, failed)
					return
				}
			}
			if s.barrier {
				return
			}
			if stopped() {
				s.err = errInterrupted
				return
			}
			sem <- struct{}{}
			defer func() { <-sem }()
			// Checked again: a step that waited for a slot while the apply was
			// interrupted must not start (nor record an intent to create) either.
			if stopped() {
				s.err = errInterrupted
				return
			}
			if s.members != nil {
				s.err = runBatch(ctx, s, o, re)
				return
			}
			start := time.Now()
			o.Progress(Event{Address: s.c.Address, Action: s.c.Action, Adopt: s.c.Adopt})
			id, err := "", recheck(ctx, s.c, o)
			if err == nil {
				id, err = runStep(ctx, s.c, o, re)
			}
			if err != nil {
				s.err = fmt.Errorf("%s: %w", s.c.Address, err)
			}
			o.Progress(Event{Address: s.c.Address, Action: s.c.Action, Adopt: s.c.Adopt, Done: true, Elapsed: time.Since(start), Err: s.err, ID: id})
		}(s)
	}
	wg.Wait()
	var errs []error
	notStarted := 0
	for _, s := range steps {
		switch {
		case s.err == nil || s.barrier:
		case errors.Is(s.err, errInterrupted):
			notStarted += max(1, len(s.members))
		default:
			errs = append(errs, s.err)
		}
	}
	if notStarted > 0 {
		// One line for all of them: listing thousands of "not applied" steps after a
		// Ctrl-C would bury the errors of the steps that were in flight.
		errs = append(errs, fmt.Errorf("interrupted: %d steps were not started; run plan again to see what is left", notStarted))
	}
	return errors.Join(errs...)
}

// errInterrupted marks a step that did not start because the apply's context was
// cancelled (Ctrl-C or SIGTERM).
var errInterrupted = errors.New("not started: the apply was interrupted")

// deleteRank orders deletes: what refers to others goes first.
var deleteRank = map[string]int{"send_restriction": 0, "backup_rule": 0, "group": 1, "account": 2, "dns_record": 2, "department": 3, "domain": 4}

// schedule turns changes into steps with their prerequisites.
func schedule(p *Plan) []*step {
	var steps []*step
	byRes := map[string][]*step{}
	var deletes, others []*step
	for _, c := range p.Changes {
		if c.Action == NoOp && !c.Adopt && !c.Forget && !c.Restate && len(c.Rehash) == 0 {
			continue
		}
		s := &step{c: c, done: make(chan struct{})}
		steps = append(steps, s)
		if c.Action == Delete && c.Offboard == "" {
			deletes = append(deletes, s)
			continue
		}
		others = append(others, s)
		r, _ := schema.SplitAddr(c.Address)
		byRes[r] = append(byRes[r], s)
		if b := schema.BlockAddr(c.Address); b != r {
			// A dependency on a module's block from outside the module names the
			// block without module keys: it waits for every instance.
			byRes[b] = append(byRes[b], s)
		}
	}
	byAddr := map[string]*step{}
	for _, s := range others {
		byAddr[s.c.Address] = s
	}
	// wait returns what to wait for to wait for all of group: the group itself when it
	// is small, else one barrier step (made once per name) that waits for the group.
	barriers := map[string]*step{}
	wait := func(name string, group []*step) []*step {
		if len(group) <= 1 {
			return group
		}
		b := barriers[name]
		if b == nil {
			b = &step{c: &Change{Address: name}, deps: group, done: make(chan struct{}), barrier: true}
			barriers[name] = b
			steps = append(steps, b)
		}
		return []*step{b}
	}
	// A mail server refuses an address in a domain it does not serve yet, and a
	// configuration rarely refers to the domain block from an address: addresses wait
	// for the domains being created (deletes already run the other way round).
	var domainCreates []*step
	for _, s := range others {
		if s.c.Type == "domain" && s.c.Action == Create {
			domainCreates = append(domainCreates, s)
		}
	}
	for _, s := range others {
		if s.c.Type == "account" || s.c.Type == "group" {
			s.deps = append(s.deps, wait("every domain create", domainCreates)...)
		}
	}
	for _, s := range others {
		if s.c.Offboard == "delete" {
			// A delete never waits for what it refers to (its handover account
			// waits for it instead).
			for _, o := range others {
				if o.c.Type == "group" {
					s.deps = append(s.deps, o)
				}
			}
			continue
		}
		for _, d := range s.c.Deps {
			// A dependency is a block ("department.sales") or, for offboarding, one
			// instance ("account.staff[\"bob@example.com\"]").
			if one := byAddr[d]; one != nil && strings.Contains(d, "[") {
				s.deps = append(s.deps, one)
				continue
			}
			s.deps = append(s.deps, wait(d, byRes[d])...)
		}
	}
	// Deletes wait for every create and update (which may drop references to what is
	// deleted), then for the deletes of lower rank; departments delete children first.
	sort.SliceStable(deletes, func(i, j int) bool { return deleteRank[deletes[i].c.Type] < deleteRank[deletes[j].c.Type] })
	for i, s := range deletes {
		s.deps = append(s.deps, wait("every create and update", others)...)
		for _, e := range deletes[:i] {
			if deleteRank[e.c.Type] < deleteRank[s.c.Type] {
				s.deps = append(s.deps, e)
			}
		}
		if s.c.Type == "department" {
			for _, e := range deletes {
				if e.c.Type == "department" && e.c.Before.Str("parent") == s.c.ID && e != s {
					s.deps = append(s.deps, e)
				}
			}
		}
	}
	return steps
}

// recordSecretIntent records, before an update that sends a password, the hash of
// the new value in state. Should the call be abandoned (a second Ctrl-C) or the
// process die, the next plan then takes the password as set, like an adopted one,
// instead of sending it again and resetting a password the user may already have
// changed. It returns the commit that undoes the intent when the provider refuses
// the update, or nil when the update sends no secret.
func recordSecretIntent(c *Change, send model.Object, o ApplyOptions) (func(*state.State), error) {
	t := model.Lookup(c.Type)
	var secrets []string
	for _, a := range t.Attrs {
		if _, ok := send[a.Name].(string); ok && a.WriteOnly {
			secrets = append(secrets, a.Name)
		}
	}
	if len(secrets) == 0 {
		return nil, nil
	}
	var prior *state.Resource
	err := o.Writer.Commit(func(s *state.State) {
		r := s.Find(c.Address)
		if r == nil || r.Pending != "" {
			return
		}
		prior = r.Clone()
		r = r.Clone()
		if r.Attrs == nil {
			r.Attrs = model.Object{}
		}
		for _, n := range secrets {
			r.Attrs[n] = s.HashSecret(send.Str(n))
		}
		s.Set(r)
	})
	if err != nil || prior == nil {
		return nil, err
	}
	return func(s *state.State) { s.Set(prior) }, nil
}

// withBaseline returns attrs with the configured values (from after) of the
// write-only attributes that state records without their being sent: an adopted
// object's baseline, and hashes to upgrade (Rehash).
func withBaseline(c *Change, attrs, after model.Object) model.Object {
	if len(c.Baseline) == 0 && len(c.Rehash) == 0 {
		return attrs
	}
	out := attrs.Clone()
	for _, n := range append(append([]string(nil), c.Baseline...), c.Rehash...) {
		if v, ok := after[n].(string); ok {
			out[n] = v
		}
	}
	return out
}

// withoutUnchangedSecrets leaves write-only values (passwords) out of an update
// unless the plan lists them as changing and state's hash does not match them, so an
// update of another attribute never resets a password the user has changed since,
// nor one of an adopted object, whose live value is unknown (Baseline).
func withoutUnchangedSecrets(c *Change, after model.Object, w *state.Writer) model.Object {
	t := model.Lookup(c.Type)
	var prior *state.Resource
	w.Read(func(s *state.State) {
		if r := s.Find(c.Address); r != nil {
			prior = r.Clone()
		}
	})
	out, cloned := after, false
	for _, a := range t.Attrs {
		v, ok := after[a.Name].(string)
		if !a.WriteOnly || !ok {
			continue
		}
		unchanged := prior != nil && prior.Attrs != nil && state.SecretMatches(prior.Attrs.Str(a.Name), v)
		// Only what the plan shows changing is sent: a secret given differently to
		// apply than to plan must not reset a password the plan left alone.
		if unchanged || slices.Contains(c.Baseline, a.Name) || !changesAttr(c, a.Name) {
			if !cloned {
				out, cloned = after.Clone(), true
			}
			delete(out, a.Name)
		}
	}
	return out
}

// stepCycle returns a description of a dependency loop among steps, or "".
func stepCycle(steps []*step) string {
	state := map[*step]int{}
	var path []string
	var visit func(s *step) bool
	visit = func(s *step) bool {
		state[s] = 1
		path = append(path, s.c.Address)
		for _, d := range s.deps {
			if state[d] == 1 || (state[d] == 0 && visit(d)) {
				if state[d] == 1 {
					path = append(path, d.c.Address)
				}
				return true
			}
		}
		path = path[:len(path)-1]
		state[s] = 2
		return false
	}
	for _, s := range steps {
		if state[s] == 0 && visit(s) {
			return strings.Join(path, " → ")
		}
	}
	return ""
}

func runStep(ctx context.Context, c *Change, o ApplyOptions, re *reevaluator) (string, error) {
	prov := o.Providers.ByName[c.Provider]
	if prov == nil {
		return "", fmt.Errorf("provider %s is not configured", c.Provider)
	}
	switch {
	case c.Action == NoOp && c.Adopt:
		attrs := c.Before
		if len(c.Baseline) > 0 {
			after, err := re.desired(c)
			if err != nil {
				return "", err
			}
			attrs = withBaseline(c, c.Before, after)
		}
		return c.ID, o.Writer.Commit(func(s *state.State) {
			s.Set(stateEntry(s, c, c.ID, attrs, s.Find(c.Address), o.Now))
		})
	case c.Action == NoOp && (c.Restate || len(c.Rehash) > 0):
		var after model.Object
		if len(c.Rehash) > 0 {
			var err error
			if after, err = re.desired(c); err != nil {
				return "", err
			}
		}
		return c.ID, o.Writer.Commit(func(s *state.State) {
			if r := s.Find(c.Address); r != nil {
				r = r.Clone()
				r.PreventDestroy = c.PreventDestroy
				for _, n := range c.Rehash {
					// Upgrade the hash only while it still matches: never store a
					// value that was not applied.
					if v, ok := after[n].(string); ok && r.Attrs != nil && state.SecretMatches(r.Attrs.Str(n), v) {
						r.Attrs[n] = s.HashSecret(v)
					}
				}
				s.Set(r)
			}
		})
	case c.Action == NoOp && c.Forget:
		return "", o.Writer.Commit(func(s *state.State) { s.Remove(c.Address) })
	case c.Action == NoOp:
		return "", nil
	case c.Action == Delete:
		err := prov.Delete(ctx, c.Type, c.ID, c.Before)
		if err != nil && !errors.Is(err, providers.ErrNotFound) {
			return "", err
		}
		return "", o.Writer.Commit(func(s *state.State) { s.Remove(c.Address) })
	}
	after, err := re.desired(c)
	if err != nil {
		return "", err
	}
	switch c.Action {
	case Update:
		send := withoutUnchangedSecrets(c, after, o.Writer)
		undo, err := recordSecretIntent(c, send, o)
		if err != nil {
			return "", err
		}
		r, err := prov.Update(ctx, c.Type, c.ID, c.Before, send)
		if err != nil {
			if undo != nil && ctx.Err() == nil {
				// The provider refused: the password was not set.
				if uerr := o.Writer.Commit(undo); uerr != nil {
					err = errors.Join(err, uerr)
				}
			}
			return "", err
		}
		re.setKnown(c.Address, r.ID)
		// An adopted object's configured secret is recorded as its baseline, and
		// an old-scheme hash upgraded, though neither was sent.
		return r.ID, o.Writer.Commit(func(s *state.State) {
			s.Set(stateEntry(s, c, orID(r.ID, c.ID), withBaseline(c, send, after), s.Find(c.Address), o.Now))
		})
	case Replace:
		if err := prov.Delete(ctx, c.Type, c.ID, c.Before); err != nil && !errors.Is(err, providers.ErrNotFound) {
			return "", err
		}
		if err := o.Writer.Commit(func(s *state.State) { s.Remove(c.Address) }); err != nil {
			return "", err
		}
	}
	// Create: record the intent first, so a crash between the create and the state
	// write leaves an entry the next plan finds again by its natural key.
	if err := o.Writer.Commit(func(s *state.State) {
		s.Set(&state.Resource{Address: c.Address, Type: c.Type, Provider: c.Provider, Pending: "create", MatchKey: c.NaturalKey(after)})
	}); err != nil {
		return "", err
	}
	r, err := prov.Create(ctx, c.Type, c.Label, after)
	if err != nil {
		return "", err
	}
	re.setKnown(c.Address, r.ID)
	return r.ID, o.Writer.Commit(func(s *state.State) {
		s.Set(stateEntry(s, c, r.ID, after, nil, o.Now))
	})
}

// NaturalKey returns the natural key (model.Type.MatchKey) of the change's object.
func (c *Change) NaturalKey(after model.Object) string {
	t := model.Lookup(c.Type)
	return t.MatchKey(c.Label, after)
}

func orID(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// stateEntry builds the state of an applied object for st: canonical attributes with
// the provider id, and write-only values replaced by st's hashes (an old-scheme hash
// that still matches is stored again in the current scheme).
func stateEntry(st *state.State, c *Change, id string, attrs model.Object, prior *state.Resource, now time.Time) *state.Resource {
	t := model.Lookup(c.Type)
	a := attrs.Clone()
	if t.Attr("id") != nil {
		a["id"] = id
	}
	for _, at := range t.Attrs {
		if !at.WriteOnly {
			continue
		}
		v, ok := a[at.Name].(string)
		switch {
		case !ok && prior != nil && prior.Attrs != nil && prior.Attrs.Str(at.Name) != "":
			a[at.Name] = prior.Attrs.Str(at.Name)
		case !ok:
			delete(a, at.Name)
		case prior != nil && prior.Attrs != nil && state.SecretMatches(prior.Attrs.Str(at.Name), v) && !state.SecretNeedsUpgrade(prior.Attrs.Str(at.Name)):
			a[at.Name] = prior.Attrs.Str(at.Name)
		default:
			a[at.Name] = st.HashSecret(v)
		}
	}
	r := &state.Resource{Address: c.Address, Type: c.Type, Provider: c.Provider, ID: id, Attrs: a, MatchKey: t.MatchKey(c.Label, a)}
	if prior != nil {
		r.FrozenAt = prior.FrozenAt
	}
	r.PreventDestroy = c.PreventDestroy
	if c.Type == "account" && a.Str("status") == "departed" && r.FrozenAt == nil {
		n := now.UTC()
		r.FrozenAt = &n
	}
	return r
}

// reevaluator evaluates, at apply time, the instances whose planned values were not
// all known at plan time (ids of objects created earlier in the same apply) or that
// hold write-only values (passwords, which plans never carry).
type reevaluator struct {
	mu    sync.Mutex
	g     *graph
	ev    *evaluator
	known map[string]string // address → id learned during apply
	// blocks caches, per resource block, the evaluation of the block and what it
	// depends on. Evaluating the whole configuration again for every new id made
	// applies of thousands of departments quadratic; a block is evaluated again only
	// when an id of something it depends on became known since.
	blocks map[string]*blockEval
	// needs lists, per resource block, the instance addresses whose changes are
	// evaluated again; only those of the block are, so adding 1,000 accounts with
	// passwords to a block of 50,000 evaluates 1,000 instances, not 51,000.
	needs map[string]map[string]bool
}

// blockEval is the cached evaluation of one resource block.
type blockEval struct {
	deps  map[string]bool      // the block and every node it depends on
	insts map[string]*Instance // the block's instances; nil when stale
}

func newReevaluator(o ApplyOptions, p *Plan) (*reevaluator, error) {
	g, diags := buildGraph(o.Config)
	if diags.HasErrors() {
		return nil, fmt.Errorf("configuration: %s", diagText(diags))
	}
	re := &reevaluator{g: g, ev: newEvaluator(o.Config, g, o.Vars), known: map[string]string{},
		blocks: map[string]*blockEval{}, needs: map[string]map[string]bool{}}
	for _, c := range p.Changes {
		if c.ID != "" {
			re.known[c.Address] = c.ID
		}
		if needsEval(c) {
			block := schema.BlockAddr(c.Address)
			if re.needs[block] == nil {
				re.needs[block] = map[string]bool{}
			}
			re.needs[block][c.Address] = true
		}
	}
	return re, nil
}

// needsEval reports whether a change's object must come from the configuration at
// apply time: some values were unknown at plan time, or it holds write-only values.
func needsEval(c *Change) bool {
	if model.IsUnknown(c.After) {
		return true
	}
	for _, a := range model.Lookup(c.Type).Attrs {
		if a.WriteOnly && c.After[a.Name] != nil {
			return true
		}
	}
	return false
}

func (re *reevaluator) setKnown(addr, id string) {
	if id == "" {
		return
	}
	re.mu.Lock()
	defer re.mu.Unlock()
	if re.known[addr] == id {
		return
	}
	re.known[addr] = id
	// A block never refers to its own instances, so its own new ids leave it valid.
	block := schema.BlockAddr(addr)
	for b, be := range re.blocks {
		if b != block && be.deps[block] {
			be.insts = nil
		}
	}
}

// desired returns the object to send for a change: the plan's value when it is fully
// known and carries no write-only value, else the configuration evaluated again with
// the ids known now, checked against the plan.
func (re *reevaluator) desired(c *Change) (model.Object, error) {
	t := model.Lookup(c.Type)
	if !needsEval(c) {
		return c.After, nil
	}
	re.mu.Lock()
	defer re.mu.Unlock()
	block := schema.BlockAddr(c.Address)
	be := re.blocks[block]
	if be == nil {
		be = &blockEval{deps: re.g.closure(block)}
		re.blocks[block] = be
	}
	if be.insts == nil {
		known := make(map[string]model.Object, len(re.known))
		for a, id := range re.known {
			known[a] = model.Object{"id": id}
		}
		want := re.needs[block]
		if want == nil || !want[c.Address] {
			want = nil // a change the plan did not list: evaluate the whole block
		}
		insts, diags := re.ev.runNodesOnly(func(a string) model.Object { return known[a] }, be.deps, block, want)
		if diags.HasErrors() {
			return nil, fmt.Errorf("evaluating configuration: %s", diagText(diags))
		}
		be.insts = map[string]*Instance{}
		for _, in := range insts {
			if in.Res.Addr() == block {
				be.insts[in.Addr] = in
			}
		}
	}
	if in := be.insts[c.Address]; in != nil {
		// Apply exactly the plan: only what the plan could not hold (values known
		// after apply, write-only secrets) comes from the configuration now.
		out := c.After.Clone()
		for _, a := range t.Attrs {
			if a.Computed {
				continue
			}
			if model.IsUnknown(c.After[a.Name]) || (a.WriteOnly && c.After[a.Name] != nil) {
				if v, ok := in.Desired[a.Name]; ok {
					out[a.Name] = v
				} else {
					delete(out, a.Name)
				}
			}
		}
		if model.IsUnknown(stripComputed(t, out)) {
			return nil, fmt.Errorf("some values are still unknown after their dependencies were applied")
		}
		return out, nil
	}
	return nil, fmt.Errorf("the configuration no longer declares it; run plan again")
}

func stripComputed(t *model.Type, o model.Object) model.Object {
	c := o.Clone()
	for _, a := range t.Attrs {
		if a.Computed {
			delete(c, a.Name)
		}
	}
	return c
}

func diagText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Subject != nil {
			s = d.Subject.String() + ": " + s
		}
		if d.Detail != "" {
			s += ": " + d.Detail
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
