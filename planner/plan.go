package planner

import (
	"context"
	"fmt"
	"runtime"
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

// Action is what a plan does to one resource instance.
type Action string

// The plan actions.
const (
	NoOp    Action = "no-op"
	Create  Action = "create"
	Update  Action = "update"
	Replace Action = "replace"
	Delete  Action = "delete"
)

// Symbol is the one-character mark of an action in human output.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Replace:
		return "-/+"
	case Delete:
		return "-"
	}
	return " "
}

// Change is the plan for one resource instance.
type Change struct {
	Address  string `json:"address"`
	Type     string `json:"type"`
	Provider string `json:"provider"`
	Action   Action `json:"action"`
	// ID is the provider id of the live object (update, replace, delete).
	ID string `json:"id,omitempty"`
	// Before is the live object as refresh saw it (canonical); nil for a create.
	Before model.Object `json:"before,omitempty"`
	// After is the planned object; nil for a delete. Unknown values are known after
	// apply; sensitive values are left to the configuration (see Sensitive).
	After model.Object `json:"after,omitempty"`
	// Attrs lists the attribute-level differences of an update or replace.
	Attrs []model.AttrChange `json:"attributes,omitempty"`
	// Adopt is true when the object exists live but state did not know it: apply
	// records it in state (after a crash, or an import).
	Adopt bool `json:"adopt,omitempty"`
	// Baseline lists the write-only attributes (passwords) of an adopted object: the
	// live value cannot be read, so apply records the configured value's hash as the
	// baseline without setting it; only a later change in the configuration sets it.
	Baseline []string `json:"baseline,omitempty"`
	// MatchKey is the natural key the object can be found by again.
	MatchKey string `json:"match_key,omitempty"`
	// Reason explains the action where it is not obvious.
	Reason string `json:"reason,omitempty"`
	// Offboard is the offboarding stage of a departed account: "freeze" (first apply),
	// "pending" (retention running), "delete" (retention over), "done" (deleted).
	Offboard string `json:"offboard,omitempty"`
	// Forget is true for a state entry whose object is gone and that the
	// configuration no longer has: apply drops it from state.
	Forget bool `json:"forget,omitempty"`
	// PreventDestroy is the configuration's lifecycle.prevent_destroy, recorded in
	// state with the object.
	PreventDestroy bool `json:"prevent_destroy,omitempty"`
	// Restate is true when only the state entry changes (prevent_destroy set or
	// cleared).
	Restate bool `json:"restate,omitempty"`
	// Rehash lists the write-only attributes whose stored hash uses an older, fast
	// scheme and still matches the configured value: apply stores it again in the
	// current scheme without changing the password.
	Rehash []string `json:"rehash,omitempty"`
	// DueDate is when a departed account's retention ends.
	DueDate *time.Time `json:"due_date,omitempty"`
	// Deps lists the addresses this change must wait for.
	Deps []string `json:"depends_on,omitempty"`
	// Label is the instance name (address without the type), the identity of
	// label-identity types.
	Label string `json:"label"`
	// Reverts names the attributes someone changed outside mailform (live differs
	// from what was last applied, while the configuration did not change) that this
	// update sets back.
	Reverts []string `json:"reverts_outside,omitempty"`
	// Scope is, for a send_restriction or backup_rule, who it covers after expansion.
	Scope *Scope `json:"applies_to,omitempty"`
}

// Move is a state rename from a moved block.
type Move struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Plan is the result of planning: data only, rendered by package views.
type Plan struct {
	Changes []*Change `json:"changes"`
	Moves   []Move    `json:"moves,omitempty"`
	// Lineage and Serial are those of the state the plan was made against.
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
	// Refreshed is false when the plan compared with state only (-refresh=false).
	Refreshed bool `json:"refreshed"`
	// Warnings are non-fatal findings to show with the plan.
	Warnings []string `json:"warnings,omitempty"`
	// WithheldVars, in a plan read from a file, are the sensitive variables whose
	// values the file does not hold; apply must be given them again.
	WithheldVars []string `json:"-"`
	// Findings are the warnings planning found in the configuration (lint rules such
	// as SPF-NO-ALL): they travel with the plan, saved plans included, so a reviewer
	// reading any rendering of it sees them.
	Findings []Finding `json:"findings,omitempty"`
	// Targets are the provider instances the plan was made against, so a plan for
	// the sandbox never reads like one for production.
	Targets []Target `json:"targets,omitempty"`
	// OutputChanges are how the root outputs change (see PlanOutputs).
	OutputChanges []OutputChange `json:"output_changes,omitempty"`
	// Workspace is the CLI workspace the plan was made in ("" is default); a saved
	// plan is applied only in it.
	Workspace string `json:"workspace,omitempty"`
}

