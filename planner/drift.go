package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// DriftKind is the class of one difference that drift detection reports.
type DriftKind string

// The drift classes, in the order reports list them.
const (
	// ChangedOutside: the live object differs from what mailform last applied.
	ChangedOutside DriftKind = "changed_outside"
	// NotApplied: the configuration differs from what mailform last applied.
	NotApplied DriftKind = "not_applied"
	// Unmanaged: a live object of a managed type that neither configuration nor state knows.
	Unmanaged DriftKind = "unmanaged"
)

// DriftKinds lists the drift classes in report order.
var DriftKinds = []DriftKind{ChangedOutside, NotApplied, Unmanaged}

// DriftItem is one difference found by DetectDrift.
type DriftItem struct {
	Kind DriftKind
	// Address is the instance address; for an unmanaged object, a free address to
	// adopt it under.
	Address  string
	Type     string
	Provider string
	// ID is the provider id of the live object (or of the state entry when the live
	// object is gone).
	ID string
	// Attrs are the attribute differences. Before is always the last applied value;
	// After is the live value (ChangedOutside) or the configured one (NotApplied).
	Attrs []model.AttrChange
	// Reason describes a whole-object difference (deleted outside mailform, not yet
	// created, removed from the configuration); empty when Attrs says it all.
	Reason string
	// Live is the canonical live object of an Unmanaged item.
	Live model.Object
	// Notes are what the provider says about the live object beyond its attributes
	// (providers.Remote.Notes), such as values paused in the console.
	Notes []string
	// NeedsProvider is set on an Unmanaged item whose adopting block must say
	// provider = Provider: without it the configuration would assign the type to
	// another provider, or to none because several could serve it.
	NeedsProvider bool
	// Departments maps the department ids of an Unmanaged item's Live attributes to
	// the addresses of the managed departments, so an adopting block can refer to them.
	Departments map[string]string
}

// DriftReport is the result of DetectDrift: data only, rendered by package views.
type DriftReport struct {
	Items []*DriftItem
	// Lineage and Serial identify the state that was compared.
	Lineage string
	Serial  uint64
	// Ignored counts the differences that ignore rules silenced.
	Ignored int
}

// HasDrift reports whether any difference is left after the ignore rules.
func (r *DriftReport) HasDrift() bool { return len(r.Items) > 0 }

// Of returns the items of one class in report order.
func (r *DriftReport) Of(k DriftKind) []*DriftItem {
	var out []*DriftItem
	for _, it := range r.Items {
		if it.Kind == k {
			out = append(out, it)
		}
	}
	return out
}

// DriftOptions are the inputs of DetectDrift.
type DriftOptions struct {
	Config    *schema.Config
	Vars      map[string]cty.Value
	State     *state.State
	Providers *ProviderSet
	// Ignore lists instance addresses, resource addresses (every instance) and
	// address.attribute entries never to report; the configuration's
	// mailform { drift { ignore = [...] } } entries are added to it.
	Ignore []string
	// Now is the clock of the offboarding schedule (zero: the current time), so
	// drift sees a departed account's retention as plan does.
	Now time.Time
	// Reads is told when each collection read starts and ends (Options.Reads).
	Reads func(ReadEvent)
}

