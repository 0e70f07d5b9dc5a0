package audit

import (
	"strings"
)

// DomainDNS is what the live DNS says about one mail domain.
type DomainDNS struct {
	Domain string
	// ExpectMX are the exchangers the mail provider requires (lower case, no final dot).
	ExpectMX []string
	MX       []string
	TXT      []string // at the apex
	DMARC    []string // at _dmarc
	// Selectors are the DKIM selectors the configuration declares; DKIM maps each to
	// the TXT found at <selector>._domainkey.
	Selectors []string
	DKIM      map[string][]string
	// Err says why the domain could not be asked.
	Err string
}

// ExmailMX are the exchangers an Exmail domain needs.
var ExmailMX = []string{"mxbiz1.qq.com", "mxbiz2.qq.com"}

// mailDNS checks each domain's live MX, SPF, DKIM and DMARC (with a policy other
// than none).
func mailDNS(in Input) []Finding {
	var out []Finding
	for _, d := range in.DNS {
		if d.Err != "" {
			out = append(out, Finding{Severity: Medium, Title: "Mail DNS could not be checked", Objects: []string{d.Domain},
				Evidence: d.Err, Fix: "Check that the DNS server is reachable (audit { dns_server }) and run the audit again."})
			continue
		}
		var p []string
		if len(d.MX) == 0 {
			p = append(p, "no MX record")
		}
		for _, want := range d.ExpectMX {
			if !containsFold(d.MX, want) {
				p = append(p, "MX "+want+" missing")
			}
		}
		if !anyPrefix(d.TXT, "v=spf1") {
			p = append(p, "no SPF record (TXT v=spf1 at the apex)")
		}
		switch pol := dmarcPolicy(d.DMARC); pol {
		case "":
			p = append(p, "no DMARC record at _dmarc")
		case "none":
			p = append(p, "DMARC policy is none (monitoring only)")
		}
		if len(d.Selectors) == 0 {
			p = append(p, "no DKIM selector declared (a dns_record at <selector>._domainkey)")
		}
		for _, s := range d.Selectors {
			if !anyContains(d.DKIM[s], "p=") {
				p = append(p, "no DKIM key published at "+s+"._domainkey")
			}
		}
		if len(p) > 0 {
			out = append(out, Finding{Severity: High, Title: "Live mail DNS incomplete", Objects: []string{d.Domain},
				Evidence: strings.ToUpper(p[0][:1]) + strings.Join(p, "; ")[1:] + ".",
				Fix:      "Declare the missing records as dns_record resources (see docs/lint.md) and apply; mailform verify shows what the servers answer."})
		}
	}
	return out
}

func dmarcPolicy(txt []string) string {
	for _, t := range txt {
		if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(t)), "v=dmarc1") {
			continue
		}
		for _, tag := range strings.Split(t, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(tag), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "p") {
				return strings.ToLower(strings.TrimSpace(v))
			}
		}
		return "none" // a DMARC record without p= is treated as monitoring only
	}
	return ""
}

func containsFold(l []string, s string) bool {
	for _, x := range l {
		if strings.EqualFold(strings.TrimSuffix(x, "."), s) {
			return true
		}
	}
	return false
}

func anyPrefix(l []string, prefix string) bool {
	for _, x := range l {
		if strings.HasPrefix(strings.ToLower(x), prefix) {
			return true
		}
	}
	return false
}

func anyContains(l []string, sub string) bool {
	for _, x := range l {
		if strings.Contains(strings.ReplaceAll(x, " ", ""), sub) {
			return true
		}
	}
	return false
}
