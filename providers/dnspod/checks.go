package dnspod

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// txtRefusals are the characters DNSPod does not store as sent in a TXT value, and
// what it does with them (shared/dnspod-api.md, "Facts that break naive clients").
var txtRefusals = []struct {
	char, name, why string
}{
	{`"`, "a double quote", "DNSPod refuses double quotes in TXT values (InvalidParameter.RecordValueInvalid)"},
	{`\`, "a backslash", "DNSPod strips or escapes backslashes, so it would store another value and every plan would show a change"},
	{`'`, "a single quote", "DNSPod alters single quotes, so it would store another value and every plan would show a change"},
}

// ValidateObject refuses what DNSPod cannot hold as written: TXT values with
// characters it refuses or rewrites, and the apex NS records, which are its own.
// It needs no API call.
func (p *Provider) ValidateObject(typ string, desired model.Object) []providers.Problem {
	if typ != model.DNSRecord.Name || model.IsUnknown(desired["type"]) || model.IsUnknown(desired["name"]) {
		return nil
	}
	rrtype := strings.ToUpper(desired.Str("type"))
	name := model.RelativeName(desired.Str("zone"), desired.Str("name"))
	if isApexNS(name, rrtype) {
		return []providers.Problem{{Attr: "type", Summary: "DNSPod keeps the apex NS records itself",
			Detail: fmt.Sprintf("DNSPod answers the NS records of zone %s with its own name servers and does not let them be changed. Remove this dns_record.", desired.Str("zone"))}}
	}
	recs, ok := desired["records"].([]string)
	if rrtype != "TXT" || !ok {
		return nil
	}
	var out []providers.Problem
	for _, r := range recs {
		text, err := model.TXTText(r)
		if err != nil {
			continue // the schema reports values that do not parse
		}
		for _, c := range txtRefusals {
			if strings.Contains(text, c.char) {
				out = append(out, providers.Problem{Attr: "records", Summary: "TXT value DNSPod cannot store",
					Detail: fmt.Sprintf("the TXT value %s contains %s (%s): %s. Remove it from the value, or serve this record from a provider that stores TXT verbatim (rfc2136).", shorten(text), c.name, c.char, c.why)})
			}
		}
		if trimmed := strings.TrimRight(text, " \t\r\n"); trimmed != text {
			out = append(out, providers.Problem{Attr: "records", Summary: "TXT value DNSPod cannot store",
				Detail: fmt.Sprintf("the TXT value %s ends in whitespace: DNSPod strips trailing whitespace, so it would store another value and every plan would show a change. Remove the trailing blanks.", shorten(text))})
		}
	}
	return out
}

// shorten quotes a value for a message, cut in the middle when long (DKIM keys).
func shorten(s string) string {
	const keep = 40
	if utf8.RuneCountInString(s) <= 2*keep+10 {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q", string(r[:keep])+"…"+string(r[len(r)-keep:]))
}

// gradeNames says which plan a grade is in words a person reads in a plan error.
var gradeNames = map[string]string{
	"DP_FREE": "free", "D_FREE": "free", "DP_PLUS": "professional", "D_PLUS": "professional",
	"DP_EXTRA": "enterprise", "D_EXTRA": "enterprise", "DP_EXPERT": "expert", "D_EXPERT": "expert",
	"DP_ULTRA": "ultimate", "D_ULTRA": "ultimate",
}

// planName names the plan of f for a message: "free plan (DP_FREE)".
func planName(f PlanFloor) string {
	if n, ok := gradeNames[strings.ToUpper(f.Grade)]; ok {
		return n + " plan (" + f.Grade + ")"
	}
	if f.Title != "" {
		return "plan " + f.Title + " (" + f.Grade + ")"
	}
	return "plan " + f.Grade
}

// CheckPlan reads the plan of every zone the objects are in (DescribeDomain, and
// DescribePackageDetail once) and refuses a ttl below that plan's minimum, which the
// API would refuse only half way through an apply (LimitExceeded.RecordTtlLimit).
func (p *Provider) CheckPlan(ctx context.Context, objs []providers.Desired) ([]providers.Problem, error) {
	var out []providers.Problem
	for _, d := range objs {
		if d.Type != model.DNSRecord.Name || model.IsUnknown(d.Object["zone"]) {
			continue
		}
		o := model.Canonical(model.DNSRecord, d.Object) // ttl left out is the default
		ttl, ok := o["ttl"].(int64)
		if !ok {
			continue
		}
		zone := model.CanonicalDomain(o.Str("zone"))
		f, err := p.floor(ctx, zone)
		if err != nil {
			return nil, fmt.Errorf("zone %s: reading its DNSPod plan: %w", zone, err)
		}
		if f.MinTTL > 0 && ttl < int64(f.MinTTL) {
			out = append(out, providers.Problem{Address: d.Address, Attr: "ttl", Summary: "TTL below the DNSPod plan's minimum",
				Detail: fmt.Sprintf("zone %s is on DNSPod's %s: minimum TTL %d, and ttl is %d, which DNSPod would refuse (LimitExceeded.RecordTtlLimit). Set ttl = %d or more, or move the zone to a plan that allows %d.",
					zone, planName(f), f.MinTTL, ttl, f.MinTTL, ttl)})
		}
	}
	return out, nil
}

// floor returns the TTL floor of zone's plan, read once per provider.
func (p *Provider) floor(ctx context.Context, zone string) (PlanFloor, error) {
	p.floorMu.Lock()
	defer p.floorMu.Unlock()
	if f, ok := p.floors[zone]; ok {
		return f, nil
	}
	f, err := p.c.DomainFloor(ctx, zone)
	if err != nil {
		return f, err
	}
	if f.MinTTL == 0 {
		p.logf("zone %s: plan %s is not in DescribePackageDetail; its minimum TTL is not checked", zone, f.Grade)
	}
	if p.floors == nil {
		p.floors = map[string]PlanFloor{}
	}
	p.floors[zone] = f
	return f, nil
}
