package rfc2136

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

func TestTXTEscapeRoundTrip(t *testing.T) {
	cases := []string{"", "plain", `say "hi"`, `back\slash`, `\"`, "tab\there", "café ☃", "\x00\x7f\xff", `\123`}
	for _, raw := range cases {
		esc := escapeTXT(raw)
		if got := unescapeTXT(esc); got != raw {
			t.Errorf("unescape(escape(%q)) = %q (escaped %q)", raw, got, esc)
		}
		// The escaped form must pack to exactly the raw bytes on the wire.
		rr := &dns.TXT{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{esc}}
		buf := make([]byte, 1024)
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("pack %q: %v", raw, err)
		}
		back, _, err := dns.UnpackRR(buf[:n], 0)
		if err != nil {
			t.Fatalf("unpack %q: %v", raw, err)
		}
		if got := rdataOf(back); got != raw {
			t.Errorf("wire round trip of %q = %q", raw, got)
		}
		if wire := buf[n-len(raw) : n]; string(wire) != raw {
			t.Errorf("wire bytes of %q = %q", raw, wire)
		}
	}
}

func TestRRsetOfAndRRs(t *testing.T) {
	long := strings.Repeat("a", 600)
	s, err := rrsetOf(model.Object{"zone": "Example.COM.", "name": "Sel._DomainKey.example.com.", "type": "txt", "records": []string{long}})
	if err != nil {
		t.Fatal(err)
	}
	if s.key() != "example.com/sel._domainkey/TXT" || s.ttl != 600 {
		t.Errorf("rrset = %+v, want canonical key and default ttl", s)
	}
	rrs, err := s.rrs()
	if err != nil {
		t.Fatal(err)
	}
	txt := rrs[0].(*dns.TXT).Txt
	if len(txt) != 3 || len(txt[0]) != 255 || strings.Join(txt, "") != long {
		t.Errorf("600-byte TXT split into %d strings", len(txt))
	}

	bad := []struct {
		name string
		o    model.Object
		want string
	}{
		{"no zone", model.Object{"name": "www", "type": "A"}, "needs zone, name and type"},
		{"bad type", model.Object{"zone": "z", "name": "www", "type": "BOGUS", "records": []string{"1"}}, `unknown record type "BOGUS"`},
		{"bad ttl", model.Object{"zone": "z", "name": "www", "type": "A", "ttl": int64(-5), "records": []string{"192.0.2.1"}}, "ttl -5"},
	}
	for _, c := range bad {
		if _, err := rrsetOf(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	s, _ = rrsetOf(model.Object{"zone": "z", "name": "www", "type": "A", "records": []string{"not-an-ip"}})
	if _, err := s.rrs(); err == nil || !strings.Contains(err.Error(), "z/www/A") {
		t.Errorf("bad A record: err = %v, want one naming the RRset", err)
	}
}

func TestGroupRRsets(t *testing.T) {
	var rrs []dns.RR
	for _, s := range []string{
		"example.com. 300 IN SOA ns1.example.com. h.example.com. 1 2 3 4 5",
		"example.com. 300 IN NS ns1.example.com.",
		"WWW.example.com. 300 IN A 192.0.2.2",
		"www.example.com. 200 IN A 192.0.2.1",
		`t.example.com. 60 IN TXT "abc" "def"`,
		"example.com. 300 IN RRSIG A 13 2 300 20300101000000 20200101000000 1 example.com. AAAA",
		"example.com. 300 IN SOA ns1.example.com. h.example.com. 1 2 3 4 5",
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	got := groupRRsets("example.com", rrs)
	var keys []string
	for _, s := range got {
		keys = append(keys, s.key())
	}
	if want := []string{"example.com/@/NS", "example.com/t/TXT", "example.com/www/A"}; !slices.Equal(keys, want) {
		t.Fatalf("keys = %v, want %v", keys, want)
	}
	if w := got[2]; w.ttl != 200 || !slices.Equal(w.rdata, []string{"192.0.2.1", "192.0.2.2"}) {
		t.Errorf("www = %+v, want both addresses and the smallest TTL", w)
	}
	if got[1].rdata[0] != "abcdef" {
		t.Errorf("TXT strings not joined: %q", got[1].rdata)
	}
}

func change(op providers.Op, prior, desired model.Object) providers.Change {
	return providers.Change{Op: op, ID: "example.com/www/A", Prior: prior, Desired: desired}
}

func a(records ...string) model.Object {
	return model.Object{"zone": "example.com", "name": "www", "type": "A", "records": records}
}

func TestBuildOp(t *testing.T) {
	cases := []struct {
		name    string
		c       providers.Change
		prereq  []string
		updates []string
		wantErr string
	}{
		{name: "create", c: change(providers.OpCreate, nil, a("192.0.2.1")),
			prereq:  []string{"www.example.com.\t0\tNONE\tA\t"},
			updates: []string{"www.example.com.\t600\tIN\tA\t192.0.2.1"}},
		{name: "update", c: change(providers.OpUpdate, a("192.0.2.1", "192.0.2.2"), a("192.0.2.3")),
			prereq:  []string{"www.example.com.\t0\tIN\tA\t192.0.2.1", "www.example.com.\t0\tIN\tA\t192.0.2.2"},
			updates: []string{"www.example.com.\t0\tCLASS255\tA\t", "www.example.com.\t600\tIN\tA\t192.0.2.3"}},
		{name: "delete", c: change(providers.OpDelete, a("192.0.2.1"), nil),
			prereq:  []string{"www.example.com.\t0\tIN\tA\t192.0.2.1"},
			updates: []string{"www.example.com.\t0\tCLASS255\tA\t"}},
		{name: "update of an RRset the plan saw absent", c: change(providers.OpUpdate, nil, a("192.0.2.3")),
			prereq:  []string{"www.example.com.\t0\tNONE\tA\t"},
			updates: []string{"www.example.com.\t0\tCLASS255\tA\t", "www.example.com.\t600\tIN\tA\t192.0.2.3"}},
		{name: "delete without prior", c: change(providers.OpDelete, nil, nil), wantErr: "no prior record"},
		{name: "create without desired", c: change(providers.OpCreate, nil, nil), wantErr: "no desired attributes"},
		{name: "identity change", c: change(providers.OpUpdate, a("192.0.2.1"), model.Object{"zone": "example.com", "name": "web", "type": "A", "records": []string{"192.0.2.1"}}), wantErr: "needs a replace"},
		{name: "bad prior", c: change(providers.OpDelete, model.Object{"zone": "example.com"}, nil), wantErr: "needs zone"},
		{name: "bad desired record", c: change(providers.OpCreate, nil, a("300.1.1.1")), wantErr: "300.1.1.1"},
		{name: "too large", c: change(providers.OpCreate, nil, model.Object{"zone": "example.com", "name": "big", "type": "TXT", "records": []string{strings.Repeat("x", 70000)}}), wantErr: "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := buildOp(c.c, noneSeen)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strs(o.prereq); !slices.Equal(got, c.prereq) {
				t.Errorf("prerequisites = %q, want %q", got, c.prereq)
			}
			if got := strs(o.updates); !slices.Equal(got, c.updates) {
				t.Errorf("updates = %q, want %q", got, c.updates)
			}
		})
	}
}

func strs(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}

func TestPack(t *testing.T) {
	mk := func(key string, size int) *op { return &op{key: key, size: size} }
	cases := []struct {
		name string
		ops  []*op
		want []int // ops per message
	}{
		{"empty", nil, nil},
		{"all fit", []*op{mk("a", 100), mk("b", 100), mk("c", 100)}, []int{3}},
		{"size limit", []*op{mk("a", maxUpdateSize/2), mk("b", maxUpdateSize/2), mk("c", 10)}, []int{2, 1}},
		{"same RRset twice", []*op{mk("a", 10), mk("b", 10), mk("a", 10)}, []int{2, 1}},
	}
	for _, c := range cases {
		var got []int
		for _, m := range pack(c.ops) {
			got = append(got, len(m))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: messages = %v, want %v", c.name, got, c.want)
		}
	}
}

func tsigAnswer(rcode int, tsigErr uint16) *dns.Msg {
	r := new(dns.Msg)
	r.Rcode = rcode
	if tsigErr != 0 {
		r.Extra = []dns.RR{&dns.TSIG{Hdr: dns.RR_Header{Name: "k.", Rrtype: dns.TypeTSIG, Class: dns.ClassANY}, Algorithm: dns.HmacSHA256, Error: tsigErr}}
	}
	return r
}

func TestUpdateError(t *testing.T) {
	cases := []struct {
		name    string
		r       *dns.Msg
		want    string
		changed bool
	}{
		{"nxrrset", tsigAnswer(dns.RcodeNXRrset, 0), "zone z.test changed since plan; run plan again", true},
		{"yxrrset", tsigAnswer(dns.RcodeYXRrset, 0), "zone z.test changed since plan; run plan again", true},
		{"badsig", tsigAnswer(dns.RcodeNotAuth, dns.RcodeBadSig), "TSIG key rejected by srv:53 for zone z.test: check key name/algorithm/secret", false},
		{"badkey", tsigAnswer(dns.RcodeNotAuth, dns.RcodeBadKey), "TSIG key rejected by srv:53", false},
		{"notauth", tsigAnswer(dns.RcodeNotAuth, 0), "zone z.test does not exist on srv:53 or transfer refused", false},
		{"refused", tsigAnswer(dns.RcodeRefused, 0), "refused the update of zone z.test", false},
		{"notzone", tsigAnswer(dns.RcodeNotZone, 0), "outside zone z.test", false},
		{"servfail", tsigAnswer(dns.RcodeServerFailure, 0), "answered SERVFAIL to the update of zone z.test", false},
	}
	for _, c := range cases {
		err := updateError(c.r, "srv:53", "z.test")
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %q, want %q", c.name, err, c.want)
		}
		if errors.Is(err, providers.ErrChangedSincePlan) != c.changed {
			t.Errorf("%s: errors.Is(ErrChangedSincePlan) = %v", c.name, !c.changed)
		}
	}
}

