package lint

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
)

// checkTTL reports RRsets declared more than once with different TTLs.
func (c *checker) checkTTL() {
	first := map[string]*rrset{}
	for _, s := range c.sets {
		k := model.RRsetKey(s.zone, s.name, s.typ)
		f, ok := first[k]
		if !ok {
			first[k] = s
			continue
		}
		if f.rec.TTL != s.rec.TTL {
			c.report(s, RuleTTL,
				fmt.Sprintf("%s %s has TTL %d here but %d in %s", s.fqdn, s.typ, s.rec.TTL, f.rec.TTL, f.label()),
				fmt.Sprintf("DNS has one TTL per RRset. Declare %s %s once, with one ttl, listing every value in records.", s.fqdn, s.typ))
		}
	}
}

// checkCNAME reports CNAMEs at the apex and CNAMEs that share their name.
func (c *checker) checkCNAME() {
	for _, s := range c.sets {
		if s.typ != "CNAME" {
			continue
		}
		if s.name == "@" {
			c.report(s, RuleCNAMEApex, fmt.Sprintf("CNAME at the apex of zone %s", s.zone), "")
		}
		if len(s.rec.Records) > 1 {
			c.report(s, RuleCNAMEExclusive, fmt.Sprintf("CNAME at %s has %d records; a CNAME has exactly one", s.fqdn, len(s.rec.Records)),
				"Keep one target in records; use A/AAAA records if the name needs several addresses.")
		}
		var others []string
		for _, o := range c.byName[s.fqdn] {
			if o.typ != "CNAME" {
				others = append(others, o.label()+" ("+o.typ+")")
			}
		}
		if len(others) > 0 {
			c.report(s, RuleCNAMEExclusive,
				fmt.Sprintf("CNAME at %s shares its name with %s", s.fqdn, strings.Join(others, ", ")), "")
		}
	}
}

// checkMX reports MX targets that are IP addresses or CNAMEs, and misused null MX.
func (c *checker) checkMX() {
	for _, s := range c.sets {
		if s.typ != "MX" {
			continue
		}
		for _, rr := range s.rrs {
			mx, ok := rr.(*dns.MX)
			if !ok {
				continue
			}
			if mx.Mx == "." {
				if mx.Preference != 0 {
					c.report(s, RuleMXNull, fmt.Sprintf("null MX at %s has preference %d, not 0", s.fqdn, mx.Preference), "Write the null MX as \"0 .\".")
				}
				if len(s.rec.Records) > 1 {
					c.report(s, RuleMXNull, fmt.Sprintf("null MX at %s is mixed with %d other MX records", s.fqdn, len(s.rec.Records)-1), "")
				}
				continue
			}
			target := strings.ToLower(strings.TrimSuffix(mx.Mx, "."))
			if net.ParseIP(target) != nil {
				c.report(s, RuleMXTargetIP, fmt.Sprintf("MX target %s is an IP address", target), "")
				continue
			}
			if cn := c.at(target, "CNAME"); len(cn) > 0 && c.inManagedZone(target) {
				c.report(s, RuleMXCNAME, fmt.Sprintf("MX target %s is a CNAME (%s)", target, cn[0].label()), "")
			}
		}
	}
}

// badMXPriority reports whether rdata starts with an integer outside 0–65535. miekg/dns
// would reject it too, but only with "bad MX Pref", which does not say what is allowed.
func badMXPriority(rdata string) bool {
	f := strings.Fields(rdata)
	if len(f) == 0 {
		return false
	}
	if !isDigits(strings.TrimPrefix(f[0], "-")) {
		return false
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	return err != nil || n < 0 || n > 65535
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
