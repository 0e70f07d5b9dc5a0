package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
)

// exmailMX is the MX RRset Tencent Exmail asks every domain to publish, by preference.
var exmailMX = []string{"5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."}

// checkExmail warns when an Exmail domain's MX or SPF is not what Exmail needs. A domain
// whose zone has no declared records is skipped: its DNS is kept elsewhere, and a
// warning on every validate would only be noise.
func (c *checker) checkExmail(domains []string) {
	seen := map[string]bool{}
	for _, d := range domains {
		d = model.CanonicalDomain(d)
		if seen[d] {
			continue
		}
		seen[d] = true
		anchor := c.exmailAnchor(d)
		if anchor == nil {
			continue
		}
		c.checkExmailMX(d, anchor)
		c.checkExmailSPF(d, anchor)
	}
}

// exmailAnchor returns the record a finding about domain d points at: its MX, else its
// SPF, else the first record of its zone; nil when no record of its zone is declared.
func (c *checker) exmailAnchor(d string) *rrset {
	if mx := c.at(d, "MX"); len(mx) > 0 {
		return mx[0]
	}
	if spf := c.spfAt(d); len(spf) > 0 {
		return spf[0].set
	}
	zone := ""
	for z := range c.zones {
		if inZone(d, z) && len(z) > len(zone) {
			zone = z
		}
	}
	for _, s := range c.sets {
		if zone != "" && s.zone == zone {
			return s
		}
	}
	return nil
}

func (c *checker) checkExmailMX(d string, anchor *rrset) {
	var mxs []*dns.MX
	for _, s := range c.at(d, "MX") {
		for _, rr := range s.rrs {
			if mx, ok := rr.(*dns.MX); ok {
				mxs = append(mxs, mx)
			}
		}
	}
	sort.Slice(mxs, func(i, j int) bool {
		if mxs[i].Preference != mxs[j].Preference {
			return mxs[i].Preference < mxs[j].Preference
		}
		return strings.ToLower(mxs[i].Mx) < strings.ToLower(mxs[j].Mx)
	})
	got := make([]string, len(mxs))
	for i, mx := range mxs {
		got[i] = fmt.Sprintf("%d %s", mx.Preference, strings.ToLower(mx.Mx))
	}
	want := strings.Join(exmailMX, ", ")
	switch {
	case len(got) == 0:
		c.reportAs(anchor, d, RuleExmailMX, "Tencent Exmail domain has no MX record", fmt.Sprintf("Declare a dns_record at %s with type = \"MX\" and records = [\"5 mxbiz1.qq.com.\", \"10 mxbiz2.qq.com.\"].", d))
	case strings.Join(got, ", ") != want:
		c.reportAs(anchor, d, RuleExmailMX, fmt.Sprintf("MX is %s; Tencent Exmail expects %s", strings.Join(got, ", "), want), "")
	}
}

func (c *checker) checkExmailSPF(d string, anchor *rrset) {
	spf := c.spfAt(d)
	if len(spf) == 0 {
		c.reportAs(anchor, d, RuleExmailSPF, "Tencent Exmail domain has no SPF record", fmt.Sprintf("Declare a TXT dns_record at %s with records = [\"v=spf1 include:spf.mail.qq.com ~all\"].", d))
		return
	}
	w := c.walkSPF(d, parseSPF(spf[0].text))
	if !w.visited[exmailSPFInclude] {
		c.reportAs(spf[0].set, d, RuleExmailSPF, "SPF does not include "+exmailSPFInclude, "")
	}
}