// DetectDrift reads every collection the configuration and state touch and compares
// three things: the live objects with the last applied state, the configuration with
// the last applied state, and the live collections with what either knows. It never
// writes: not the state (which it does not even lock) and not a provider. Any read
// error is an error diagnostic and no report, so an unreachable API is never taken
// for drift.
func DetectDrift(ctx context.Context, o DriftOptions) (*DriftReport, hcl.Diagnostics) {
	ignores := append([]string(nil), o.Ignore...)
	if o.Config.Settings != nil {
		ignores = append(ignores, o.Config.Settings.DriftIgnore...)
	}
	ign, diags := parseDriftIgnores(ignores)
	g, d := buildGraph(o.Config)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	st := o.State.Clone()
	diags = append(diags, ign.unmatched(o.Config, st)...)
	rep := &DriftReport{Lineage: o.State.Lineage, Serial: o.State.Serial}
	for _, mv := range o.Config.Moved {
		if st.Find(mv.From) == nil || st.Find(mv.To) != nil {
			continue
		}
		if err := st.Move(mv.From, mv.To); err == nil {
			rep.Items = append(rep.Items, &DriftItem{Kind: NotApplied, Address: mv.To, Type: st.Find(mv.To).Type,
				Provider: st.Find(mv.To).Provider, ID: st.Find(mv.To).ID, Reason: "moved from " + mv.From + " in the configuration; apply records the new address"})
		}
	}
	assign := map[string]string{}
	for _, r := range o.Config.Resources {
		name, d := o.Providers.Assign(r)
		diags = append(diags, d...)
		assign[r.Addr()] = name
	}
	if diags.HasErrors() {
		return nil, diags
	}
	// Ids come from state: the configuration is compared with what was last applied,
	// so a department recreated in the console shows as drift, not as a new config.
	computed := map[string]model.Object{}
	for _, r := range st.Resources {
		if r.ID != "" && r.Pending == "" {
			computed[r.Address] = model.Object{"id": r.ID}
		}
	}
	insts, d := newEvaluator(o.Config, g, o.Vars).run(func(a string) model.Object { return computed[a] })
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	for _, in := range insts {
		r, _ := schema.SplitAddr(in.Addr)
		in.Provider = assign[r]
	}
	diags = append(diags, crossCheck(insts, o.Providers)...)
	if diags.HasErrors() {
		return nil, diags
	}
	po := Options{Config: o.Config, Vars: o.Vars, State: st, Providers: o.Providers, Refresh: true, Now: o.Now, Reads: o.Reads}
	live, err := refresh(ctx, po, st, insts)
	if err != nil {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read live objects",
			Detail: err.Error() + ". Drift was not checked; fix the provider's access and run drift again."})
	}
	m := match(po, st, insts, live)
	// The configuration is compared as plan reads it: a departed account is out of
	// its groups and, once deleted, its address is its heir's alias.
	off := planOffboarding(po, st, insts, m)
	rep.Items = append(rep.Items, notApplied(st, insts, m, off)...)
	rep.Items = append(rep.Items, changedOutside(o, st, live)...)
	deptAddr := map[string]string{}
	for _, in := range insts {
		if lo := m.live[in.Addr]; lo != nil && in.Res.Type == "department" {
			deptAddr[lo.ID] = in.Addr
		}
	}
	for _, it := range unmanaged(st, insts, m, live) {
		def, d := o.Providers.Assign(&schema.Resource{Type: it.Type})
		it.NeedsProvider = d.HasErrors() || def != it.Provider
		for _, attr := range []string{"departments", "parent", "member_departments"} {
			ids := it.Live.Strings(attr)
			if s := it.Live.Str(attr); s != "" {
				ids = []string{s}
			}
			for _, id := range ids {
				if a, ok := deptAddr[id]; ok {
					if it.Departments == nil {
						it.Departments = map[string]string{}
					}
					it.Departments[id] = a
				}
			}
		}
		rep.Items = append(rep.Items, it)
	}
	rep.Items, rep.Ignored = ign.filter(rep.Items)
	order := map[DriftKind]int{ChangedOutside: 0, NotApplied: 1, Unmanaged: 2}
	sort.SliceStable(rep.Items, func(i, j int) bool {
		a, b := rep.Items[i], rep.Items[j]
		if a.Kind != b.Kind {
			return order[a.Kind] < order[b.Kind]
		}
		return a.Address < b.Address
	})
	return rep, diags
}

