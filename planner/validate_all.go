package planner

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/lint"
	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// Validate checks a configuration without contacting any provider: references,
// cycles, values, provider assignment and support, duplicates, domains, and the
// email-DNS lint rules.
func Validate(cfg *schema.Config, vars map[string]cty.Value, ps *ProviderSet) hcl.Diagnostics {
	g, diags := buildGraph(cfg)
	assign, d, pending := ps.assignBlocks(cfg)
	diags = append(diags, d...)
	insts, d := newEvaluator(cfg, g, vars).run(func(string) model.Object { return nil })
	diags = appendNew(diags, d)
	for _, in := range insts {
		in.Provider = assign[in.Res.Addr()]
	}
	diags = append(diags, unserved(pending, insts)...)
	diags = appendNew(diags, crossCheck(insts, ps))
	diags = appendNew(diags, LiteralSecretWarnings(FindSecrets(cfg)))
	return appendNew(diags, lintResults(diags, lintDNS(insts, ps)))
}

// lintResults keeps lint's warnings only for a configuration without errors: a record
// that failed to decode is missing from what lint sees, and warnings about it ("no MX
// record") would only mislead.
func lintResults(before, found hcl.Diagnostics) hcl.Diagnostics {
	if !before.HasErrors() {
		return found
	}
	var out hcl.Diagnostics
	for _, d := range found {
		if d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	return out
}

// lintDNS runs the email-DNS rules over the declared RRsets.
func lintDNS(insts []*Instance, ps *ProviderSet) hcl.Diagnostics {
	n := 0
	for _, i := range insts {
		if i.Res.Spec == model.DNSRecord {
			n++
		}
	}
	in := lint.Input{Records: make([]lint.Record, 0, n)} // not grown through 10,000 RRsets
	zones := map[string]bool{}
	for _, i := range insts {
		switch i.Res.Spec {
		case model.DNSRecord:
			if model.IsUnknown(i.Desired) {
				continue
			}
			z := i.Desired.Str("zone")
			zones[z] = true
			in.Records = append(in.Records, lint.Record{Zone: z, Name: i.Desired.Str("name"), Type: i.Desired.Str("type"),
				TTL: i.Desired.Int("ttl"), Records: i.Desired.Strings("records"), Range: recordsRange(i), Address: i.Addr})
		case model.Domain:
			if k := ps.kinds[i.Provider]; k == "exmail" || k == "sandbox" {
				in.ExmailDomains = append(in.ExmailDomains, i.Desired.Str("name"))
			}
		}
	}
	for z := range zones {
		in.ManagedZones = append(in.ManagedZones, z)
	}
	var out hcl.Diagnostics
	for _, d := range lint.Check(in) {
		// RDATA that does not parse is already reported by the schema.
		if len(d.Summary) > 11 && d.Summary[:11] == "[DNS-RDATA]" {
			continue
		}
		out = append(out, d)
	}
	return out
}

// appendNew adds the diagnostics of a later stage, leaving out those at a place an
// earlier stage already reported on the same line (an undeclared variable is found by the graph and
// again by evaluation).
func appendNew(diags, more hcl.Diagnostics) hcl.Diagnostics {
	type line struct {
		file string
		n    int
	}
	seen := map[line]bool{}
	for _, d := range diags {
		if d.Subject != nil && d.Severity == hcl.DiagError {
			seen[line{d.Subject.Filename, d.Subject.Start.Line}] = true
		}
	}
	for _, d := range more {
		if d.Subject != nil && seen[line{d.Subject.Filename, d.Subject.Start.Line}] && d.Severity == hcl.DiagError {
			continue
		}
		diags = append(diags, d)
	}
	return diags
}

// recordsRange is where a lint finding about an RRset points: its records, else the block.
func recordsRange(i *Instance) hcl.Range {
	if r, ok := i.Ranges["records"]; ok {
		return r
	}
	return i.Res.DeclRange
}
