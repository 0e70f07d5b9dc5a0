package audit

import (
	"strings"
	"testing"
)

func TestMailDNS(t *testing.T) {
	good := DomainDNS{Domain: "x.com", ExpectMX: ExmailMX, MX: []string{"mxbiz1.qq.com.", "MXBIZ2.qq.com."},
		TXT: []string{"v=spf1 include:spf.mail.qq.com ~all"}, DMARC: []string{"v=DMARC1; p=quarantine; rua=mailto:d@x.com"},
		Selectors: []string{"s1"}, DKIM: map[string][]string{"s1": {"v=DKIM1; k=rsa; p=MIIB"}}}
	for _, tt := range []struct {
		name     string
		mod      func(d *DomainDNS)
		want     []string
		evidence string
	}{
		{"complete", func(*DomainDNS) {}, nil, ""},
		{"unreachable", func(d *DomainDNS) { d.Err = "no answer from 127.0.0.1:9" }, []string{"Mail DNS could not be checked: x.com"}, "no answer"},
		{"second MX missing", func(d *DomainDNS) { d.MX = d.MX[:1] }, []string{"Live mail DNS incomplete: x.com"}, "MX mxbiz2.qq.com missing"},
		{"no SPF", func(d *DomainDNS) { d.TXT = []string{"google-site-verification=1"} }, []string{"Live mail DNS incomplete: x.com"}, "no SPF"},
		{"DMARC none", func(d *DomainDNS) { d.DMARC = []string{"v=DMARC1; p=none"} }, []string{"Live mail DNS incomplete: x.com"}, "policy is none"},
		{"no DMARC", func(d *DomainDNS) { d.DMARC = nil }, []string{"Live mail DNS incomplete: x.com"}, "no DMARC"},
		{"DKIM unpublished", func(d *DomainDNS) { d.DKIM = nil }, []string{"Live mail DNS incomplete: x.com"}, "no DKIM key published at s1._domainkey"},
		{"no selector declared", func(d *DomainDNS) { d.Selectors = nil }, []string{"Live mail DNS incomplete: x.com"}, "no DKIM selector declared"},
	} {
		d := good
		d.MX = append([]string(nil), good.MX...)
		tt.mod(&d)
		got := mailDNS(input(func(in *Input) { in.DNS = []DomainDNS{d} }))
		check(t, tt.name, got, tt.want...)
		if tt.evidence != "" && (len(got) != 1 || !strings.Contains(strings.ToLower(got[0].Evidence), strings.ToLower(tt.evidence))) {
			t.Errorf("%s: evidence %+v lacks %q", tt.name, got, tt.evidence)
		}
	}
}
