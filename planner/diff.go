package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// diffAll computes the change of every configuration instance and of every state entry
// the configuration no longer has. The instances are diffed on every core: each
// change depends only on its instance, its state entry and its live object.
func diffAll(o Options, st *state.State, insts []*Instance, m *matching, g *graph, live map[liveKey]*liveSet) []*Change {
	out := make([]*Change, len(insts), len(insts)+len(st.Resources)/8)
	inConfig := make(map[string]bool, len(insts))
	readable := readableCache{}
	entries := make([]*state.Resource, len(insts))
	for i, in := range insts {
		inConfig[in.Addr] = true
		// Looked up here, once: Find takes the state's lock, which the workers
		// would contend for. The readable cache is filled here too, so that the
		// workers only read it.
		entries[i] = st.Find(in.Addr)
		if p := o.Providers.ByName[in.Provider]; p != nil {
			readable.get(p, in.Provider, in.Res.Spec.Name)
		}
	}
	parallelFor(len(insts), func(i int) {
		out[i] = diffInstance(o, entries[i], insts[i], m, g, readable)
	})
	for _, sr := range st.Resources {
		if inConfig[sr.Address] {
			continue
		}
		c := &Change{Address: sr.Address, Type: sr.Type, Provider: sr.Provider, Action: Delete, ID: sr.ID, Before: sr.Attrs, MatchKey: sr.MatchKey, Label: labelOf(sr.Address), PreventDestroy: sr.PreventDestroy}
		if o.Refresh {
			// Delete what is live now; a pending create that never happened needs nothing.
			lo := findLive(sr, m, live)
			if lo == nil {
				c.Action = NoOp
				c.Forget = true
				c.Reason = "gone: no longer in configuration and not found live; apply drops it from state"
			} else {
				c.ID = lo.ID
				c.Before = lo.Attrs
			}
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b *Change) int { return strings.Compare(a.Address, b.Address) })
	return out
}

// findLive finds the live object of a state entry: by id, or by natural key for a
// create whose outcome was not recorded.
func findLive(sr *state.Resource, m *matching, live map[liveKey]*liveSet) *providers.Remote {
	k := liveKey{sr.Provider, sr.Type}
	ls := live[k]
	if ls == nil {
		return nil
	}
	if sr.ID != "" && sr.Pending == "" {
		return ls.byID[sr.ID]
	}
	if lo := ls.byKey[sr.MatchKey]; lo != nil && sr.MatchKey != "" && !m.claimed[k][lo.ID] {
		return lo
	}
	return nil
}

// readableCache holds readableAttrs per provider instance and type, computed once
// per plan rather than once per instance.
type readableCache map[liveKey]map[string]bool

func (rc readableCache) get(p providers.Provider, provider, typ string) map[string]bool {
	k := liveKey{provider, typ}
	if m, ok := rc[k]; ok {
		return m
	}
	m := readableAttrs(p, typ)
	rc[k] = m
	return m
}

