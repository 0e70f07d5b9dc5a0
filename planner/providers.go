package planner

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
)

// ProviderSet is the configured provider instances of a configuration.
type ProviderSet struct {
	// ByName maps "kind" or "kind.alias" to the provider instance.
	ByName map[string]providers.Provider
	kinds  map[string]string // name → kind
	names  []string
	// where holds, per name, the settings that say where the provider points.
	where map[string][][2]string
}

// targetSettings are the provider settings that say where a provider points, in the
// order a plan header names them; none of them is a secret.
var targetSettings = []string{"endpoint", "server", "dir", "site", "corp_id"}

// Targets describes every configured provider instance, sorted by name.
func (ps *ProviderSet) Targets() []Target {
	var out []Target
	for _, n := range ps.names {
		out = append(out, Target{Name: n, Kind: ps.kinds[n], Settings: ps.where[n]})
	}
	return out
}

// whereOf picks the target settings of a decoded provider block; one left out
// whose documentation names its environment variable ("default $EXMAIL_CORP_ID")
// is read from there, as the provider reads it.
func whereOf(attrs []*model.Attr, obj model.Object) [][2]string {
	var out [][2]string
	for _, n := range targetSettings {
		for _, a := range attrs {
			if a.Name != n || a.Sensitive {
				continue
			}
			v := obj.Str(n)
			if v == "" {
				if _, rest, ok := strings.Cut(a.Doc, "default $"); ok {
					v = os.Getenv(strings.TrimRight(strings.Fields(rest + " ")[0], ".,;)"))
				}
			}
			if u, err := url.Parse(v); err == nil && u.User != nil {
				u.User = nil // a plan is shared for review: never a password in a URL
				v = u.String()
			}
			if v != "" {
				out = append(out, [2]string{n, v})
			}
		}
	}
	return out
}

// Close closes every provider.
func (ps *ProviderSet) Close() {
	for _, p := range ps.ByName {
		_ = p.Close()
	}
}

// ConfigureProviders decodes every provider block and makes its provider. A
// configuration without any provider block is an error naming the possible blocks:
// an implicit local sandbox would let a plan meant for production run against an
// empty tenant and look fine. Making a provider never contacts its API.
func ConfigureProviders(cfg *schema.Config, vars map[string]cty.Value, env providers.Env) (*ProviderSet, hcl.Diagnostics) {
	ps := &ProviderSet{ByName: map[string]providers.Provider{}, kinds: map[string]string{}, where: map[string][][2]string{}}
	var diags hcl.Diagnostics
	blocks := cfg.Providers
	if len(blocks) == 0 {
		return ps, hcl.Diagnostics{noProviderBlock(cfg)}
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(nonEmpty(vars)), "mailform": cfg.MailformValue()}, Functions: cfg.Functions()}
	for _, b := range blocks {
		f := providers.Lookup(b.Kind)
		if f == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown provider",
				Detail:  fmt.Sprintf("There is no provider %q. The providers are: %s.%s", b.Kind, strings.Join(providers.Kinds(), ", "), suggest(b.Kind, providers.Kinds())),
				Subject: b.DeclRange.Ptr()})
			continue
		}
		obj, d := schema.DecodeProviderConfig(b, f.Config, ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		p, err := f.New(obj, env)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid provider configuration",
				Detail: fmt.Sprintf("provider %q: %v", b.Name(), err), Subject: b.DeclRange.Ptr()})
			continue
		}
		ps.ByName[b.Name()] = p
		ps.kinds[b.Name()] = b.Kind
		ps.where[b.Name()] = whereOf(f.Config, obj)
		ps.names = append(ps.names, b.Name())
	}
	sort.Strings(ps.names)
	return ps, diags
}

// noProviderBlock is the error of a configuration that declares no provider: it
// lists every provider block it could declare and the types each one serves.
func noProviderBlock(cfg *schema.Config) *hcl.Diagnostic {
	var kinds []string
	for _, k := range providers.Kinds() {
		kinds = append(kinds, fmt.Sprintf("provider %q {} (%s)", k, strings.Join(providers.Lookup(k).Types, ", ")))
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No provider block",
		Detail: "The configuration declares no provider, so nothing says where its objects live. Declare one or more of: " +
			strings.Join(kinds, "; ") + `. To try mailform without credentials, declare provider "sandbox" {}: the embedded tenant kept in .sandbox.`}
	var first *schema.Resource
	for _, r := range cfg.Resources {
		if first == nil || r.DeclRange.Filename < first.DeclRange.Filename ||
			(r.DeclRange.Filename == first.DeclRange.Filename && r.DeclRange.Start.Byte < first.DeclRange.Start.Byte) {
			first = r
		}
	}
	if first != nil {
		d.Subject = first.DeclRange.Ptr()
	}
	return d
}

func nonEmpty(m map[string]cty.Value) map[string]cty.Value {
	if m == nil {
		return map[string]cty.Value{}
	}
	return m
}

// Assign chooses the provider that serves a resource: the one named by its provider
// argument, else the only configured provider that supports its type. A sandbox
// serves only types no other configured provider supports.
func (ps *ProviderSet) Assign(r *schema.Resource) (string, hcl.Diagnostics) {
	if r.Provider != "" {
		p, ok := ps.ByName[r.Provider]
		if !ok {
			return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Reference to undeclared provider",
				Detail:  fmt.Sprintf("%s names provider %s, which no provider block declares. Declared: %s.", r.Addr(), r.Provider, strings.Join(ps.names, ", ")),
				Subject: r.ProviderRange.Ptr()}}
		}
		if _, ok := p.Supports(r.Type); !ok {
			return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider cannot manage this resource type",
				Detail:  fmt.Sprintf("provider %s cannot manage %s resources. Choose a provider that can, or leave provider out.", r.Provider, r.Type),
				Subject: r.ProviderRange.Ptr()}}
		}
		return r.Provider, nil
	}
	var real, sandbox []string
	for _, n := range ps.names {
		if _, ok := ps.ByName[n].Supports(r.Type); ok {
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
	case 1:
		return cands[0], nil
	case 0:
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No provider for " + r.Type,
			Detail:  fmt.Sprintf("None of the configured providers (%s) can manage %s resources. Add a provider that can, for example provider \"sandbox\" {} to rehearse locally.", strings.Join(ps.names, ", "), r.Type),
			Subject: r.DeclRange.Ptr()}}
	}
	return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Ambiguous provider",
		Detail:  fmt.Sprintf("Several providers can manage %s: %s. Choose one with provider = %s in %s.", r.Type, strings.Join(cands, ", "), cands[0], r.Addr()),
		Subject: r.DeclRange.Ptr()}}
}
