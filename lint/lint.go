// Package lint checks declared DNS records against the rules of email DNS (SPF, DMARC,
// DKIM, MX, CNAME, TTL) and the expectations of Tencent Exmail. It is pure: no I/O and
// no network, so `mailform validate` can run it anywhere. Every rule has a stable id
// (see Rules and docs/lint.md) that starts the diagnostic's summary.
package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
)

// Record is one declared RRset.
type Record struct {
	Zone    string    // "example.com" (any case, with or without trailing dot)
	Name    string    // "@" for apex, else relative ("_dmarc", "s1._domainkey"), or FQDN with dot
	Type    string    // "TXT", "MX", …
	TTL     int64     // seconds
	Records []string  // RDATA in presentation form; TXT as the text (see model.TXTText)
	Range   hcl.Range // the resource block's definition, for the diagnostic
	Address string    // "dns_record.spf", for messages
}

// Input is everything Check looks at.
type Input struct {
	Records []Record
	// ExmailDomains are mail domains served by Tencent Exmail (or the sandbox, which
	// mimics it): they get the Exmail expectations (MX mxbiz1/mxbiz2 5/10, SPF include).
	ExmailDomains []string
	// ManagedZones are the zones mailform manages (for "MX target is a CNAME in a managed
	// zone" and counting SPF includes of declared zones).
	ManagedZones []string
}

// Check returns every finding: errors for broken records, warnings for risky ones. Each
// diagnostic's Summary starts with the rule id in brackets, e.g. "[SPF-ONE] ..." and its
// Detail says what to do; Subject is the record's Range.
func Check(in Input) hcl.Diagnostics {
	c := newChecker(in)
	c.checkTTL()
	c.checkCNAME()
	c.checkMX()
	c.checkSPF()
	c.checkDMARC()
	c.checkDKIM()
	c.checkExmail(in.ExmailDomains)
	// Report in source order so the output reads like the configuration; the sort is
	// stable, so findings of one record keep the order of the checks above.
	sort.SliceStable(c.diags, func(i, j int) bool {
		a, b := c.diags[i].Subject, c.diags[j].Subject
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return c.diags
}

// rrset is one declared Record with its names normalised and its RDATA parsed once.
type rrset struct {
	rec   *Record
	zone  string   // canonical zone, no trailing dot
	name  string   // relative name, "@" for the apex
	fqdn  string   // absolute name, lower-cased, no trailing dot
	typ   string   // upper-case type
	texts []string // TXT: the text of each record
	rrs   []dns.RR // other types: each record that parsed
}

// label is how a finding names the RRset: its address, or the DNS name if it has none.
func (s *rrset) label() string {
	if s.rec.Address != "" {
		return s.rec.Address
	}
	return s.fqdn + " " + s.typ
}

type checker struct {
	sets    []*rrset
	byName  map[string][]*rrset // fqdn → RRsets at that name
	zones   map[string]bool     // zones of the declared records
	managed map[string]bool     // declared zones plus Input.ManagedZones
	diags   hcl.Diagnostics

	spfIncluded map[string]bool // names some declared SPF record includes or redirects to
}

func newChecker(in Input) *checker {
	c := &checker{
		byName:  map[string][]*rrset{},
		zones:   map[string]bool{},
		managed: map[string]bool{},
	}
	for _, z := range in.ManagedZones {
		c.managed[model.CanonicalDomain(z)] = true
	}
	for i := range in.Records {
		s := c.parse(&in.Records[i])
		c.sets = append(c.sets, s)
		c.byName[s.fqdn] = append(c.byName[s.fqdn], s)
		c.zones[s.zone] = true
		c.managed[s.zone] = true
	}
	return c
}

// parse normalises r and parses its RDATA with miekg/dns, reporting what does not parse.
func (c *checker) parse(r *Record) *rrset {
	s := &rrset{
		rec:  r,
		zone: model.CanonicalDomain(r.Zone),
		name: model.RelativeName(r.Zone, r.Name),
		typ:  strings.ToUpper(strings.TrimSpace(r.Type)),
	}
	s.fqdn = strings.TrimSuffix(model.FQDN(r.Zone, r.Name), ".")
	if n := strings.ToLower(strings.TrimSpace(r.Name)); strings.HasSuffix(n, ".") && !inZone(strings.TrimSuffix(n, "."), s.zone) {
		// An absolute name outside the zone stays as written; schema reports the mistake.
		s.fqdn = strings.TrimSuffix(n, ".")
	}
	for _, rd := range r.Records {
		if s.typ == "TXT" {
			t, err := model.TXTText(rd)
			if err != nil {
				c.report(s, RuleRData, err.Error(), "")
				continue
			}
			s.texts = append(s.texts, t)
			continue
		}
		if s.typ == "MX" && badMXPriority(rd) {
			c.report(s, RuleMXPriority, fmt.Sprintf("MX %q has a preference outside 0–65535", rd), "")
			continue
		}
		// Parsed the way model.CanonicalRData does, so names in RDATA are absolute.
		rr, err := dns.NewRR(". 0 IN " + s.typ + " " + rd)
		if err != nil || rr == nil {
			msg := "is empty"
			if err != nil {
				msg = "does not parse: " + strings.TrimPrefix(err.Error(), "dns: ")
			}
			c.report(s, RuleRData, fmt.Sprintf("%s record %q %s", s.typ, rd, msg), "")
			continue
		}
		s.rrs = append(s.rrs, rr)
	}
	return s
}

// inZone reports whether the canonical name is zone or below it.
func inZone(name, zone string) bool {
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// report adds a finding about s. An empty detail falls back to the rule's fix.
func (c *checker) report(s *rrset, id, summary, detail string) {
	c.reportAs(s, s.label(), id, summary, detail)
}

// reportAs adds a finding about what (a record or a domain), pointing at s's block.
func (c *checker) reportAs(s *rrset, what, id, summary, detail string) {
	r := ruleByID(id)
	if detail == "" {
		detail = r.Fix
	}
	rng := s.rec.Range
	c.diags = append(c.diags, &hcl.Diagnostic{
		Severity: r.Severity,
		Summary:  fmt.Sprintf("[%s] %s: %s", id, what, summary),
		Detail:   detail,
		Subject:  &rng,
	})
}

// at returns the RRsets of type typ at fqdn.
func (c *checker) at(fqdn, typ string) []*rrset {
	var out []*rrset
	for _, s := range c.byName[fqdn] {
		if s.typ == typ {
			out = append(out, s)
		}
	}
	return out
}

// inManagedZone reports whether fqdn lies in a zone mailform manages.
func (c *checker) inManagedZone(fqdn string) bool {
	for z := range c.managed {
		if inZone(fqdn, z) {
			return true
		}
	}
	return false
}
