package lint

import (
	"fmt"
	"strconv"
	"strings"
)

// dmarcTags are the tags of RFC 7489 §6.3 plus np, psd and t of RFC 9091 / DMARCbis,
// which receivers already read.
var dmarcTags = map[string]bool{
	"v": true, "p": true, "sp": true, "np": true, "adkim": true, "aspf": true,
	"pct": true, "rua": true, "ruf": true, "fo": true, "rf": true, "ri": true,
	"psd": true, "t": true,
}

var dmarcPolicies = map[string]bool{"none": true, "quarantine": true, "reject": true}

// looksDMARC reports whether a TXT text was meant as a DMARC record.
func looksDMARC(text string) bool {
	return strings.Contains(strings.ToLower(strings.ReplaceAll(text, " ", "")), "v=dmarc1")
}

// startsDMARC reports whether text starts with the exact version tag receivers require
// (RFC 7489 §6.4: the name is case-insensitive, the value "DMARC1" is not).
func startsDMARC(text string) bool {
	first, _, _ := strings.Cut(text, ";")
	name, value, ok := strings.Cut(first, "=")
	return ok && strings.EqualFold(strings.TrimSpace(name), "v") && strings.TrimSpace(value) == "DMARC1"
}

func isDMARCName(fqdn string) bool { return strings.HasPrefix(fqdn, "_dmarc.") }

// checkDMARC checks where DMARC records are and what they say.
func (c *checker) checkDMARC() {
	reportedOne := map[string]bool{}
	for _, s := range c.sets {
		if s.typ != "TXT" {
			continue
		}
		for _, text := range s.texts {
			if !isDMARCName(s.fqdn) {
				if looksDMARC(text) {
					c.report(s, RuleDMARCName, fmt.Sprintf("DMARC record at %s, not at _dmarc.<domain>", s.fqdn),
						fmt.Sprintf("Receivers only look at _dmarc.<domain>. Move it to name = \"_dmarc\" in zone %s (or _dmarc.<sub> for a subdomain).", s.zone))
				}
				continue
			}
			if n := c.countDMARC(s.fqdn); n > 1 && !reportedOne[s.fqdn] {
				reportedOne[s.fqdn] = true
				c.report(s, RuleDMARCOne, fmt.Sprintf("%d DMARC records at %s", n, s.fqdn), "")
			}
			if !startsDMARC(text) {
				c.report(s, RuleDMARCVersion, fmt.Sprintf("TXT at %s does not start with v=DMARC1", s.fqdn), "")
				if !looksDMARC(text) {
					continue
				}
			}
			c.checkDMARCTags(s, text)
		}
	}
}

func (c *checker) countDMARC(fqdn string) int {
	n := 0
	for _, s := range c.at(fqdn, "TXT") {
		for _, t := range s.texts {
			if startsDMARC(t) {
				n++
			}
		}
	}
	return n
}

func (c *checker) checkDMARCTags(s *rrset, text string) {
	tags, errs := parseTags(text, true)
	for _, e := range errs {
		c.report(s, RuleDMARCSyntax, "DMARC "+e, "")
	}
	if _, ok := lookup(tags, "p"); !ok {
		c.report(s, RuleDMARCPolicy, "DMARC record has no p= tag", "")
	}
	for _, t := range tags {
		v := strings.ToLower(t.value)
		switch t.name {
		case "v":
		case "p", "sp", "np":
			if !dmarcPolicies[v] {
				c.report(s, RuleDMARCPolicy, fmt.Sprintf("DMARC %s=%s is not none, quarantine or reject", t.name, t.value), "")
			}
		case "adkim", "aspf":
			if v != "r" && v != "s" {
				c.report(s, RuleDMARCAlign, fmt.Sprintf("DMARC %s=%s is not r or s", t.name, t.value), "")
			}
		case "pct":
			if n, err := strconv.Atoi(t.value); err != nil || n < 0 || n > 100 {
				c.report(s, RuleDMARCPct, fmt.Sprintf("DMARC pct=%s is not 0–100", t.value), "")
			}
		case "rua", "ruf":
			for _, u := range strings.Split(t.value, ",") {
				if !validMailtoURI(strings.TrimSpace(u)) {
					c.report(s, RuleDMARCURI, fmt.Sprintf("DMARC %s entry %q is not a mailto: URI", t.name, strings.TrimSpace(u)), "")
				}
			}
		case "ri":
			if n, err := strconv.ParseUint(t.value, 10, 32); err != nil || n == 0 {
				c.report(s, RuleDMARCSyntax, fmt.Sprintf("DMARC ri=%s is not a number of seconds", t.value), "Set ri to a whole number of seconds, e.g. ri=86400, or leave it out.")
			}
		case "fo":
			for _, o := range strings.Split(v, ":") {
				if o != "0" && o != "1" && o != "d" && o != "s" {
					c.report(s, RuleDMARCSyntax, fmt.Sprintf("DMARC fo=%s: %q is not 0, 1, d or s", t.value, o), "Use fo values 0, 1, d or s separated by \":\", or leave it out.")
					break
				}
			}
		default:
			if !dmarcTags[t.name] {
				c.report(s, RuleDMARCTag, fmt.Sprintf("DMARC tag %s is unknown and ignored by receivers", t.name), "")
			}
		}
	}
}

// validMailtoURI reports whether u is "mailto:local@domain", optionally with the "!size"
// limit of RFC 7489 §6.2.
func validMailtoURI(u string) bool {
	if len(u) < 7 || !strings.EqualFold(u[:7], "mailto:") {
		return false
	}
	addr, _, _ := strings.Cut(u[7:], "!")
	local, domain, ok := strings.Cut(addr, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(addr, " ,;<>")
}
