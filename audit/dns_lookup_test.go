package audit

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/state"
)

// serveDNS answers from zone (name → records in presentation form) on a free UDP port.
func serveDNS(t *testing.T, records []string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		for _, s := range records {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Error(err)
				continue
			}
			if strings.EqualFold(rr.Header().Name, q.Name) && rr.Header().Rrtype == q.Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		_ = w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestLookupDNS(t *testing.T) {
	addr := serveDNS(t, []string{
		"x.com. 60 IN MX 5 mxbiz1.qq.com.",
		"x.com. 60 IN MX 10 mxbiz2.qq.com.",
		`x.com. 60 IN TXT "v=spf1 include:spf.mail.qq.com ~all"`,
		`_dmarc.x.com. 60 IN TXT "v=DMARC1; p=reject"`,
		`s1._domainkey.x.com. 60 IN TXT "v=DKIM1; k=rsa; " "p=MIIBIjAN"`,
	})
	st := &state.State{Resources: []*state.Resource{
		{Address: "domain.x", Type: "domain", Attrs: model.Object{"name": "X.com"}},
		{Address: "domain.y", Type: "domain", Attrs: model.Object{"name": "y.com"}},
		{Address: "dns_record.dkim", Type: "dns_record", Attrs: model.Object{"zone": "x.com", "name": "s1._domainkey", "type": "TXT"}},
	}}
	in := Input{Now: now, Policy: DefaultPolicy(), Provider: "exmail"}
	LookupDNS(context.Background(), &in, st, addr, 2*time.Second)
	if len(in.DNS) != 2 || in.DNS[0].Err != "" || len(in.DNS[0].MX) != 2 || in.DNS[0].DKIM["s1"][0] != "v=DKIM1; k=rsa; p=MIIBIjAN" {
		t.Fatalf("%+v", in.DNS)
	}
	got := mailDNS(in)
	check(t, "x.com complete, y.com empty", got, "Live mail DNS incomplete: y.com")

	// A server that never answers is a reason per domain, within the timeout.
	dead, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	in = Input{Now: now, Policy: DefaultPolicy()}
	start := time.Now()
	LookupDNS(context.Background(), &in, st, dead.LocalAddr().String(), 200*time.Millisecond)
	if time.Since(start) > 2*time.Second || in.DNS[0].Err == "" {
		t.Fatalf("unanswered lookups took %s: %+v", time.Since(start), in.DNS)
	}
	check(t, "unreachable", mailDNS(in), "Mail DNS could not be checked: x.com", "Mail DNS could not be checked: y.com")
}