// notApplied compares each configuration instance with its last applied state, and
// reports state entries the configuration no longer has.
func notApplied(st *state.State, insts []*Instance, m *matching, off *offboarding) []*DriftItem {
	var out []*DriftItem
	inConfig := map[string]bool{}
	for _, in := range insts {
		inConfig[in.Addr] = true
		t := in.Res.Spec
		it := &DriftItem{Kind: NotApplied, Address: in.Addr, Type: t.Name, Provider: in.Provider}
		sr := st.Find(in.Addr)
		switch off.stage[in.Addr] {
		case "done":
			continue // offboarded and deleted: the block only keeps the heir's alias
		case "delete":
			it.Reason = fmt.Sprintf("offboarding due: the retention period ended on %s; apply deletes it", off.due[in.Addr].UTC().Format("2006-01-02"))
			if sr != nil {
				it.ID = sr.ID
			}
			out = append(out, it)
			continue
		}
		if sr == nil || sr.ID == "" || sr.Pending != "" {
			it.Reason = "new in the configuration, not yet created"
			if lo := m.live[in.Addr]; lo != nil {
				it.ID = lo.ID
				it.Reason = "exists live but not in state; apply will adopt it"
			} else if sr != nil {
				it.Reason = "an interrupted apply left its create unconfirmed; apply finishes it"
			}
			out = append(out, it)
			continue
		}
		it.ID = sr.ID
		if sr.Provider != in.Provider {
			it.Reason = fmt.Sprintf("moves from provider %s to %s", sr.Provider, in.Provider)
			out = append(out, it)
			continue
		}
		if in.Res.Lifecycle.IgnoreAll {
			continue
		}
		it.Attrs = model.Diff(t, sr.Attrs, in.Desired, in.Res.Lifecycle.IgnoreChanges)
		for _, a := range t.Attrs {
			if !a.WriteOnly || in.Res.Lifecycle.IgnoreChanges[a.Name] {
				continue
			}
			v, ok := in.Desired[a.Name].(string)
			if !ok {
				continue
			}
			prior := sr.Attrs.Str(a.Name)
			if prior == "" || !state.SecretMatches(prior, v) {
				it.Attrs = append(it.Attrs, model.AttrChange{Name: a.Name, Before: prior != "", After: true, Sensitive: true})
			}
		}
		if len(it.Attrs) > 0 {
			out = append(out, it)
		}
	}
	for _, sr := range st.Resources {
		if inConfig[sr.Address] {
			continue
		}
		out = append(out, &DriftItem{Kind: NotApplied, Address: sr.Address, Type: sr.Type, Provider: sr.Provider, ID: sr.ID,
			Reason: "removed from the configuration; apply would delete it"})
	}
	return out
}

// changedOutside compares every applied state entry with its live object.
func changedOutside(o DriftOptions, st *state.State, live map[liveKey]*liveSet) []*DriftItem {
	var out []*DriftItem
	for _, sr := range st.Resources {
		if sr.ID == "" || sr.Pending != "" {
			continue
		}
		t := model.Lookup(sr.Type)
		p := o.Providers.ByName[sr.Provider]
		ls := live[liveKey{sr.Provider, sr.Type}]
		if t == nil || p == nil || ls == nil {
			continue // a provider no longer configured cannot be read; plan explains that
		}
		it := &DriftItem{Kind: ChangedOutside, Address: sr.Address, Type: sr.Type, Provider: sr.Provider, ID: sr.ID}
		lo := ls.byID[sr.ID]
		if lo == nil {
			it.Reason = deletedOutside
			out = append(out, it)
			continue
		}
		var ignore map[string]bool
		r, _ := schema.SplitAddr(sr.Address)
		if res := o.Config.Resource(r); res != nil {
			if res.Lifecycle.IgnoreAll {
				continue
			}
			ignore = res.Lifecycle.IgnoreChanges
		}
		readable := readableAttrs(p, sr.Type)
		lv := liveAsIntended(t, lo.Attrs, sr.Attrs)
		// Diff's "after" is the applied state so that only the attributes mailform
		// manages are compared; the result is turned around to read applied → live.
		for _, c := range model.Diff(t, lv, sr.Attrs, ignore) {
			a := t.Attr(c.Name)
			if !readable[c.Name] || (c.Before == nil && (a.Kind == model.KindBool || a.Kind == model.KindInt || a.Kind == model.KindBlock)) {
				continue // the provider did not read it, so it cannot have drifted
			}
			c.Before, c.After = c.After, c.Before
			it.Attrs = append(it.Attrs, c)
		}
		// A note (a record paused outside mailform) is drift even when the values
		// that answer still match.
		it.Notes = lo.Notes
		if len(it.Attrs) > 0 || len(it.Notes) > 0 {
			it.ID = lo.ID
			out = append(out, it)
		}
	}
	return out
}

