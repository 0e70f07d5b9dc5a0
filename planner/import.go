package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// ImportOptions are the inputs of ImportObject.
type ImportOptions struct {
	Config    *schema.Config
	Vars      map[string]cty.Value
	State     *state.State
	Providers *ProviderSet
	// Address is the instance address to import into, as the user typed it.
	Address string
	// ID names the live object: an address, a department id, zone/name/TYPE.
	ID  string
	Now time.Time
}

// ImportObject finds the live object named by o.ID with the provider that serves
// o.Address and returns the state entry that records it there, live attributes and
// all. It refuses an address that the configuration does not declare or that state
// already holds, and an object that another address already manages. It changes
// neither state nor the provider.
func ImportObject(ctx context.Context, o ImportOptions) (*state.Resource, hcl.Diagnostics) {
	addr, err := schema.ParseAddr(o.Address)
	if err != nil {
		return nil, importError("Invalid resource address", err.Error()+".")
	}
	if sr := o.State.Find(addr); sr != nil {
		return nil, importError("Already managed",
			fmt.Sprintf("%s is already in state (id %s). To import another object there, first run: mailform state rm %s", addr, sr.ID, addr))
	}
	g, diags := buildGraph(o.Config)
	computed := map[string]model.Object{}
	for _, r := range o.State.Resources {
		if r.ID != "" && r.Pending == "" {
			computed[r.Address] = model.Object{"id": r.ID}
		}
	}
	insts, d := newEvaluator(o.Config, g, o.Vars).run(func(a string) model.Object { return computed[a] })
	diags = appendNew(diags, d)
	if diags.HasErrors() {
		return nil, diags
	}
	in := findInstance(insts, addr)
	if in == nil {
		return nil, append(diags, notDeclared(o.Config, insts, addr))
	}
	prov, d := o.Providers.Assign(in.Res)
	if diags = append(diags, d...); diags.HasErrors() {
		return nil, diags
	}
	t := in.Res.Spec
	req := providers.ReadRequest{Type: t.Name, Keys: []string{o.ID, strings.ToLower(o.ID)}}
	key := strings.ToLower(strings.TrimSpace(o.ID))
	if t == model.DNSRecord {
		parts := strings.Split(o.ID, "/")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, append(diags, importError("Invalid DNS record id",
				fmt.Sprintf("%q is not zone/name/TYPE. Name an RRset like example.com/@/MX or example.com/_dmarc/TXT.", o.ID))...)
		}
		key = model.RRsetKey(parts[0], parts[1], parts[2])
		req.Keys = []string{key}
		req.Zones = []string{model.CanonicalDomain(parts[0])}
	}
	rs, err := o.Providers.ByName[prov].Read(ctx, req)
	if err != nil {
		return nil, append(diags, readError(fmt.Errorf("provider %s, %s: %w", prov, t.Name, err)))
	}
	ls := indexLive(t.Name, rs)
	lo := ls.byID[o.ID]
	if lo == nil {
		lo = ls.byKey[key]
	}
	if lo == nil {
		return nil, append(diags, importError("Object not found",
			fmt.Sprintf("provider %s has no %s with id %q. %s", prov, t.Name, o.ID, idHint(t)))...)
	}
	for _, sr := range o.State.Resources {
		if sr.Provider == prov && sr.Type == t.Name && sr.ID == lo.ID && sr.Pending == "" {
			return nil, append(diags, importError("Object already managed",
				fmt.Sprintf("%s %q is already managed as %s. Two addresses must not manage one object: use mailform state mv %s %s to rename it instead.", t.Name, lo.ID, sr.Address, sr.Address, addr))...)
		}
	}
	c := &Change{Address: addr, Type: t.Name, Provider: prov, Label: labelOf(addr), PreventDestroy: in.Res.Lifecycle.PreventDestroy}
	// The live password cannot be read: the configured one is recorded as the
	// baseline, so the next plan does not reset a password the user chose.
	for _, a := range t.Attrs {
		if _, ok := in.Desired[a.Name].(string); ok && a.WriteOnly && !in.Res.Lifecycle.IgnoreChanges[a.Name] {
			c.Baseline = append(c.Baseline, a.Name)
		}
	}
	return stateEntry(o.State, c, lo.ID, withBaseline(c, lo.Attrs, in.Desired), nil, o.Now), diags
}

func importError(summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}}
}

func findInstance(insts []*Instance, addr string) *Instance {
	for _, in := range insts {
		if in.Addr == addr {
			return in
		}
	}
	return nil
}

// notDeclared explains why addr has no instance: no block at all, a for_each block
// without that key, or a key given to a block without for_each.
func notDeclared(cfg *schema.Config, insts []*Instance, addr string) *hcl.Diagnostic {
	r, key := schema.SplitAddr(addr)
	res := cfg.Resource(r)
	if res == nil {
		typ, label, _ := strings.Cut(r, ".")
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Resource not in configuration",
			Detail: fmt.Sprintf("There is no %s block in the configuration. Write the block first, for example %s %q { … }, then import into it.", r, typ, label)}
	}
	var keys []string
	for _, in := range insts {
		if in.Res == res && in.Key != nil {
			keys = append(keys, fmt.Sprintf("%q", *in.Key))
		}
	}
	sort.Strings(keys)
	switch {
	case res.ForEach == nil:
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Resource has no instance keys",
			Detail: fmt.Sprintf("%s has no for_each, so its address takes no key: import into %s.", r, r), Subject: res.DeclRange.Ptr()}
	case key == nil:
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Instance key missing",
			Detail: fmt.Sprintf("%s uses for_each: name one instance, like %s[%s].", r, r, firstOr(keys, `"key"`)), Subject: res.DeclRange.Ptr()}
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No such instance",
		Detail: fmt.Sprintf("%s has no instance with key %q (its keys: %s). Add it to the for_each value first.", r, *key, strings.Join(keys, ", ")), Subject: res.DeclRange.Ptr()}
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// idHint says what an import id looks like for a type.
func idHint(t *model.Type) string {
	switch t {
	case model.Account, model.Group:
		return "Its id is its email address."
	case model.Department:
		return "Its id is the provider's department id (mailform export or the admin console shows it)."
	case model.DNSRecord:
		return "Its id is zone/name/TYPE, like example.com/@/MX."
	case model.Domain:
		return "Its id is the domain name."
	}
	return "Its id is the name it was created with (the resource label)."
}
