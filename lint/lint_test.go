package lint

import (
	"reflect"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	key2048 := rsaKey(t, 2048, false)
	longSPF := "v=spf1"
	for i := 0; i < 30; i++ {
		longSPF += " ip4:192.0.2." + string(rune('0'+i%10)) + "/32"
	}
	longSPF += " -all"

	tests := []struct {
		name    string
		records []Record
		exmail  []string
		managed []string
		want    []string
	}{
		// Good configurations: no findings.
		{name: "spf exmail", records: []Record{rec("@", "TXT", "v=spf1 include:spf.mail.qq.com ~all")}},
		{name: "spf every mechanism", records: []Record{rec("@", "TXT", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx/24 a:mail.example.com//64 mx:example.com/24//64 ?exists:%{i}.spf.example.com exp=explain.example.com -all")}},
		{name: "spf redirect to declared", records: []Record{
			rec("@", "TXT", "v=spf1 redirect=_spf.example.com"),
			rec("_spf", "TXT", "v=spf1 ip4:192.0.2.1 -all"),
		}},
		{name: "spf exactly ten lookups", records: []Record{rec("@", "TXT",
			"v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:amazonses.com a mx exists:%{i}.x.example.net -all")}},
		{name: "included spf without all", records: []Record{
			rec("@", "TXT", "v=spf1 include:_spf.example.com -all"),
			rec("_spf", "TXT", "v=spf1 ip4:192.0.2.0/24"),
		}},
		{name: "spf quoted presentation form", records: []Record{rec("@", "TXT", `"v=spf1 include:spf.mail.qq.com" " -all"`)}},
		{name: "dmarc every tag", records: []Record{rec("_dmarc", "TXT",
			"v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; pct=50; rua=mailto:a@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com; fo=1:d; rf=afrf; ri=86400;")}},
		{name: "dmarc subdomain and fqdn name", records: []Record{
			rec("_dmarc.shop", "TXT", "v=DMARC1; p=none"),
			recIn("Example.COM.", "_DMARC.Example.COM.", "TXT", "v=DMARC1;p=quarantine"),
		}},
		{name: "dkim rsa", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; k=rsa; p="+key2048)}},
		{name: "dkim rsa pkcs1 without v", records: []Record{rec("s2._domainkey", "TXT", "k=rsa; p="+rsaKey(t, 1024, true))}},
		{name: "dkim ed25519", records: []Record{rec("ed._domainkey", "TXT", "v=DKIM1; k=ed25519; p="+ed25519Key())}},
		{name: "dkim key with spaces and multi-label selector", records: []Record{rec("a.b._domainkey", "TXT", "v=DKIM1; p="+key2048[:40]+" "+key2048[40:])}},
		{name: "mx to hosts", records: []Record{
			rec("@", "MX", "10 mx1.example.com.", "20 mx2.example.com."),
			rec("mx1", "A", "192.0.2.10"),
		}},
		{name: "null mx alone", records: []Record{rec("@", "MX", "0 .")}},
		{name: "cname alone", records: []Record{rec("www", "CNAME", "example.net.")}},
		{name: "exmail domain as expected", exmail: []string{"example.com"}, records: []Record{
			rec("@", "MX", "5 mxbiz1.qq.com.", "10 MXBIZ2.qq.com."),
			rec("@", "TXT", "v=spf1 include:spf.mail.qq.com -all"),
		}},
		{name: "exmail include through declared record", exmail: []string{"Example.com."}, records: []Record{
			rec("@", "MX", "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."),
			rec("@", "TXT", "v=spf1 include:_spf.example.com -all"),
			rec("_spf", "TXT", "v=spf1 include:spf.mail.qq.com ~all"),
		}},
		{name: "exmail domain dns kept elsewhere", exmail: []string{"other.org"}, records: []Record{rec("@", "A", "192.0.2.1")}},
		{name: "several types at one name", records: []Record{rec("@", "A", "192.0.2.1"), rec("@", "MX", "10 mx.example.net."), rec("@", "TXT", "google-site-verification=abc")}},
		{name: "same rrset same ttl", records: []Record{rec("www", "A", "192.0.2.1"), rec("www", "A", "192.0.2.2")}},
		{name: "non-dkim txt under domainkey tree", records: []Record{rec("_adsp._domainkey", "TXT", "dkim=all")}},
		{name: "no records", records: nil},

		// SPF.
		{name: "two spf in one rrset", records: []Record{rec("@", "TXT", "v=spf1 -all", "v=spf1 mx -all")}, want: []string{"SPF-ONE:error"}},
		{name: "two spf rrsets at one name", records: []Record{rec("@", "TXT", "v=spf1 -all"), recIn("example.com.", "example.com.", "TXT", "v=spf1 mx -all")}, want: []string{"SPF-ONE:error"}},
		{name: "spf eleven lookups", records: []Record{rec("@", "TXT",
			"v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:amazonses.com a mx exists:%{i}.x.example.net a:b.example.net -all")},
			want: []string{"SPF-LOOKUPS:error"}},
		{name: "spf lookups through declared include", records: []Record{
			rec("@", "TXT", "v=spf1 include:_spf.example.com include:spf.mail.qq.com -all"),
			rec("_spf", "TXT", "v=spf1 a:a.example.net a:b.example.net mx:c.example.net mx:d.example.net exists:e.example.net -all"),
		}, want: []string{"SPF-LOOKUPS:error"}},
		{name: "spf ptr", records: []Record{rec("@", "TXT", "v=spf1 ptr -all")}, want: []string{"SPF-PTR:error"}},
		{name: "spf plus all", records: []Record{rec("@", "TXT", "v=spf1 mx +all")}, want: []string{"SPF-PLUS-ALL:warning"}},
		{name: "spf bare all", records: []Record{rec("@", "TXT", "v=spf1 mx all")}, want: []string{"SPF-PLUS-ALL:warning"}},
		{name: "spf no all", records: []Record{rec("@", "TXT", "v=spf1 mx")}, want: []string{"SPF-NO-ALL:warning"}},
		{name: "spf unknown mechanism", records: []Record{rec("@", "TXT", "v=spf1 mx spf:other -all")}, want: []string{"SPF-SYNTAX:error"}},
		{name: "spf include as modifier", records: []Record{rec("@", "TXT", "v=spf1 include=spf.mail.qq.com ~all")}, want: []string{"SPF-SYNTAX:error"}},
		{name: "spf bad ip4", records: []Record{rec("@", "TXT", "v=spf1 ip4:300.1.1.1 ip4:192.0.2.0/33 -all")}, want: []string{"SPF-SYNTAX:error", "SPF-SYNTAX:error"}},
		{name: "spf ip6 holding ipv4", records: []Record{rec("@", "TXT", "v=spf1 ip6:192.0.2.1 ip4:2001:db8::1 -all")}, want: []string{"SPF-SYNTAX:error", "SPF-SYNTAX:error"}},
		{name: "spf repeated redirect", records: []Record{rec("@", "TXT", "v=spf1 redirect=a.example.net redirect=b.example.net")}, want: []string{"SPF-SYNTAX:error"}},
		{name: "spf include without domain", records: []Record{rec("@", "TXT", "v=spf1 include -all")}, want: []string{"SPF-SYNTAX:error"}},
		{name: "spf bad mx prefix", records: []Record{rec("@", "TXT", "v=spf1 mx/40 a//200 -all")}, want: []string{"SPF-SYNTAX:error", "SPF-SYNTAX:error"}},
		{name: "spf malformed modifiers", records: []Record{rec("@", "TXT", "v=spf1 -redirect=a.example.net 9x=y exp= -all")},
			want: []string{"SPF-SYNTAX:error", "SPF-SYNTAX:error", "SPF-SYNTAX:error"}},
		{name: "spf arguments where none belong", records: []Record{rec("@", "TXT", "v=spf1 ptr:example.com/24 a/ -all:x")},
			want: []string{"SPF-PTR:error", "SPF-SYNTAX:error", "SPF-SYNTAX:error", "SPF-SYNTAX:error"}},
		{name: "spf unknown modifier", records: []Record{rec("@", "TXT", "v=spf1 mx reditect=x.example.net -all")}, want: []string{"SPF-MODIFIER:warning"}},
		{name: "spf too long", records: []Record{rec("@", "TXT", longSPF)}, want: []string{"SPF-LENGTH:warning"}},
		{name: "spf include of undeclared managed name", records: []Record{rec("@", "TXT", "v=spf1 include:_spf.example.com -all")}, want: []string{"SPF-INCLUDE:warning"}},
		{name: "spf include into other managed zone", managed: []string{"example.org"}, records: []Record{rec("@", "TXT", "v=spf1 include:_spf.example.org -all")}, want: []string{"SPF-INCLUDE:warning"}},
		{name: "spf include loop", records: []Record{
			rec("@", "TXT", "v=spf1 include:_a.example.com -all"),
			rec("_a", "TXT", "v=spf1 include:example.com -all"),
		}, want: []string{"SPF-LOOP:error", "SPF-LOOP:error"}},

		// DMARC.
		{name: "dmarc at apex", records: []Record{rec("@", "TXT", "v=DMARC1; p=none")}, want: []string{"DMARC-NAME:error"}},
		{name: "dmarc twice", records: []Record{rec("_dmarc", "TXT", "v=DMARC1; p=none", "v=DMARC1; p=reject")}, want: []string{"DMARC-ONE:error"}},
		{name: "dmarc version not first", records: []Record{rec("_dmarc", "TXT", "p=reject; v=DMARC1")}, want: []string{"DMARC-VERSION:error"}},
		{name: "dmarc version wrong case", records: []Record{rec("_dmarc", "TXT", "v=dmarc1; p=reject")}, want: []string{"DMARC-VERSION:error"}},
		{name: "dmarc junk at _dmarc", records: []Record{rec("_dmarc", "TXT", "hello")}, want: []string{"DMARC-VERSION:error"}},
		{name: "dmarc without p", records: []Record{rec("_dmarc", "TXT", "v=DMARC1; rua=mailto:d@example.com")}, want: []string{"DMARC-POLICY:error"}},
		{name: "dmarc bad p and sp", records: []Record{rec("_dmarc", "TXT", "v=DMARC1; p=block; sp=nothing")}, want: []string{"DMARC-POLICY:error", "DMARC-POLICY:error"}},
		{name: "dmarc bad alignment", records: []Record{rec("_dmarc", "TXT", "v=DMARC1; p=none; adkim=x; aspf=relaxed")}, want: []string{"DMARC-ALIGN:error", "DMARC-ALIGN:error"}},
		{name: "dmarc bad pct", records: []Record{rec("_dmarc", "TXT", "v=DMARC1; p=none; pct=101"), rec("_dmarc.shop", "TXT", "v=DMARC1; p=none; pct=half")}, want: []string{"DMARC-PCT:error", "DMARC-PCT:error"}},
		{name: "dmarc bad report uris", records: []Record{rec("_dmarc", "TXT", "v=DMARC1; p=none; rua=https://example.com/r, mailto:nobody; ruf=d@example.com")},
			want: []string{"DMARC-URI:error", "DMARC-URI:error", "DMARC-URI:error"}},
		{name: "dmarc unknown tag", records: []Record{rec("_dmarc", "TXT", "v=DMARC1; p=none; polcy=reject")}, want: []string{"DMARC-TAG:warning"}},
		{name: "dmarc malformed tags", records: []Record{rec("_dmarc", "TXT", "v=DMARC1; p=none; junk; p=reject; ri=soon; fo=2")},
			want: []string{"DMARC-SYNTAX:error", "DMARC-SYNTAX:error", "DMARC-SYNTAX:error", "DMARC-SYNTAX:error"}},

		// DKIM.
		{name: "dkim at selector without domainkey", records: []Record{rec("s1", "TXT", "v=DKIM1; k=rsa; p="+key2048)}, want: []string{"DKIM-NAME:error"}},
		{name: "dkim at domainkey itself", records: []Record{rec("_domainkey", "TXT", "k=rsa; p="+key2048)}, want: []string{"DKIM-NAME:error"}},
		{name: "dkim bad base64", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; p=not*base64")}, want: []string{"DKIM-KEY:error"}},
		{name: "dkim no p", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; k=rsa")}, want: []string{"DKIM-KEY:error"}},
		{name: "dkim base64 but no key", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; p=aGVsbG8gd29ybGQ=")}, want: []string{"DKIM-KEY:error"}},
		{name: "dkim ed25519 wrong size", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; k=ed25519; p=aGVsbG8gd29ybGQ=")}, want: []string{"DKIM-KEY:error"}},
		{name: "dkim rsa tag holding an ec key", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; k=rsa; p="+ecKey(t))}, want: []string{"DKIM-KEY:error"}},
		{name: "dkim revoked", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; p=")}, want: []string{"DKIM-REVOKED:warning"}},
		{name: "dkim unknown algorithm", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; k=dsa; p="+key2048)}, want: []string{"DKIM-ALGO:error"}},
		{name: "dkim weak rsa", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; p="+rsaKey(t, 512, false))}, want: []string{"DKIM-WEAK:warning"}},
		{name: "dkim v not first", records: []Record{rec("s1._domainkey", "TXT", "k=rsa; v=DKIM1; p="+key2048)}, want: []string{"DKIM-SYNTAX:error"}},
		{name: "dkim malformed tag", records: []Record{rec("s1._domainkey", "TXT", "v=DKIM1; rsa; p="+key2048)}, want: []string{"DKIM-SYNTAX:error"}},

		// MX.
		{name: "mx to ip addresses", records: []Record{rec("@", "MX", "10 192.0.2.1", "20 2001:db8::1")}, want: []string{"MX-TARGET-IP:error", "MX-TARGET-IP:error"}},
		{name: "mx to cname", records: []Record{rec("@", "MX", "10 mail.example.com."), rec("mail", "CNAME", "ghs.example.net.")}, want: []string{"MX-CNAME:error"}},
		{name: "mx to cname in other managed zone", managed: []string{"example.org"}, records: []Record{rec("@", "MX", "10 mail.example.org."), recIn("example.org", "mail", "CNAME", "x.example.net.")}, want: []string{"MX-CNAME:error"}},
		{name: "null mx mixed", records: []Record{rec("@", "MX", "0 .", "10 mx.example.net.")}, want: []string{"MX-NULL:error"}},
		{name: "null mx nonzero preference", records: []Record{rec("@", "MX", "10 .")}, want: []string{"MX-NULL:error"}},
		{name: "mx preference out of range", records: []Record{rec("@", "MX", "70000 mx.example.net.", "-1 mx2.example.net.")}, want: []string{"MX-PRIORITY:error", "MX-PRIORITY:error"}},
		// A TXT value that is not complete presentation form is literal text (docs/dns.md).
		{name: "unparsable rdata", records: []Record{rec("@", "MX", "10"), rec("www", "A", "not-an-ip"), rec("t", "TXT", `"unterminated`), rec("m", "MX", "")},
			want: []string{"DNS-RDATA:error", "DNS-RDATA:error", "DNS-RDATA:error"}},

		// CNAME and TTL.
		{name: "cname at apex", records: []Record{rec("@", "CNAME", "example.net.")}, want: []string{"CNAME-APEX:error"}},
		{name: "cname beside txt", records: []Record{rec("www", "CNAME", "example.net."), rec("www", "TXT", "hello")}, want: []string{"CNAME-EXCLUSIVE:error"}},
		{name: "cname with two targets", records: []Record{rec("www", "CNAME", "a.example.net.", "b.example.net.")}, want: []string{"CNAME-EXCLUSIVE:error"}},
		{name: "one rrset two ttls", records: []Record{rec("www", "A", "192.0.2.1"), {Zone: "example.com", Name: "WWW.example.com.", Type: "a", TTL: 300, Records: []string{"192.0.2.2"}}},
			want: []string{"DNS-TTL:error"}},

		// Tencent Exmail.
		{name: "exmail no mx", exmail: []string{"example.com"}, records: []Record{rec("@", "TXT", "v=spf1 include:spf.mail.qq.com -all")}, want: []string{"EXMAIL-MX:warning"}},
		{name: "exmail wrong mx", exmail: []string{"example.com"}, records: []Record{
			rec("@", "MX", "10 mxbiz1.qq.com.", "20 mxbiz2.qq.com."),
			rec("@", "TXT", "v=spf1 include:spf.mail.qq.com -all"),
		}, want: []string{"EXMAIL-MX:warning"}},
		{name: "exmail domain listed twice warns once", exmail: []string{"example.com", "EXAMPLE.com."}, records: []Record{rec("@", "TXT", "v=spf1 include:spf.mail.qq.com -all")},
			want: []string{"EXMAIL-MX:warning"}},
		{name: "exmail no spf", exmail: []string{"example.com"}, records: []Record{rec("@", "MX", "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com.")}, want: []string{"EXMAIL-SPF:warning"}},
		{name: "exmail spf without qq", exmail: []string{"example.com"}, records: []Record{
			rec("@", "MX", "5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."),
			rec("@", "TXT", "v=spf1 include:_spf.google.com -all"),
		}, want: []string{"EXMAIL-SPF:warning"}},
		{name: "exmail subdomain with only other records", exmail: []string{"corp.example.com"}, records: []Record{rec("www", "A", "192.0.2.1")},
			want: []string{"EXMAIL-MX:warning", "EXMAIL-SPF:warning"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := Check(Input{Records: number(tt.records), ExmailDomains: tt.exmail, ManagedZones: tt.managed})
			got := found(t, diags)
			want := append([]string(nil), tt.want...)
			sortStrings(want)
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				var lines []string
				for _, d := range diags {
					lines = append(lines, d.Summary+" — "+d.Detail)
				}
				t.Errorf("got %v, want %v\n%s", got, want, strings.Join(lines, "\n"))
			}
		})
	}
}