// unmanaged lists the live objects that no state entry and no configuration instance
// claims. DNS is read only in managed zones; the apex SOA and NS belong to the zone.
func unmanaged(st *state.State, insts []*Instance, m *matching, live map[liveKey]*liveSet) []*DriftItem {
	claimed := map[liveKey]map[string]bool{}
	claim := func(k liveKey, id string) {
		if claimed[k] == nil {
			claimed[k] = map[string]bool{}
		}
		claimed[k][id] = true
	}
	for _, sr := range st.Resources {
		k := liveKey{sr.Provider, sr.Type}
		if lo := findLive(sr, m, live); lo != nil {
			claim(k, lo.ID)
		}
	}
	used := map[string]bool{}
	for _, in := range insts {
		used[in.Addr] = true
		if lo := m.live[in.Addr]; lo != nil {
			claim(liveKey{in.Provider, in.Res.Type}, lo.ID)
		}
	}
	for _, sr := range st.Resources {
		used[sr.Address] = true
	}
	keys := make([]liveKey, 0, len(live))
	for k := range live {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].typ != keys[j].typ {
			return keys[i].typ < keys[j].typ
		}
		return keys[i].provider < keys[j].provider
	})
	var out []*DriftItem
	for _, k := range keys {
		ids := make([]string, 0, len(live[k].byID))
		for id := range live[k].byID {
			if !claimed[k][id] {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			lo := live[k].byID[id]
			if k.typ == model.DNSRecord.Name && !adoptableRRset(lo.Attrs) {
				continue
			}
			addr := freeAddress(k.typ, suggestLabel(k.typ, lo), used)
			used[addr] = true
			out = append(out, &DriftItem{Kind: Unmanaged, Address: addr, Type: k.typ, Provider: k.provider, ID: lo.ID, Live: lo.Attrs, Notes: lo.Notes})
		}
	}
	return out
}

// adoptableRRset reports whether an unmanaged RRset is one a dns_record block could
// manage: not the zone's own apex SOA and NS, and not a type mailform does not manage
// (DNSSEC records a signing server adds).
func adoptableRRset(o model.Object) bool {
	typ := o.Str("type")
	if o.Str("name") == "@" && (typ == "SOA" || typ == "NS") {
		return false
	}
	for _, t := range model.DNSRecord.Attr("type").Enum {
		if t == typ {
			return true
		}
	}
	return false
}

// suggestLabel proposes a resource label for a live object: the mailbox name of an
// address, the name of a department or record.
func suggestLabel(typ string, lo *providers.Remote) string {
	a := lo.Attrs
	switch typ {
	case "account", "group":
		local, _, _ := strings.Cut(a.Str("email"), "@")
		return identifier(local)
	case "domain":
		return identifier(a.Str("name"))
	case "department":
		return identifier(a.Str("name"))
	case "dns_record":
		n := a.Str("name")
		if n == "@" {
			n = "apex"
		}
		return identifier(n + "_" + strings.ToLower(a.Str("type")))
	}
	return identifier(lo.ID)
}

// identifier turns s into a valid HCL label of letters, digits, _ and -.
func identifier(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), "_")
	if out == "" || (out[0] >= '0' && out[0] <= '9') || out[0] == '-' {
		out = "x_" + out
	}
	return out
}

// freeAddress returns type.label, or type.label_2 … when the address is taken.
func freeAddress(typ, label string, used map[string]bool) string {
	addr := typ + "." + label
	for i := 2; used[addr]; i++ {
		addr = fmt.Sprintf("%s.%s_%d", typ, label, i)
	}
	return addr
}

// driftIgnores are parsed ignore rules: whole instances or resources, or attributes.
type driftIgnores struct {
	whole map[string]bool            // instance or resource address
	attrs map[string]map[string]bool // address → attribute names
	// unmanaged lists types whose unmanaged objects are never reported ("dns_record.*"):
	// a zone holds records of web servers and others that mailform is not meant to own.
	unmanaged map[string]bool
}