// Target is one configured provider instance and the settings that say where it
// points (endpoint, server, directory, tenant id); never a secret.
type Target struct {
	Name     string      `json:"name"`
	Kind     string      `json:"kind"`
	Settings [][2]string `json:"settings,omitempty"`
}

// Finding is one warning about the configuration, kept with the plan.
type Finding struct {
	// Rule is the lint rule's id (SPF-NO-ALL), empty for other warnings.
	Rule    string `json:"rule,omitempty"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
	// File and Line are where in the configuration it points, when it points.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// FindingsOf returns the warnings among diags as plan findings, the lint rule's id
// taken out of a "[RULE] summary".
func FindingsOf(diags hcl.Diagnostics) []Finding {
	var out []Finding
	for _, d := range diags {
		if d.Severity != hcl.DiagWarning {
			continue
		}
		f := Finding{Summary: d.Summary, Detail: d.Detail}
		if rest, ok := strings.CutPrefix(d.Summary, "["); ok {
			if id, sum, ok := strings.Cut(rest, "] "); ok && id != "" && !strings.ContainsAny(id, " ]") {
				f.Rule, f.Summary = id, sum
			}
		}
		if d.Subject != nil {
			f.File, f.Line = d.Subject.Filename, d.Subject.Start.Line
		}
		out = append(out, f)
	}
	return out
}

// Counts returns how many instances are added, changed and destroyed.
func (p *Plan) Counts() (add, change, destroy int) {
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			add++
		case Update:
			change++
		case Replace:
			add++
			destroy++
		case Delete:
			destroy++
		}
	}
	return
}

// HasChanges reports whether applying the plan would change anything, state included.
func (p *Plan) HasChanges() bool {
	if len(p.Moves) > 0 {
		return true
	}
	for _, c := range p.Changes {
		if c.Action != NoOp || c.Adopt || c.Forget || c.Restate || len(c.Rehash) > 0 {
			return true
		}
	}
	return false
}

// Options are the inputs of Plan.
type Options struct {
	Config *schema.Config
	Vars   map[string]cty.Value
	State  *state.State
	// PendingState, read by MakePlan when State is nil, is the state still being
	// loaded: the configuration is evaluated meanwhile and waits for it only where
	// it needs it. If it fails to load, MakePlan returns no plan and one error; the
	// caller reports PendingState's error as it would have reported Load's.
	PendingState *StateFuture
	Providers    *ProviderSet
	// Refresh reads live objects; false compares with state only.
	Refresh bool
	// Targets limits the plan to these addresses (resource or instance) and their
	// dependencies.
	Targets []string
	// AllowDelete lists account addresses (emails) that may be deleted.
	AllowDelete []string
	// Force allows a mass change above the guard's threshold.
	Force bool
	// Replace lists instance addresses to replace though they did not change
	// (-replace): see planReplace.
	Replace []string
	Now     time.Time
	// Reads, when set, is told when each collection read of the refresh starts and
	// ends, so a long read can be shown as progress; it is called concurrently.
	Reads func(ReadEvent)
}

// ReadEvent is the start (Done false) or the end of reading one collection: one
// resource type from one provider.
type ReadEvent struct {
	Provider, Type string
	Done           bool
	// Count is how many live objects were read; Elapsed how long it took.
	Count   int
	Elapsed time.Duration
	Err     error
}

// createIntentOf reports whether to is only the intent of a create that never
// completed (an apply that failed, or ran before the moved block was written) of the
// same object as from: its natural key names the same live object, so a moved block
// may take its address.
func createIntentOf(to, from *state.Resource) bool {
	return to.Pending == "create" && to.ID == "" && to.MatchKey != "" && to.MatchKey == from.MatchKey
}

// MakePlan refreshes live objects and compares them with the configuration.
func MakePlan(ctx context.Context, o Options) (*Plan, hcl.Diagnostics) {
	g, diags := buildGraph(o.Config)
	future := o.PendingState
	if o.State != nil || future == nil {
		future = LoadedState(o.State)
	}
	p := &Plan{}
	// Planning reads state; only moved blocks change it, on a copy. Apply clones an
	// entry before changing it, so sharing the caller's state otherwise is safe, and
	// spares a deep copy of every entry.
	var st *state.State
	if len(o.Config.Moved) > 0 {
		loaded, err := future.Wait()
		if err != nil {
			return nil, stateFailed(err)
		}
		o.State, st = loaded, loaded.Clone()
		future = LoadedState(st)
	}
	for _, m := range expandMoved(o.Config.Moved, st) {
		if st.Find(m.From) == nil {
			continue // already moved, or never existed
		}
		if to := st.Find(m.To); to != nil && !createIntentOf(to, st.Find(m.From)) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved onto an existing address",
				Detail: fmt.Sprintf("Both %s and %s are in state. Remove one with mailform state rm before moving.", m.From, m.To), Subject: m.DeclRange.Ptr()})
			continue
		}
		if st.Find(m.To) != nil {
			st.Remove(m.To)
		}
		if err := st.Move(m.From, m.To); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot move", Detail: err.Error(), Subject: m.DeclRange.Ptr()})
			continue
		}
		p.Moves = append(p.Moves, Move{From: m.From, To: m.To})
	}
	assign, d, pending := o.Providers.assignBlocks(o.Config)
	diags = append(diags, d...)
	ev := newEvaluator(o.Config, g, o.Vars)
	// The provider ids of existing objects come from state: the blocks that need
	// them wait for it, the others are evaluated while it loads.
	ids := sync.OnceValue(func() map[string]string {
		loaded, err := future.Wait()
		if err != nil {
			return nil
		}
		return computedIDs(loaded)
	})
	ev.lateIDs = true
	ev.stateDone = future.done
	select {
	case <-future.done:
	default:
		// The state's decoding takes a core of its own until it is done: the
		// evaluation of what does not need it shares the others.
		ev.slots = newSlots(runtime.GOMAXPROCS(0))
		ev.slots.acquire(0, 0)
		go func() {
			future.Wait()
			ev.slots.release()
		}()
	}
	insts, d := ev.run(func(a string) model.Object { return idObject(ids(), a) })
	loaded, err := future.Wait()
	if err != nil {
		return nil, stateFailed(err)
	}
	if st == nil {
		o.State, st = loaded, loaded
	}
	p.Lineage, p.Serial = o.State.Lineage, o.State.Serial
	computed := ids()
	diags = appendNew(diags, d)
	for _, in := range insts {
		in.Provider = assign[in.Res.Addr()]
	}
	diags = append(diags, unserved(pending, insts)...)
	// The checks and the read requests only read the instances: they are made at
	// once; the requests serve only once the checks found nothing wrong.
	var checks, lints hcl.Diagnostics
	var reqs map[liveKey]*providers.ReadRequest
	concurrently(
		func() { checks = crossCheck(insts, o.Providers) },
		// The email-DNS rules run on every plan too: a broken SPF or MX never ships.
		func() { lints = lintDNS(insts, o.Providers) },
		func() { reqs = readRequests(o, st, insts) },
	)
	diags = appendNew(diags, checks)
	diags = appendNew(diags, lintResults(diags, lints))
	if diags.HasErrors() {
		return nil, diags
	}
	live, err := refreshRequests(ctx, o, st, reqs)
	if err != nil {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read live objects", Detail: err.Error()})
	}
	// Ids of objects found live may differ from what state said (an object recreated
	// in the console, or one adopted after a crash): evaluate again until stable.
	var m *matching
	for round := 0; round < 16; round++ {
		m = match(o, st, insts, live)
		changed := false
		for _, in := range insts {
			if lo := m.live[in.Addr]; lo != nil && in.Res.Spec.Attr("id") != nil {
				if computed[in.Addr] != lo.ID {
					computed[in.Addr] = lo.ID
					changed = true
				}
			} else if _, ok := computed[in.Addr]; ok && m.live[in.Addr] == nil && o.Refresh {
				delete(computed, in.Addr)
				changed = true
			}
		}
		if !changed {
			break
		}
		insts, d = ev.run(func(a string) model.Object { return idObject(computed, a) })
		if d.HasErrors() {
			return nil, append(diags, d...)
		}
		for _, in := range insts {
			in.Provider = assign[in.Res.Addr()]
		}
	}
	off := planOffboarding(o, st, insts, m)
	p.Changes = diffAll(o, st, insts, m, g, live)
	off.annotate(p.Changes)
	diags = append(diags, planReplace(o, p)...)
	annotateScopes(p.Changes)
	diags = append(diags, safetyChecks(o, st, p)...)
	diags = append(diags, renameChecks(p)...)
	diags = append(diags, departmentDeleteChecks(p, live)...)
	if len(o.Targets) > 0 {
		for _, t := range o.Targets {
			found := false
			for _, c := range p.Changes {
				if schema.Within(c.Address, t) {
					found = true
					break
				}
			}
			if !found {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Target matches nothing",
					Detail: fmt.Sprintf("-target %s names no resource in the configuration or state. Check the address (mailform state list shows what is in state).", t)})
			}
		}
		p.Changes = filterTargets(p.Changes, o.Targets)
	}
	if !diags.HasErrors() {
		// Account limits (a DNS plan's minimum TTL) are read only for a plan that
		// could otherwise be applied, and only for the changes it holds.
		diags = append(diags, planChecks(ctx, o, p.Changes, insts)...)
	}
	p.Refreshed = o.Refresh
	p.Findings = FindingsOf(diags)
	p.Targets = o.Providers.Targets()
	return p, diags
}

// computedIDs is the provider id of every object state knows to exist, by address:
// strings, not an object per address, which would be ~300 bytes each for the whole
// plan.
func computedIDs(st *state.State) map[string]string {
	out := make(map[string]string, len(st.Resources))
	for _, r := range st.Resources {
		if r.ID != "" && r.Pending == "" {
			out[r.Address] = r.ID
		}
	}
	return out
}

// idObject is the computed attributes known for addr: its id in ids, nil when ids
// has none.
func idObject(ids map[string]string, addr string) model.Object {
	if id, ok := ids[addr]; ok {
		return model.Object{"id": id}
	}
	return nil
}

// stateFailed is MakePlan's answer when its PendingState failed to load.
func stateFailed(err error) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read state", Detail: err.Error()}}
}

// liveSet is the refreshed objects of one provider and type.
type liveSet struct {
	byID  map[string]*providers.Remote
	byKey map[string]*providers.Remote
}

type liveKey struct{ provider, typ string }

// readRequests is the read of every collection the configuration (insts) or state
// touches, by provider and type, with the zones of each sorted.
func readRequests(o Options, st *state.State, insts []*Instance) map[liveKey]*providers.ReadRequest {
	// Count first, so that each request's keys and applied objects are made their
	// final size rather than grown (and copied) through tens of thousands.
	sizes := map[liveKey]int{}
	for _, in := range insts {
		sizes[liveKey{in.Provider, in.Res.Spec.Name}]++
	}
	for _, sr := range st.Resources {
		sizes[liveKey{sr.Provider, sr.Type}]++
	}
	reqs := map[liveKey]*providers.ReadRequest{}
	req := func(p, t string) *providers.ReadRequest {
		k := liveKey{p, t}
		if reqs[k] == nil {
			reqs[k] = &providers.ReadRequest{Type: t, Detail: map[string]bool{}, Keys: make([]string, 0, 2*sizes[k])}
		}
		return reqs[k]
	}
	zones := map[liveKey]map[string]bool{}
	addZone := func(k liveKey, z string) {
		if z == "" {
			return
		}
		if zones[k] == nil {
			zones[k] = map[string]bool{}
		}
		zones[k][model.CanonicalDomain(z)] = true
	}
	for _, in := range insts {
		t := in.Res.Spec
		r := req(in.Provider, t.Name)
		if key := t.MatchKey(labelOf(in.Addr), in.Desired); key != "" {
			r.Keys = append(r.Keys, key)
			if needsDetail(t, in.Desired) {
				r.Detail[key] = true
			}
		}
		if t == model.DNSRecord {
			addZone(liveKey{in.Provider, t.Name}, in.Desired.Str("zone"))
		}
	}
	for _, sr := range st.Resources {
		if _, ok := o.Providers.ByName[sr.Provider]; !ok {
			continue
		}
		r := req(sr.Provider, sr.Type)
		if sr.ID != "" {
			r.Keys = append(r.Keys, sr.ID)
			if sr.Attrs != nil && sr.Pending == "" {
				if r.Applied == nil {
					r.Applied = make(map[string]model.Object, sizes[liveKey{sr.Provider, sr.Type}])
				}
				r.Applied[sr.ID] = sr.Attrs
			}
		}
		if sr.MatchKey != "" {
			r.Keys = append(r.Keys, sr.MatchKey)
		}
		if sr.Type == "dns_record" && sr.Attrs != nil {
			addZone(liveKey{sr.Provider, sr.Type}, sr.Attrs.Str("zone"))
		}
	}
	for k, r := range reqs {
		if len(r.Keys) == 0 {
			r.Keys = nil // as when nothing was ever appended
		}
		for z := range zones[k] {
			r.Zones = append(r.Zones, z)
		}
		sort.Strings(r.Zones)
	}
	return reqs
}

// needsDetail reports whether reading o needs its optional, expensive attributes
// (ReadRequest.Detail): an account that sets any of its options.
func needsDetail(t *model.Type, o model.Object) bool {
	return t == model.Account && (o["imap_smtp"] != nil || o["pop_smtp"] != nil || o["force_secure_login"] != nil)
}

// readResult is the outcome of reading one collection.
type readResult struct {
	k   liveKey
	ls  *liveSet
	err error
}

// startRead reads one collection in its own goroutine and sends the outcome on ch.
func startRead(ctx context.Context, o Options, k liveKey, r providers.ReadRequest, ch chan<- readResult) {
	go func() {
		defer func() {
			if e := crash.Recovered(recover()); e != nil {
				ch <- readResult{k: k, err: e}
			}
		}()
		start := time.Now()
		if o.Reads != nil {
			o.Reads(ReadEvent{Provider: k.provider, Type: k.typ})
		}
		rs, err := o.Providers.ByName[k.provider].Read(ctx, r)
		if o.Reads != nil {
			o.Reads(ReadEvent{Provider: k.provider, Type: k.typ, Done: true, Count: len(rs), Elapsed: time.Since(start), Err: err})
		}
		if err != nil {
			ch <- readResult{k: k, err: err}
			return
		}
		ch <- readResult{k: k, ls: indexLive(k.typ, rs)}
	}()
}

// refresh reads every collection the configuration or state touches, one Read per
// provider and type, in parallel. It runs only once the configuration has been
// evaluated and checked: a configuration with errors never touches a provider (the
// sandbox writes its store when opened, the postfix provider migrates its schema).
func refresh(ctx context.Context, o Options, st *state.State, insts []*Instance) (map[liveKey]*liveSet, error) {
	return refreshRequests(ctx, o, st, readRequests(o, st, insts))
}

// refreshRequests is refresh of the requests readRequests made.
func refreshRequests(ctx context.Context, o Options, st *state.State, reqs map[liveKey]*providers.ReadRequest) (map[liveKey]*liveSet, error) {
	out := map[liveKey]*liveSet{}
	if !o.Refresh {
		for k := range reqs {
			out[k] = fromState(st, k)
		}
		return out, nil
	}
	ch := make(chan readResult, len(reqs))
	for k, r := range reqs {
		startRead(ctx, o, k, *r, ch)
	}
	// One cause (a locked sandbox, bad credentials) fails every type of a provider:
	// say it once, with the types it stopped.
	failed := map[string][]string{} // "provider: error" → types
	for range reqs {
		r := <-ch
		if r.err != nil {
			key := "provider " + r.k.provider + ": " + r.err.Error()
			failed[key] = append(failed[key], r.k.typ)
			continue
		}
		out[r.k] = r.ls
	}
	if len(failed) > 0 {
		var errs []string
		for msg, types := range failed {
			sort.Strings(types)
			errs = append(errs, fmt.Sprintf("%s (reading %s)", msg, strings.Join(types, ", ")))
		}
		sort.Strings(errs)
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// canonicalLive is a read object's attributes in canonical form, with the provider id
// as the id attribute where the type has one: the form plans compare with.
func canonicalLive(t *model.Type, r *providers.Remote) model.Object {
	o := model.Canonical(t, r.Attrs)
	if t.Attr("id") != nil {
		o["id"] = r.ID
	}
	return o
}

func indexLive(typ string, rs []providers.Remote) *liveSet {
	t := model.Lookup(typ)
	ls := &liveSet{byID: make(map[string]*providers.Remote, len(rs)), byKey: make(map[string]*providers.Remote, len(rs))}
	for i := range rs {
		r := &rs[i]
		r.Attrs = canonicalLive(t, r)
		ls.byID[r.ID] = r
		key := r.ID
		if !t.LabelIdentity {
			key = t.MatchKey("", r.Attrs)
		}
		if key != "" {
			ls.byKey[key] = r
		}
	}
	return ls
}

// fromState stands in for a refresh with -refresh=false: state is taken as live.
func fromState(st *state.State, k liveKey) *liveSet {
	var rs []providers.Remote
	for _, r := range st.Resources {
		if r.Provider == k.provider && r.Type == k.typ && r.ID != "" && r.Pending == "" {
			rs = append(rs, providers.Remote{ID: r.ID, Attrs: r.Attrs.Clone()})
		}
	}
	return indexLive(k.typ, rs)
}

// labelOf returns the instance name of an address: `alice` or `staff["k"]`, without
// the module path.
func labelOf(addr string) string {
	_, addr = schema.SplitModule(addr)
	_, rest, _ := strings.Cut(addr, ".")
	return rest
}

// matching pairs configuration instances and state entries with live objects.
type matching struct {
	live    map[string]*providers.Remote // instance address → live object
	adopted map[string]bool              // found by natural key or import, not by state
	claimed map[liveKey]map[string]bool  // live ids taken
}

func match(o Options, st *state.State, insts []*Instance, live map[liveKey]*liveSet) *matching {
	// Sized at once, the maps do not grow (rehashing every entry) as they fill.
	m := &matching{live: make(map[string]*providers.Remote, len(insts)), adopted: map[string]bool{}, claimed: map[liveKey]map[string]bool{}}
	claim := func(k liveKey, id string) {
		if m.claimed[k] == nil {
			m.claimed[k] = make(map[string]bool, len(live[k].byID))
		}
		m.claimed[k][id] = true
	}
	// State entries claim their objects first, so natural-key matching never steals one.
	for _, sr := range st.Resources {
		k := liveKey{sr.Provider, sr.Type}
		if ls := live[k]; ls != nil && sr.ID != "" && sr.Pending == "" {
			if lo := ls.byID[sr.ID]; lo != nil {
				claim(k, lo.ID)
			}
		}
	}
	imports := map[string]string{}
	for _, im := range o.Config.Imports {
		if v, d := im.ID.Value(nil); !d.HasErrors() && v.Type() == cty.String {
			imports[im.To] = v.AsString()
		}
	}
	for _, in := range insts {
		k := liveKey{in.Provider, in.Res.Type}
		ls := live[k]
		if ls == nil {
			continue
		}
		if sr := st.Find(in.Addr); sr != nil && sr.ID != "" && sr.Pending == "" && sr.Provider == in.Provider {
			if lo := ls.byID[sr.ID]; lo != nil {
				m.live[in.Addr] = lo
				continue
			}
		}
		var lo *providers.Remote
		if id, ok := imports[in.Addr]; ok {
			lo = ls.byID[id]
			if lo == nil {
				lo = ls.byKey[strings.ToLower(id)]
			}
		}
		if lo == nil {
			if key := in.Res.Spec.MatchKey(labelOf(in.Addr), in.Desired); key != "" {
				lo = ls.byKey[key]
			}
		}
		if lo != nil && !m.claimed[k][lo.ID] {
			claim(k, lo.ID)
			m.live[in.Addr] = lo
			m.adopted[in.Addr] = true
		}
	}
	return m
}
