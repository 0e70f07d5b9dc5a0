package model

import (
	"strings"
	"testing"
)

// rdataTypes are the record types a dns_record may have.
var rdataTypes = []string{"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "NS"}

// Canonicalisation is idempotent for every record type: canon(canon(x)) == canon(x).
// A value that is not is refused, never planned as a change on every run.
func FuzzCanonicalRData(f *testing.F) {
	for _, s := range []struct {
		t uint8
		r string
	}{
		{0, "192.0.2.1"}, {1, "2001:db8::1"}, {2, `\0\`}, {2, "Mail.Example.COM"}, {3, "5 mxbiz1.qq.com."},
		{3, "10 MX.example.com"}, {4, `"v=spf1 include:spf.mail.qq.com ~all"`}, {4, `"a" "b\"c"`}, {4, `v=DKIM1; n="a\b"`},
		{5, "10 5 443 _sip.example.com."}, {6, `0 issue "letsencrypt.org"`}, {6, `128 iodef "mailto:x@example.com"`},
		{7, "ns1.example.com."}, {2, `a\.b.example.`}, {2, `\065.example.`}, {4, `"\255\000"`},
	} {
		f.Add(s.t, s.r)
	}
	f.Fuzz(func(t *testing.T, ti uint8, rdata string) {
		typ := rdataTypes[int(ti)%len(rdataTypes)]
		c, err := CanonicalRData(typ, rdata)
		if err != nil {
			return
		}
		again, err := CanonicalRData(typ, c)
		if err != nil || again != c {
			t.Fatalf("%s %q: canonical %q reads back as %q (%v)", typ, rdata, c, again, err)
		}
	})
}

// A TXT text survives TXTValue and TXTText: what is written is what is published.
func FuzzTXT(f *testing.F) {
	for _, s := range []string{"v=spf1 -all", `"quoted"`, `"a" "b"`, `back\slash`, "", " ", `"`, `"\"`, strings.Repeat("x", 300), "é\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v := TXTValue(text)
		got, err := TXTText(v)
		if err != nil || got != text {
			t.Fatalf("text %q: value %q reads back as %q (%v)", text, v, got, err)
		}
		joined := TXTJoin(TXTStrings(text))
		if joined != text {
			t.Fatalf("text %q: split and joined gives %q", text, joined)
		}
	})
}

// RDATA whose presentation form changes on every reading is refused.
func TestCanonicalRDataRefusesWhatDoesNotReadBack(t *testing.T) {
	if c, err := CanonicalRData("CNAME", `\0\`); err == nil || !strings.Contains(err.Error(), "does not read back as written") {
		t.Errorf(`CNAME \0\ = %q, %v; want refused`, c, err)
	}
	if c, err := CanonicalRData("CNAME", "Mail.Example.com"); err != nil || c != "mail.example.com." {
		t.Errorf("CNAME Mail.Example.com = %q, %v", c, err)
	}
}

// An A or AAAA RDATA taken as canonical without dns.NewRR is what miekg/dns gives back.
func FuzzPlainAddress(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "010.0.0.1", "2001:db8::1", "2001:DB8::1", "::ffff:1.2.3.4", "::1.2.3.4", "fe80::1%eth0", "1:0:0:4:0:0:0:8"} {
		f.Add(true, s)
		f.Add(false, s)
	}
	f.Fuzz(func(t *testing.T, v4 bool, rdata string) {
		typ := "AAAA"
		if v4 {
			typ = "A"
		}
		if !plainAddress(typ, rdata) {
			return
		}
		if c, err := parsedRData(typ, rdata); err != nil || c != rdata {
			t.Fatalf("%s %q taken as canonical; miekg/dns gives %q, %v", typ, rdata, c, err)
		}
	})
}