// diffInstance computes the change of one instance, whose state entry is sr (or nil).
// It only reads what it is given, so instances can be diffed concurrently.
func diffInstance(o Options, sr *state.Resource, in *Instance, m *matching, g *graph, readable readableCache) *Change {
	t := in.Res.Spec
	c := &Change{Address: in.Addr, Type: t.Name, Provider: in.Provider, After: in.Desired, Label: labelOf(in.Addr),
		MatchKey: t.MatchKey(labelOf(in.Addr), in.Desired), PreventDestroy: in.Res.Lifecycle.PreventDestroy}
	defer func() {
		if c.Action == NoOp && !c.Adopt && sr != nil && sr.Pending == "" && sr.PreventDestroy != c.PreventDestroy {
			c.Restate = true
		}
	}()
	if n := g.nodes[in.Res.Addr()]; n != nil {
		c.Deps = append(c.Deps, instanceDeps(in, n.deps, g)...)
	}
	lo := m.live[in.Addr]
	if lo == nil {
		c.Action = Create
		if sr != nil && sr.Pending == "" && o.Refresh {
			c.Reason = "not found live: it was deleted outside mailform"
		}
		return c
	}
	c.ID = lo.ID
	c.Before = lo.Attrs
	c.Adopt = m.adopted[in.Addr]
	ignore := in.Res.Lifecycle.IgnoreChanges
	if in.Res.Lifecycle.IgnoreAll {
		c.Action = NoOp
		return c
	}
	before := liveAsIntended(t, lo.Attrs, in.Desired)
	// What the provider cannot read (engine-managed settings) is compared with what
	// was last applied. The live object is shared with the plan's Before: copy it
	// only when something must be put in.
	if p := o.Providers.ByName[in.Provider]; p != nil {
		sup := readable.get(p, in.Provider, t.Name)
		copied := false
		for _, a := range t.Attrs {
			if !sup[a.Name] && !a.Computed {
				var v any
				if sr != nil && sr.Attrs != nil {
					v = sr.Attrs[a.Name]
				}
				if cur, ok := before[a.Name]; (v == nil && !ok) || (ok && sameScalar(cur, v)) {
					continue
				}
				if !copied {
					before, copied = before.Clone(), true
				}
				if sr != nil && sr.Attrs != nil {
					before[a.Name] = v
				} else {
					delete(before, a.Name)
				}
			}
		}
	}
	c.Attrs = model.Diff(t, before, in.Desired, ignore)
	for _, a := range t.Attrs {
		if !a.WriteOnly {
			continue
		}
		v, ok := in.Desired[a.Name].(string)
		if !ok {
			continue
		}
		var prior string
		if sr != nil && sr.Attrs != nil {
			prior, _ = sr.Attrs[a.Name].(string)
		}
		matches := prior != "" && state.SecretMatches(prior, v)
		// An old, fast hash is upgraded even when changes are ignored (the
		// examples ignore the initial password): it is what a stolen state exposes.
		if matches && state.SecretNeedsUpgrade(prior) {
			c.Rehash = append(c.Rehash, a.Name)
		}
		if ignore[a.Name] {
			continue
		}
		if !matches {
			if prior == "" && c.Adopt {
				// Adopting: the live secret cannot be read, and it may be one the
				// user chose; the configured value becomes the baseline unset.
				c.Baseline = append(c.Baseline, a.Name)
				continue
			}
			c.Attrs = append(c.Attrs, model.AttrChange{Name: a.Name, Before: prior != "", After: true, Sensitive: true})
		}
	}
	if len(c.Attrs) > 0 && sr != nil && sr.Attrs != nil && sr.Pending == "" && !c.Adopt {
		// An attribute the configuration did not change since the last apply, whose
		// live value differs, was changed outside mailform: say the plan reverts it.
		configChanged := map[string]bool{}
		for _, a := range model.Diff(t, sr.Attrs, in.Desired, ignore) {
			configChanged[a.Name] = true
		}
		for _, a := range c.Attrs {
			if !a.Sensitive && !configChanged[a.Name] {
				c.Reverts = append(c.Reverts, a.Name)
			}
		}
	}
	c.Action = NoOp
	for _, a := range c.Attrs {
		if a.ForcesReplacement {
			c.Action = Replace
			break
		}
		c.Action = Update
	}
	return c
}

// safetyChecks refuses plans that would lose mail: deleting an account that left the
// configuration, and mass deletes or freezes.
func safetyChecks(o Options, st *state.State, p *Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	allow := map[string]bool{}
	for _, a := range o.AllowDelete {
		allow[strings.ToLower(a)] = true
	}
	managed, affected, resets := 0, 0, 0
	for _, c := range p.Changes {
		if c.Type != "account" {
			continue
		}
		// The base is the accounts that exist now: rows added to the same CSV must
		// not dilute a mass freeze or delete.
		if c.Action != Create {
			managed++
		}
		deleting := c.Action == Delete || c.Action == Replace
		if deleting && c.Offboard != "delete" {
			email := ""
			if c.Before != nil {
				email = c.Before.Str("email")
			}
			if !allow[email] && !allow[c.Address] {
				why := "it is no longer in the configuration"
				if c.Action == Replace {
					why = "its email changed, which replaces the mailbox"
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Refusing to delete mailbox " + email,
					Detail: fmt.Sprintf("%s would be deleted because %s, and its mail would be lost. To offboard someone, keep the block and set status = \"departed\" (with an offboarding block): the account is frozen now and deleted after the retention period. To stop managing it without deleting, run: mailform state rm %s. To delete it now, run plan/apply with -allow-delete=%s.", c.Address, why, c.Address, email)})
				continue
			}
		}
		if c.Action == Update && changesAttr(c, "password") {
			resets++
		}
		if deleting || c.Offboard == "freeze" || (c.Action == Update && statusChangesTo(c, "frozen", "departed")) {
			affected++
		}
	}
	pct, minN := 20, 10
	if o.Config.Settings != nil {
		pct, minN = o.Config.Settings.MassChangePercent, o.Config.Settings.MassChangeMin
	}
	const lostRows = "If a CSV or for_each lost rows, fix it"
	guard := func(what string, managed, affected int, verb, hint string) {
		if !o.Force && managed > 0 && affected >= minN && affected*100 > managed*pct {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Mass change refused",
				Detail: fmt.Sprintf("This plan would %s %d of %d managed %s (%d%%), above the %d%% guard (mailform { mass_change_percent, mass_change_min }). %s; if this is intended, run again with -force.", verb, affected, managed, what, affected*100/managed, pct, hint)})
		}
	}
	guard("accounts", managed, affected, "delete, freeze or offboard", lostRows)
	// A changed initial password would reset every mailbox that got it.
	guard("accounts", managed, resets, "reset the password of",
		"If only new mailboxes should get a new initial password, add lifecycle { ignore_changes = [password] } to the account block")
	groups, groupsGone := 0, 0
	zones, zonesGone := map[string]int{}, map[string]int{}
	for _, c := range p.Changes {
		gone := c.Action == Delete || c.Action == Replace
		if c.Action == Create {
			continue
		}
		switch c.Type {
		case "group":
			groups++
			if gone {
				groupsGone++
			}
		case "dns_record":
			z := c.Before.Str("zone")
			if z == "" {
				z = c.After.Str("zone")
			}
			zones[z]++
			if gone {
				zonesGone[z]++
			}
		}
	}
	guard("groups", groups, groupsGone, "delete", lostRows)
	zoneNames := make([]string, 0, len(zones))
	for z := range zones {
		zoneNames = append(zoneNames, z)
	}
	sort.Strings(zoneNames)
	for _, z := range zoneNames {
		guard("DNS RRsets in zone "+z, zones[z], zonesGone[z], "delete", lostRows)
	}
	for _, c := range p.Changes {
		if c.Action != Delete && c.Action != Replace {
			continue
		}
		r, _ := schema.SplitAddr(c.Address)
		res := o.Config.Resource(r)
		switch {
		case res != nil && res.Lifecycle.PreventDestroy:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Instance cannot be destroyed",
				Detail:  fmt.Sprintf("%s has lifecycle.prevent_destroy set, but the plan would %s it. Remove prevent_destroy if this is intended, or change the configuration so it is kept.", c.Address, c.Action),
				Subject: res.DeclRange.Ptr()})
		case c.PreventDestroy:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Instance cannot be destroyed",
				Detail: fmt.Sprintf("%s was applied with lifecycle.prevent_destroy, and its block is gone, so the plan would destroy it. To delete it on purpose, put the block back without prevent_destroy and apply, then remove the block; to stop managing it, run mailform state rm %s.", c.Address, c.Address)})
		}
	}
	return diags
}

