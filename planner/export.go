package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
)

// Tenant is every live object the configured providers hold, read for export.
type Tenant struct {
	// Objects maps a resource type to its live objects in canonical form, ordered by id.
	Objects map[string][]providers.Remote
	// Providers maps a resource type to the provider instance that served it.
	Providers map[string]string
	// Skipped maps a resource type to the reason it was not read.
	Skipped map[string]string
	// Zones are the DNS zones that were read.
	Zones []string
	// DeclaredDomains are the names of the configuration's domain blocks.
	DeclaredDomains []string
}

// TenantOptions are the inputs of ReadTenant.
type TenantOptions struct {
	Config    *schema.Config
	Vars      map[string]cty.Value
	Providers *ProviderSet
	// Zones are the DNS zones to read; empty means the declared domains, or else
	// every domain the provider lists.
	Zones []string
}

// unlistable says which collections an API cannot enumerate: export cannot write
// what it cannot list, so it says so instead of writing an empty file silently.
var unlistable = map[string]map[string]string{
	"exmail": {"group": "the Exmail API cannot list mail groups (it reads a group only by its address)"},
}

// ReadTenant reads every live collection of the configured providers: one Read per
// resource type with no keys, DNS records of the requested zones. Of the
// configuration only the domain blocks and the locals (and what they refer to) are
// evaluated, for the domains' names and to refuse a broken configuration: export
// runs as well in a directory that declares 50,000 accounts from a CSV file as in
// one with just provider and domain blocks, and evaluating the accounts would cost
// more than writing them.
func ReadTenant(ctx context.Context, o TenantOptions) (*Tenant, hcl.Diagnostics) {
	g, diags := buildGraph(o.Config)
	keep := map[string]bool{}
	for id, n := range g.nodes {
		if n.local != nil || (n.res != nil && n.res.Spec == model.Domain) {
			for dep := range g.closure(id) {
				keep[dep] = true
			}
		}
	}
	insts, d := newEvaluator(o.Config, g, o.Vars).runNodes(func(string) model.Object { return nil }, keep)
	diags = appendNew(diags, d)
	if diags.HasErrors() {
		return nil, diags
	}
	t := &Tenant{Objects: map[string][]providers.Remote{}, Providers: map[string]string{}, Skipped: map[string]string{}}
	for _, in := range insts {
		if in.Res.Spec == model.Domain && !model.IsUnknown(in.Desired["name"]) && in.Desired.Str("name") != "" {
			t.DeclaredDomains = append(t.DeclaredDomains, in.Desired.Str("name"))
		}
	}
	sort.Strings(t.DeclaredDomains)
	for _, typ := range model.Types() {
		name, d := o.Providers.exportProvider(typ.Name)
		diags = append(diags, d...)
		if name == "" {
			continue
		}
		if why := unlistable[o.Providers.kinds[name]][typ.Name]; why != "" {
			t.Skipped[typ.Name] = why
			continue
		}
		t.Providers[typ.Name] = name
	}
	if diags.HasErrors() {
		return nil, diags
	}
	read := func(typ string, req providers.ReadRequest) error {
		name, ok := t.Providers[typ]
		if !ok {
			return nil
		}
		req.Type = typ
		rs, err := o.Providers.ByName[name].Read(ctx, req)
		if err != nil {
			return fmt.Errorf("provider %s, %s: %w", name, typ, err)
		}
		t.Objects[typ] = liveObjects(model.Lookup(typ), rs)
		return nil
	}
	// Domains first: without -zone or declared domains, their names are the zones.
	if err := read(model.Domain.Name, providers.ReadRequest{Keys: t.DeclaredDomains}); err != nil {
		return nil, hcl.Diagnostics{readError(err)}
	}
	t.Zones = zonesToRead(o.Zones, t.DeclaredDomains, t.Objects[model.Domain.Name])
	for _, typ := range model.Types() {
		if typ == model.Domain {
			continue
		}
		req := providers.ReadRequest{}
		if typ == model.DNSRecord {
			if len(t.Zones) == 0 {
				if _, ok := t.Providers[typ.Name]; ok {
					t.Skipped[typ.Name] = "no zone to read: declare a domain or pass -zone"
					delete(t.Providers, typ.Name)
				}
				continue
			}
			req.Zones = t.Zones
		}
		if err := read(typ.Name, req); err != nil {
			return nil, hcl.Diagnostics{readError(err)}
		}
	}
	return t, diags
}

func readError(err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read live objects",
		Detail: err.Error() + ". Check the provider configuration and credentials, then run export again."}
}

// zonesToRead picks the zones: those asked for, else the declared domains, else the
// domains the provider listed.
func zonesToRead(asked, declared []string, live []providers.Remote) []string {
	var in []string
	switch {
	case len(asked) > 0:
		in = asked
	case len(declared) > 0:
		in = declared
	default:
		for _, r := range live {
			in = append(in, r.Attrs.Str("name"))
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, z := range in {
		z = model.CanonicalDomain(z)
		if z != "" && !seen[z] {
			seen[z] = true
			out = append(out, z)
		}
	}
	sort.Strings(out)
	return out
}

// liveObjects canonicalises what a provider read, drops what no dns_record can hold
// (the zone's own SOA and apex NS, DNSSEC records) and orders the rest by id.
func liveObjects(t *model.Type, rs []providers.Remote) []providers.Remote {
	out := make([]providers.Remote, 0, len(rs))
	types := map[string]bool{}
	if a := model.DNSRecord.Attr("type"); a != nil {
		for _, e := range a.Enum {
			types[e] = true
		}
	}
	for _, r := range rs {
		r.Attrs = canonicalLive(t, &r)
		if t == model.DNSRecord {
			ty := r.Attrs.Str("type")
			if !types[ty] || (r.Attrs.Str("name") == "@" && ty == "NS") {
				continue
			}
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

// idLess orders numeric ids as numbers (department 9 before 10), others as text.
func idLess(a, b string) bool {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) < len(b)
	}
	return a < b
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// exportProvider chooses the provider that export reads a type from, by the rule of
// Assign for a block without a provider argument. "" with no diagnostics means no
// configured provider serves the type.
func (ps *ProviderSet) exportProvider(typ string) (string, hcl.Diagnostics) {
	var real, sandbox []string
	for _, n := range ps.names {
		if _, ok := ps.ByName[n].Supports(typ); ok {
			if ps.kinds[n] == "sandbox" {
				sandbox = append(sandbox, n)
			} else {
				real = append(real, n)
			}
		}
	}
	cands := real
	if len(cands) == 0 {
		cands = sandbox
	}
	switch len(cands) {
	case 0:
		return "", nil
	case 1:
		return cands[0], nil
	}
	return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Ambiguous provider for export",
		Detail: fmt.Sprintf("Several providers can serve %s: %s. export reads each type from one provider: run it in a directory configuring only one of them.", typ, strings.Join(cands, ", "))}}
}
