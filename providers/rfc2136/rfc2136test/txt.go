package rfc2136test

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnstest"
)

// ZoneTXT is the zone TXTRoundTrip writes to; the server must serve it.
const ZoneTXT = "txt.test"

// TXTRoundTrip writes TXT values as a configuration gives them (literal text and
// presentation form, with quotes, backslashes, non-ASCII and more than 255 bytes),
// reads them back by AXFR and checks that the canonical values are unchanged and
// that the bytes on the wire are the intended text.
func TXTRoundTrip(t *testing.T, srv *dnstest.Server) {
	long := "v=DKIM1; k=rsa; p=" + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", 12)
	cases := []struct {
		name, value, text string
	}{
		{"q1", `v=DKIM1; n="quoted"`, `v=DKIM1; n="quoted"`},
		{"b1", `back\slash and \" and \065`, `back\slash and \" and \065`},
		{"u1", "non-ASCII: café ☃ 世界", "non-ASCII: café ☃ 世界"},
		{"l1", long, long},
		{"p1", `"v=spf1 " "include:spf.mail.qq.com ~all"`, "v=spf1 include:spf.mail.qq.com ~all"},
		{"p2", `"say \"hi\" \\ \195\169"`, `say "hi" \ é`},
		{"p3", `"\"looks\" \"quoted\""`, `"looks" "quoted"`},
		{"l2", `"` + strings.Repeat(`\"q`, 150) + `"`, strings.Repeat(`"q`, 150)},
	}
	p, _ := NewProvider(t, srv, nil)
	ctx := context.Background()
	var changes []providers.Change
	want := map[string]model.Object{}
	for _, c := range cases {
		d := rec(ZoneTXT, c.name, "TXT", 600, c.value)
		want[id(d)] = model.Canonical(model.DNSRecord, d)
		changes = append(changes, providers.Change{Op: providers.OpCreate, Desired: d})
	}
	for i, r := range p.ApplyBatch(ctx, "dns_record", changes) {
		if r.Err != nil {
			t.Fatalf("create %s: %v", cases[i].name, r.Err)
		}
	}
	live := readZone(t, p, ZoneTXT)
	for _, c := range cases {
		k := model.RRsetKey(ZoneTXT, c.name, "TXT")
		got, ok := live[k]
		if !ok {
			t.Errorf("%s: RRset missing after create", k)
			continue
		}
		if d := model.Diff(model.DNSRecord, got, want[k], nil); len(d) > 0 {
			t.Errorf("%s: written %q, read back %q (canonical %q)", k, c.value, got.Strings("records"), want[k].Strings("records"))
		}
		// What a resolver sees is the text itself, in strings of at most 255 bytes.
		ans, err := srv.Query(model.FQDN(ZoneTXT, c.name), dns.TypeTXT)
		if err != nil || len(ans) != 1 {
			t.Errorf("%s: query: %v %v", k, ans, err)
			continue
		}
		txt := ans[0].(*dns.TXT).Txt
		if got := model.TXTJoin(txt); got != c.text {
			t.Errorf("%s: text on the wire %q, want %q", k, got, c.text)
		}
		for _, s := range txt {
			if n := len(model.TXTJoin([]string{s})); n > 255 {
				t.Errorf("%s: a string of %d bytes", k, n)
			}
		}
	}
	// A second read settles on the same values: plan after apply shows nothing.
	again := readZone(t, p, ZoneTXT)
	for k, o := range live {
		if d := model.Diff(model.DNSRecord, again[k], o, nil); len(d) > 0 {
			t.Errorf("%s: second read differs: %v", k, d)
		}
	}
}
