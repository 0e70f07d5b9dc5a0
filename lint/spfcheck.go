package lint

import (
	"fmt"
	"strings"
)

// knownSPF is how many DNS lookups the SPF records of well-known senders need below
// themselves (the include of them costs one more). They change rarely; the counts are
// a snapshot (check with `dig txt NAME`), good enough to warn before the limit is hit.
var knownSPF = map[string]int{
	"spf.mail.qq.com":            4, // include:spf-a … spf-d.mail.qq.com
	"_spf.google.com":            3, // include:_netblocks, _netblocks2, _netblocks3
	"spf.protection.outlook.com": 1, // include:spfd.protection.outlook.com
	"amazonses.com":              0,
	"sendgrid.net":               0,
}

// spfLookupLimit is the most DNS-lookup terms an SPF evaluation may use (RFC 7208 §4.6.4).
const spfLookupLimit = 10

// exmailSPFInclude is the include Tencent Exmail asks every domain's SPF to carry.
const exmailSPFInclude = "spf.mail.qq.com"

// spfText is one declared SPF record.
type spfText struct {
	set  *rrset
	text string
}

// spfAt returns the SPF records declared at fqdn, in declaration order.
func (c *checker) spfAt(fqdn string) []spfText {
	var out []spfText
	for _, s := range c.at(fqdn, "TXT") {
		for _, t := range s.texts {
			if isSPF(t) {
				out = append(out, spfText{s, t})
			}
		}
	}
	return out
}

// checkSPF checks every declared SPF record on its own and through its includes.
func (c *checker) checkSPF() {
	reportedOne := map[string]bool{}
	c.spfIncluded = c.spfTargets()
	for _, s := range c.sets {
		if s.typ != "TXT" {
			continue
		}
		for _, text := range s.texts {
			if !isSPF(text) {
				continue
			}
			if all := c.spfAt(s.fqdn); len(all) > 1 && !reportedOne[s.fqdn] {
				reportedOne[s.fqdn] = true
				c.report(s, RuleSPFOne, fmt.Sprintf("%d v=spf1 records at %s (declared in %s)", len(all), s.fqdn, spfOwners(all)), "")
			}
			c.checkSPFText(s, text)
		}
	}
}

// spfTargets returns the names that declared SPF records include or redirect to.
func (c *checker) spfTargets() map[string]bool {
	out := map[string]bool{}
	for _, s := range c.sets {
		for _, text := range s.texts {
			if !isSPF(text) {
				continue
			}
			for _, t := range parseSPF(text).terms {
				if t.name == "include" || t.name == "redirect" {
					out[strings.ToLower(strings.TrimSuffix(t.value, "."))] = true
				}
			}
		}
	}
	return out
}

func spfOwners(all []spfText) string {
	var names []string
	seen := map[*rrset]bool{}
	for _, t := range all {
		if !seen[t.set] {
			seen[t.set] = true
			names = append(names, t.set.label())
		}
	}
	return strings.Join(names, ", ")
}

func (c *checker) checkSPFText(s *rrset, text string) {
	r := parseSPF(text)
	for _, e := range r.errs {
		c.report(s, RuleSPFSyntax, "SPF term "+e, "")
	}
	for _, u := range r.unknown {
		c.report(s, RuleSPFModifier, fmt.Sprintf("SPF modifier %q is unknown and ignored by receivers", u), "")
	}
	if r.ptr {
		c.report(s, RuleSPFPtr, "SPF uses the deprecated ptr mechanism", "")
	}
	if r.plusAllAt != "" {
		c.report(s, RuleSPFPlusAll, fmt.Sprintf("SPF has %q: anyone may send mail as %s", r.plusAllAt, s.fqdn), "")
	}
	// A record that others include may well end without all: no match there just
	// means the including record goes on to its next term.
	if !r.hasAll && !r.hasRedir && !c.spfIncluded[s.fqdn] {
		c.report(s, RuleSPFNoAll, fmt.Sprintf("SPF at %s has no all mechanism and no redirect=", s.fqdn), "")
	}
	if len(text) > 450 {
		c.report(s, RuleSPFLength, fmt.Sprintf("SPF at %s is %d bytes long (more than 450)", s.fqdn, len(text)), "")
	}
	w := c.walkSPF(s.fqdn, r)
	for _, m := range w.missing {
		c.report(s, RuleSPFInclude, fmt.Sprintf("SPF refers to %s, where no v=spf1 record is declared", m), "")
	}
	if w.loop != nil {
		c.report(s, RuleSPFLoop, "SPF include chain loops: "+strings.Join(w.loop, " → "), "")
	}
	if w.total > spfLookupLimit {
		c.report(s, RuleSPFLookups,
			fmt.Sprintf("SPF at %s needs %d DNS lookups, more than the limit of %d", s.fqdn, w.total, spfLookupLimit),
			fmt.Sprintf("Lookups per term: %s. %s", strings.Join(w.costs, ", "), ruleByID(RuleSPFLookups).Fix))
	}
}

// spfWalk counts the DNS lookups of an SPF record through the includes and redirects
// whose targets are declared here or well known.
type spfWalk struct {
	c       *checker
	path    []string        // names being expanded, root first, to find loops
	visited map[string]bool // every include/redirect target reached
	total   int
	costs   []string // "include:x (1+3)" for each lookup term of the root
	missing []string // targets of the root in a managed zone without a declared SPF
	loop    []string
}

func (c *checker) walkSPF(root string, r *spfRecord) *spfWalk {
	w := &spfWalk{c: c, path: []string{root}, visited: map[string]bool{}}
	w.total = w.count(r, true)
	return w
}

// count returns the lookups r needs; at the root it also records each term's cost.
func (w *spfWalk) count(r *spfRecord, root bool) int {
	n := 0
	for _, t := range r.terms {
		cost := 0
		switch {
		case !t.modifier && (t.name == "a" || t.name == "mx" || t.name == "ptr" || t.name == "exists"):
			cost = 1
		case !t.modifier && t.name == "include",
			// A redirect is ignored when the record has an all mechanism (RFC 7208 §6.1).
			t.modifier && t.name == "redirect" && !r.hasAll:
			cost = 1 + w.follow(t.value, root)
		default:
			continue
		}
		n += cost
		if root {
			w.costs = append(w.costs, fmt.Sprintf("%s (%d)", t.raw, cost))
		}
	}
	return n
}

// follow returns the lookups of the SPF record at target, below the term naming it.
func (w *spfWalk) follow(target string, root bool) int {
	target = strings.ToLower(strings.TrimSuffix(target, "."))
	if target == "" || strings.Contains(target, "%") {
		return 0 // macros expand per message; nothing to follow before mail arrives
	}
	w.visited[target] = true
	for i, p := range w.path {
		if p == target {
			if w.loop == nil {
				w.loop = append(append([]string(nil), w.path[i:]...), target)
			}
			return 0
		}
	}
	if declared := w.c.spfAt(target); len(declared) > 0 {
		w.path = append(w.path, target)
		n := w.count(parseSPF(declared[0].text), false)
		w.path = w.path[:len(w.path)-1]
		return n
	}
	if n, ok := knownSPF[target]; ok {
		return n
	}
	if root && w.c.inManagedZone(target) {
		w.missing = append(w.missing, target)
	}
	return 0
}
