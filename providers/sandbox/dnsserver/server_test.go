package dnsserver

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

const (
	keyName   = "mailform-key."
	keySecret = "c2FuZGJveC10c2lnLXNlY3JldC1mb3ItdGVzdHMhIQ=="
	zone      = "example.com."
)

// start opens a store with a small example.com zone and serves it on 127.0.0.1:0.
func start(t *testing.T, opt Options) (*Server, *tenant.Store) {
	t.Helper()
	st, err := tenant.Open(t.TempDir(), tenant.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, o := range []model.Object{
		{"zone": "example.com", "name": "www", "type": "A", "records": []string{"192.0.2.1", "192.0.2.2"}, "ttl": int64(300)},
		{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."}},
		{"zone": "example.com", "name": "mail", "type": "CNAME", "records": []string{"www.example.com."}},
		{"zone": "example.com", "name": "sel._domainkey", "type": "TXT", "records": []string{"v=DKIM1; p=abc"}},
	} {
		if _, err := st.Create("dns_record", "", o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Create("domain", "", model.Object{"name": "empty.org"}); err != nil {
		t.Fatal(err)
	}
	opt.Addr = "127.0.0.1:0"
	srv, err := New(st, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	return srv, st
}

func keyed() Options { return Options{TSIGName: keyName, TSIGSecret: keySecret} }

func ask(t *testing.T, srv *Server, net, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetQuestion(name, qtype)
	c := &dns.Client{Net: net, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, srv.Addr())
	if err != nil {
		t.Fatalf("query %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return r
}

func TestQuery(t *testing.T) {
	srv, st := start(t, keyed())
	serial, _ := st.ZoneSerial("example.com")
	tests := []struct {
		name       string
		qname      string
		qtype      uint16
		rcode      int
		answers    int
		authority  bool // the SOA is in the authority section
		answerHas  string
		authorised bool
	}{
		{"A RRset", "www.example.com.", dns.TypeA, dns.RcodeSuccess, 2, false, "192.0.2.2", true},
		{"case-insensitive", "WWW.Example.COM.", dns.TypeA, dns.RcodeSuccess, 2, false, "192.0.2.1", true},
		{"MX at apex", zone, dns.TypeMX, dns.RcodeSuccess, 2, false, "mxbiz1.qq.com.", true},
		{"synthesised SOA", zone, dns.TypeSOA, dns.RcodeSuccess, 1, false, "hostmaster.example.com.", true},
		{"synthesised NS", zone, dns.TypeNS, dns.RcodeSuccess, 1, false, "ns1.example.com.", true},
		{"SOA of a declared empty zone", "empty.org.", dns.TypeSOA, dns.RcodeSuccess, 1, false, "ns1.empty.org.", true},
		{"CNAME for another type", "mail.example.com.", dns.TypeA, dns.RcodeSuccess, 1, false, "CNAME", true},
		{"NODATA", "www.example.com.", dns.TypeAAAA, dns.RcodeSuccess, 0, true, "", true},
		{"empty non-terminal", "_domainkey.example.com.", dns.TypeTXT, dns.RcodeSuccess, 0, true, "", true},
		{"NXDOMAIN", "nope.example.com.", dns.TypeA, dns.RcodeNameError, 0, true, "", true},
		{"other zone", "example.net.", dns.TypeA, dns.RcodeRefused, 0, false, "", false},
	}
	for _, tt := range tests {
		for _, network := range []string{"udp", "tcp"} {
			t.Run(tt.name+"/"+network, func(t *testing.T) {
				r := ask(t, srv, network, tt.qname, tt.qtype)
				if r.Rcode != tt.rcode || len(r.Answer) != tt.answers || r.Authoritative != tt.authorised {
					t.Fatalf("rcode %s, %d answers, aa=%v; want %s, %d:\n%v", dns.RcodeToString[r.Rcode], len(r.Answer), r.Authoritative, dns.RcodeToString[tt.rcode], tt.answers, r)
				}
				if tt.answerHas != "" && !strings.Contains(r.String(), tt.answerHas) {
					t.Errorf("answer lacks %q:\n%v", tt.answerHas, r)
				}
				if tt.authority {
					soa, ok := r.Ns[0].(*dns.SOA)
					if len(r.Ns) != 1 || !ok || soa.Serial != serial {
						t.Errorf("authority = %v, want the SOA with serial %d", r.Ns, serial)
					}
				}
			})
		}
	}
}

func axfr(addr, name string, signed bool, secret string) ([]dns.RR, error) {
	m := new(dns.Msg).SetAxfr(name)
	tr := &dns.Transfer{}
	if signed {
		tr.TsigSecret = map[string]string{keyName: secret}
		m.SetTsig(keyName, dns.HmacSHA256, 300, time.Now().Unix())
	}
	ch, err := tr.In(m, addr)
	if err != nil {
		return nil, err
	}
	var out []dns.RR
	for env := range ch {
		if env.Error != nil {
			return out, env.Error
		}
		out = append(out, env.RR...)
	}
	return out, nil
}

func TestAXFR(t *testing.T) {
	t.Run("signed", func(t *testing.T) {
		srv, _ := start(t, keyed())
		rrs, err := axfr(srv.Addr(), zone, true, keySecret)
		if err != nil {
			t.Fatal(err)
		}
		// SOA, NS, 2 A, 2 MX, CNAME, TXT, SOA
		if len(rrs) != 9 || rrs[0].Header().Rrtype != dns.TypeSOA || rrs[len(rrs)-1].Header().Rrtype != dns.TypeSOA {
			t.Fatalf("AXFR = %v", rrs)
		}
	})
	t.Run("unsigned refused when a key is set", func(t *testing.T) {
		srv, _ := start(t, keyed())
		if rrs, err := axfr(srv.Addr(), zone, false, ""); err == nil {
			t.Fatalf("unsigned AXFR gave %v", rrs)
		}
	})
	t.Run("wrong key refused", func(t *testing.T) {
		srv, _ := start(t, keyed())
		if rrs, err := axfr(srv.Addr(), zone, true, "d3Jvbmctc2VjcmV0"); err == nil || len(rrs) > 0 {
			t.Fatalf("badly signed AXFR gave %v, %v", rrs, err)
		}
	})
	t.Run("unsigned open without a key", func(t *testing.T) {
		srv, _ := start(t, Options{})
		rrs, err := axfr(srv.Addr(), zone, false, "")
		if err != nil || len(rrs) != 9 {
			t.Fatalf("AXFR = %v, %v", rrs, err)
		}
	})
	t.Run("not a zone apex", func(t *testing.T) {
		srv, _ := start(t, Options{})
		if _, err := axfr(srv.Addr(), "www.example.com.", false, ""); err == nil {
			t.Fatal("AXFR of a name below the apex succeeded")
		}
	})
}

// send sends an UPDATE for example.com, signed with secret unless it is "".
func send(t *testing.T, srv *Server, secret string, build func(m *dns.Msg)) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetUpdate(zone)
	build(m)
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	if secret != "" {
		c.TsigSecret = map[string]string{keyName: secret}
		m.SetTsig(keyName, dns.HmacSHA256, 300, time.Now().Unix())
	}
	r, _, err := c.Exchange(m, srv.Addr())
	if r == nil {
		t.Fatalf("update: %v", err)
	}
	return r
}

func rr(t *testing.T, s string) dns.RR {
	t.Helper()
	x, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func records(t *testing.T, st *tenant.Store, name, typ string) []string {
	t.Helper()
	o, err := st.Get("dns_record", model.RRsetKey("example.com", name, typ))
	if errors.Is(err, tenant.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return o.Strings("records")
}

func TestUpdateTSIG(t *testing.T) {
	srv, st := start(t, keyed())
	before, _ := st.ZoneSerial("example.com")
	add := func(m *dns.Msg) { m.Insert([]dns.RR{rr(t, "new.example.com. 120 IN A 198.51.100.7")}) }

	r := send(t, srv, "", add)
	if r.Rcode != dns.RcodeNotAuth {
		t.Errorf("unsigned update: rcode %s, want NOTAUTH", dns.RcodeToString[r.Rcode])
	}
	r = send(t, srv, "d3Jvbmctc2VjcmV0LWtleQ==", add)
	if tsig := r.IsTsig(); r.Rcode != dns.RcodeNotAuth || tsig == nil || tsig.Error != dns.RcodeBadSig {
		t.Errorf("badly signed update: %v", r)
	}
	if got := records(t, st, "new", "A"); got != nil {
		t.Fatalf("refused update was applied: %v", got)
	}
	if n, _ := st.ZoneSerial("example.com"); n != before {
		t.Errorf("serial moved on refused updates: %d -> %d", before, n)
	}

	r = send(t, srv, keySecret, add)
	if r.Rcode != dns.RcodeSuccess || r.IsTsig() == nil {
		t.Fatalf("signed update: %v", r)
	}
	if got := records(t, st, "new", "A"); len(got) != 1 || got[0] != "198.51.100.7" {
		t.Errorf("stored after update = %v", got)
	}
	if n, _ := st.ZoneSerial("example.com"); n != before+1 {
		t.Errorf("serial %d after one update, want %d", n, before+1)
	}
	if a := ask(t, srv, "udp", "new.example.com.", dns.TypeA); len(a.Answer) != 1 || a.Answer[0].Header().Ttl != 120 {
		t.Errorf("query after update = %v", a)
	}
}

func TestUpdateOpen(t *testing.T) {
	srv, _ := start(t, Options{})
	r := send(t, srv, "", func(m *dns.Msg) { m.Insert([]dns.RR{rr(t, "x.example.com. 60 IN A 192.0.2.50")}) })
	if r.Rcode != dns.RcodeSuccess {
		t.Errorf("unsigned update without a key: %s", dns.RcodeToString[r.Rcode])
	}
	r = send(t, srv, keySecret, func(m *dns.Msg) { m.Insert([]dns.RR{rr(t, "y.example.com. 60 IN A 192.0.2.50")}) })
	if tsig := r.IsTsig(); r.Rcode != dns.RcodeNotAuth || tsig == nil || tsig.Error != dns.RcodeBadKey {
		t.Errorf("update signed with a key the server does not know: %v", r)
	}
}

func TestUpdatePrerequisitesAndOperations(t *testing.T) {
	tests := []struct {
		name  string
		build func(t *testing.T, m *dns.Msg)
		rcode int
		check func(t *testing.T, st *tenant.Store)
	}{
		{"rrset exists fails (NXRRSET)", func(t *testing.T, m *dns.Msg) {
			m.RRsetUsed([]dns.RR{rr(t, "www.example.com. 0 IN AAAA ::1")})
			m.Insert([]dns.RR{rr(t, "z.example.com. 60 IN A 192.0.2.9")})
		}, dns.RcodeNXRrset, func(t *testing.T, st *tenant.Store) {
			if records(t, st, "z", "A") != nil {
				t.Error("update applied despite failed prerequisite")
			}
		}},
		{"rrset absent fails (YXRRSET)", func(t *testing.T, m *dns.Msg) {
			m.RRsetNotUsed([]dns.RR{rr(t, "www.example.com. 0 IN A 0.0.0.0")})
			m.Insert([]dns.RR{rr(t, "z.example.com. 60 IN A 192.0.2.9")})
		}, dns.RcodeYXRrset, nil},
		{"name in use fails (NXDOMAIN)", func(t *testing.T, m *dns.Msg) {
			m.NameUsed([]dns.RR{rr(t, "nope.example.com. 0 IN A 0.0.0.0")})
		}, dns.RcodeNameError, nil},
		{"name not in use fails (YXDOMAIN)", func(t *testing.T, m *dns.Msg) {
			m.NameNotUsed([]dns.RR{rr(t, "www.example.com. 0 IN A 0.0.0.0")})
		}, dns.RcodeYXDomain, nil},
		{"value-dependent mismatch (NXRRSET)", func(t *testing.T, m *dns.Msg) {
			m.Used([]dns.RR{rr(t, "www.example.com. 0 IN A 192.0.2.1")}) // the set also holds .2
			m.RemoveRRset([]dns.RR{rr(t, "www.example.com. 0 IN A 0.0.0.0")})
		}, dns.RcodeNXRrset, func(t *testing.T, st *tenant.Store) {
			if len(records(t, st, "www", "A")) != 2 {
				t.Error("RRset deleted despite failed prerequisite")
			}
		}},
		{"value-dependent match, replace RRset", func(t *testing.T, m *dns.Msg) {
			m.Used([]dns.RR{rr(t, "www.example.com. 0 IN A 192.0.2.1"), rr(t, "www.example.com. 0 IN A 192.0.2.2")})
			m.RRsetUsed([]dns.RR{rr(t, "example.com. 0 IN SOA . . 0 0 0 0 0")})
			m.RemoveRRset([]dns.RR{rr(t, "www.example.com. 0 IN A 0.0.0.0")})
			m.Insert([]dns.RR{rr(t, "www.example.com. 900 IN A 203.0.113.5")})
		}, dns.RcodeSuccess, func(t *testing.T, st *tenant.Store) {
			if got := records(t, st, "www", "A"); len(got) != 1 || got[0] != "203.0.113.5" {
				t.Errorf("www A = %v", got)
			}
		}},
		{"delete one RR", func(t *testing.T, m *dns.Msg) {
			m.Remove([]dns.RR{rr(t, "example.com. 0 IN MX 10 MXBIZ2.qq.com.")})
		}, dns.RcodeSuccess, func(t *testing.T, st *tenant.Store) {
			if got := records(t, st, "@", "MX"); len(got) != 1 || got[0] != "5 mxbiz1.qq.com." {
				t.Errorf("MX = %v", got)
			}
		}},
		{"delete name keeps the apex NS and SOA", func(t *testing.T, m *dns.Msg) {
			m.RemoveName([]dns.RR{rr(t, "example.com. 0 IN A 0.0.0.0")})
			m.RemoveName([]dns.RR{rr(t, "www.example.com. 0 IN A 0.0.0.0")})
		}, dns.RcodeSuccess, func(t *testing.T, st *tenant.Store) {
			if records(t, st, "www", "A") != nil || records(t, st, "@", "MX") != nil {
				t.Error("names not deleted")
			}
		}},
		{"CNAME clash is ignored", func(t *testing.T, m *dns.Msg) {
			m.Insert([]dns.RR{rr(t, "mail.example.com. 60 IN A 192.0.2.9")})
		}, dns.RcodeSuccess, func(t *testing.T, st *tenant.Store) {
			if records(t, st, "mail", "A") != nil {
				t.Error("A added beside a CNAME")
			}
		}},
		{"outside the zone (NOTZONE)", func(t *testing.T, m *dns.Msg) {
			m.Insert([]dns.RR{rr(t, "www.example.net. 60 IN A 192.0.2.9")})
		}, dns.RcodeNotZone, nil},
		{"prerequisite with TTL (FORMERR)", func(t *testing.T, m *dns.Msg) {
			m.Answer = append(m.Answer, rr(t, "www.example.com. 5 IN A 192.0.2.1"))
		}, dns.RcodeFormatError, nil},
		{"a second CNAME replaces the first", func(t *testing.T, m *dns.Msg) {
			m.Insert([]dns.RR{rr(t, "two.example.com. 60 IN CNAME a.example.net."), rr(t, "two.example.com. 60 IN CNAME b.example.net.")})
			m.Insert([]dns.RR{rr(t, "x.example.com. 60 IN A 192.0.2.1")})
		}, dns.RcodeSuccess, func(t *testing.T, st *tenant.Store) {
			if got := records(t, st, "two", "CNAME"); len(got) != 1 || got[0] != "b.example.net." {
				t.Errorf("CNAME = %v", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, st := start(t, keyed())
			before, _ := st.ZoneSerial("example.com")
			r := send(t, srv, keySecret, func(m *dns.Msg) { tt.build(t, m) })
			if r.Rcode != tt.rcode {
				t.Fatalf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
			if after, _ := st.ZoneSerial("example.com"); (tt.rcode == dns.RcodeSuccess) != (after == before+1) && tt.name != "CNAME clash is ignored" {
				t.Errorf("serial %d -> %d", before, after)
			}
			if tt.check != nil {
				tt.check(t, st)
			}
		})
	}
}

func TestUpdateOfUnknownZone(t *testing.T) {
	srv, _ := start(t, keyed())
	m := new(dns.Msg).SetUpdate("example.net.")
	m.Insert([]dns.RR{rr(t, "www.example.net. 60 IN A 192.0.2.9")})
	m.SetTsig(keyName, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{keyName: keySecret}}
	// miekg/dns reports every NOTAUTH answer to a signed request as "bad
	// authentication", so the rcode is what counts.
	r, _, err := c.Exchange(m, srv.Addr())
	if r == nil || r.Rcode != dns.RcodeNotAuth {
		t.Errorf("update of a zone not served: %v, %v", r, err)
	}
}

func TestLongTXTRoundTrip(t *testing.T) {
	srv, st := start(t, keyed())
	text := `v=DKIM1; n="quoted \ backslash"; p=` + strings.Repeat("MIIBIjANBgkqhkiG9w0B", 20)
	// Written through the DNS in presentation form: escaped and split in two strings.
	esc := strings.Join(model.TXTStrings(text), "")
	pres := `"` + esc[:100] + `" "` + esc[100:] + `"`
	r := send(t, srv, keySecret, func(m *dns.Msg) { m.Insert([]dns.RR{rr(t, "k1._domainkey.example.com. 300 IN TXT "+pres)}) })
	if r.Rcode != dns.RcodeSuccess {
		t.Fatalf("update: %s", dns.RcodeToString[r.Rcode])
	}
	if got := records(t, st, "k1._domainkey", "TXT"); len(got) != 1 || got[0] != text {
		t.Fatalf("stored text = %q, want %q", got, text)
	}
	// Written through the store as raw text, read back over the DNS.
	if _, err := st.Create("dns_record", "", model.Object{"zone": "example.com", "name": "k2._domainkey", "type": "TXT", "records": []string{text}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"k1._domainkey.example.com.", "k2._domainkey.example.com."} {
		a := ask(t, srv, "tcp", name, dns.TypeTXT)
		if len(a.Answer) != 1 {
			t.Fatalf("%s: %v", name, a)
		}
		txt := a.Answer[0].(*dns.TXT)
		if len(txt.Txt) != 2 {
			t.Errorf("%s: %d strings, want 2 (split at 255 bytes)", name, len(txt.Txt))
		}
		if model.TXTJoin(txt.Txt[:1]) != text[:255] {
			t.Errorf("%s: first string is not the first 255 bytes", name)
		}
		if got := rdataOf(txt); got != text {
			t.Errorf("%s: read back %q, want %q", name, got, text)
		}
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	for _, opt := range []Options{
		{TSIGName: "k"},
		{TSIGName: "k", TSIGSecret: "not base64!"},
		{TSIGName: "k", TSIGSecret: keySecret, TSIGAlgo: "hmac-md4"},
	} {
		if _, err := New(nil, opt); err == nil {
			t.Errorf("New(%+v) accepted", opt)
		}
	}
}