// parseDriftIgnores parses entries like account.alice, account.staff,
// account.staff["k"], account.alice.name and dns_record.* (every unmanaged RRset).
func parseDriftIgnores(entries []string) (*driftIgnores, hcl.Diagnostics) {
	ig := &driftIgnores{whole: map[string]bool{}, attrs: map[string]map[string]bool{}, unmanaged: map[string]bool{}}
	var diags hcl.Diagnostics
	for _, e := range entries {
		if typ, ok := strings.CutSuffix(strings.TrimSpace(e), ".*"); ok && model.Lookup(typ) != nil {
			ig.unmanaged[typ] = true
			continue
		}
		addr, attr, err := splitIgnore(e)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid drift ignore entry", Detail: err.Error()})
			continue
		}
		if attr == "" {
			ig.whole[addr] = true
			continue
		}
		if ig.attrs[addr] == nil {
			ig.attrs[addr] = map[string]bool{}
		}
		ig.attrs[addr][attr] = true
	}
	return ig, diags
}

// unmatched warns about ignore entries that name nothing in configuration or state:
// a typo there would silence nothing and go unnoticed.
func (ig *driftIgnores) unmatched(cfg *schema.Config, st *state.State) hcl.Diagnostics {
	known := func(addr string) bool {
		r, _ := schema.SplitAddr(addr)
		if cfg.Resource(r) != nil || st.Find(addr) != nil {
			return true
		}
		for _, sr := range st.Resources {
			if sr.Address == r || strings.HasPrefix(sr.Address, r+"[") {
				return true
			}
		}
		return false
	}
	var addrs []string
	for a := range ig.whole {
		addrs = append(addrs, a)
	}
	for a := range ig.attrs {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var diags hcl.Diagnostics
	for _, a := range addrs {
		if !known(a) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Drift ignore matches nothing",
				Detail: fmt.Sprintf("The ignore entry %s names no resource in the configuration or state, so it silences nothing. Check it for a typo.", a)})
		}
	}
	return diags
}

// splitIgnore splits "account.alice.name" or `account.staff["k"].name` into the
// address and the attribute, and checks both.
func splitIgnore(e string) (addr, attr string, err error) {
	bad := fmt.Errorf("%q: use an address (account.alice, account.staff[\"key\"]), an address and attribute (account.alice.name), or type.* for every unmanaged object of a type (dns_record.*)", e)
	tr, diags := hclsyntax.ParseTraversalAbs([]byte(strings.TrimSpace(e)), "ignore", hcl.InitialPos)
	if diags.HasErrors() || len(tr) < 2 {
		return "", "", bad
	}
	if last, ok := tr[len(tr)-1].(hcl.TraverseAttr); ok && len(tr) >= 3 {
		attr = last.Name
		tr = tr[:len(tr)-1]
	}
	typ := tr.RootName()
	name, ok := tr[1].(hcl.TraverseAttr)
	if model.Lookup(typ) == nil || !ok || len(tr) > 3 {
		return "", "", bad
	}
	var key *string
	if len(tr) == 3 {
		idx, ok := tr[2].(hcl.TraverseIndex)
		if !ok || idx.Key.Type() != cty.String {
			return "", "", bad
		}
		k := idx.Key.AsString()
		key = &k
	}
	if attr != "" && model.Lookup(typ).Attr(attr) == nil {
		return "", "", fmt.Errorf("%q: %s has no attribute %q; the attributes are: %s", e, typ, attr, strings.Join(model.Lookup(typ).AttrNames(), ", "))
	}
	return schema.InstanceAddr(typ, name.Name, key), attr, nil
}

// filter drops ignored items and attributes and counts what it dropped.
func (ig *driftIgnores) filter(items []*DriftItem) ([]*DriftItem, int) {
	var out []*DriftItem
	n := 0
	for _, it := range items {
		r, _ := schema.SplitAddr(it.Address)
		if ig.whole[it.Address] || ig.whole[r] || (it.Kind == Unmanaged && ig.unmanaged[it.Type]) {
			n++
			continue
		}
		if len(it.Attrs) > 0 {
			var keep []model.AttrChange
			for _, a := range it.Attrs {
				if ig.attrs[it.Address][a.Name] || ig.attrs[r][a.Name] {
					n++
					continue
				}
				keep = append(keep, a)
			}
			if len(keep) == 0 {
				continue
			}
			it.Attrs = keep
		}
		out = append(out, it)
	}
	return out, n
}