// liveAsIntended returns live as it compares with intended: a departed account reads
// back as frozen until it is deleted.
func liveAsIntended(t *model.Type, live, intended model.Object) model.Object {
	if t == model.Account && intended.Str("status") == "departed" && live.Str("status") == "frozen" {
		live = live.Clone()
		live["status"] = "departed"
	}
	return live
}

// sameScalar reports whether a and b are the same string, int64 or bool: putting b
// where a is would change nothing.
func sameScalar(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// readableAttrs is the set of attributes of typ that provider p reads and writes.
func readableAttrs(p providers.Provider, typ string) map[string]bool {
	supported, _ := p.Supports(typ)
	out := make(map[string]bool, len(supported))
	for _, a := range supported {
		out[a] = true
	}
	return out
}

func changesAttr(c *Change, name string) bool {
	for _, a := range c.Attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}

func statusChangesTo(c *Change, to ...string) bool {
	for _, a := range c.Attrs {
		if a.Name == "status" {
			for _, t := range to {
				if a.After == t {
					return true
				}
			}
		}
	}
	return false
}

// instanceDeps turns the graph dependencies of an instance's block into what its
// change waits for: resources and locals, and, inside a module instance, the blocks
// of that same instance or of the instances it is in (`module.sub["hk"].department.d`,
// not every instance's).
func instanceDeps(in *Instance, deps []string, g *graph) []string {
	mod, _ := schema.SplitModule(in.Addr)
	ancestors := schema.ModuleAncestors(mod)
	var out []string
	for _, d := range deps {
		n := g.nodes[d]
		if n == nil || (n.res == nil && n.local == nil) {
			continue
		}
		// The innermost module instance of this one that holds d: its keys are d's.
		for i := len(ancestors) - 1; i >= 0; i-- {
			if static := schema.StaticModulePath(ancestors[i]); strings.HasPrefix(d, static) {
				d = ancestors[i] + "." + d[len(static):]
				break
			}
		}
		out = append(out, d)
	}
	return out
}

// filterTargets keeps the targeted changes and everything they depend on.
func filterTargets(cs []*Change, targets []string) []*Change {
	byRes := map[string][]*Change{}
	byAddr := map[string]*Change{}
	for _, c := range cs {
		r, _ := schema.SplitAddr(c.Address)
		byRes[r] = append(byRes[r], c)
		if b := schema.BlockAddr(c.Address); b != r {
			byRes[b] = append(byRes[b], c)
		}
		byAddr[c.Address] = c
	}
	keep := map[string]bool{}
	var visit func(c *Change)
	visit = func(c *Change) {
		if keep[c.Address] {
			return
		}
		keep[c.Address] = true
		for _, d := range c.Deps {
			if o := byAddr[d]; o != nil {
				visit(o)
			}
			for _, o := range byRes[d] {
				visit(o)
			}
		}
	}
	for _, c := range cs {
		for _, t := range targets {
			if schema.Within(c.Address, t) {
				visit(c)
				break
			}
		}
	}
	var out []*Change
	for _, c := range cs {
		if keep[c.Address] {
			out = append(out, c)
		}
	}
	return out
}