func TestNetError(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	timeout := &net.OpError{Op: "read", Net: "udp", Err: os.ErrDeadlineExceeded}
	cases := []struct {
		name  string
		err   error
		write bool
		want  string
	}{
		{"refused", refused, false, "DNS server srv:53 refused the connection for zone z.test"},
		{"read timeout", timeout, false, "no answer from DNS server srv:53 for zone z.test in time"},
		{"write timeout", timeout, true, "may or may not have been applied, run plan again"},
		{"other", errors.New("boom"), false, "talking to DNS server srv:53 for zone z.test: boom"},
	}
	for _, c := range cases {
		err := netError(c.err, "srv:53", "z.test", c.write)
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrUnreachable with %q", c.name, err, c.want)
		}
	}
}

func TestWrongTypeAndBadChanges(t *testing.T) {
	p, err := New(model.Object{"server": "127.0.0.1:9"}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Read(context.Background(), providers.ReadRequest{Type: "account"}); err == nil || !strings.Contains(err.Error(), "dns_record only") {
		t.Errorf("Read(account) err = %v", err)
	}
	res := p.ApplyBatch(context.Background(), "group", []providers.Change{{Op: providers.OpCreate}})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "dns_record only") {
		t.Errorf("ApplyBatch(group) err = %v", res[0].Err)
	}
	// A change that cannot be built fails alone and is never sent (the server address
	// is a dead port, so sending would fail differently).
	res = p.ApplyBatch(context.Background(), "dns_record", []providers.Change{change(providers.OpDelete, nil, nil)})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "no prior record") {
		t.Errorf("bad change err = %v", res[0].Err)
	}
}

func noneSeen(string, string) ([]dns.RR, bool) { return nil, false }
