package dnsserver

import (
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// SOA timers of every synthesised SOA.
const (
	soaTTL     = 3600
	soaRefresh = 3600
	soaRetry   = 600
	soaExpire  = 86400
	soaMinTTL  = 300
)

func now() int64 { return time.Now().Unix() }

// findZone returns the most specific zone the store serves that holds qname, or nil.
func (s *Server) findZone(qname string) (*tenant.Zone, error) {
	zones, err := s.store.Zones()
	if err != nil {
		return nil, err
	}
	qname = strings.ToLower(dns.Fqdn(qname))
	best := ""
	for _, z := range zones {
		if dns.IsSubDomain(z+".", qname) && len(z) > len(best) {
			best = z
		}
	}
	if best == "" {
		return nil, nil
	}
	return s.store.Zone(best)
}

// apex returns the synthesised SOA and the apex NS RRset (the stored one if any).
func (s *Server) apex(zd *zoneData, serial uint32) (*dns.SOA, []dns.RR, error) {
	origin := dns.Fqdn(zd.zone)
	var ns []dns.RR
	if set := zd.sets[setKey("@", "NS")]; set != nil && len(set.records) > 0 {
		var err error
		if ns, err = zd.toRRs(set); err != nil {
			return nil, nil, err
		}
	} else {
		host := s.opt.NS
		if host == "" {
			host = "ns1." + origin
		}
		ns = []dns.RR{&dns.NS{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: soaTTL}, Ns: dns.Fqdn(host)}}
	}
	soa := &dns.SOA{
		Hdr:     dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: soaTTL},
		Ns:      ns[0].(*dns.NS).Ns,
		Mbox:    "hostmaster." + origin,
		Serial:  serial,
		Refresh: soaRefresh, Retry: soaRetry, Expire: soaExpire, Minttl: soaMinTTL,
	}
	return soa, ns, nil
}

func (s *Server) query(w dns.ResponseWriter, r *dns.Msg) {
	if !s.authorised(w, r, false) {
		return
	}
	q := r.Question[0]
	m := new(dns.Msg).SetReply(r)
	m.Authoritative = true
	z, err := s.findZone(q.Name)
	if err != nil {
		s.reply(w, r, m.SetRcode(r, dns.RcodeServerFailure))
		return
	}
	if z == nil || (q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY) {
		m.Authoritative = false
		s.reply(w, r, m.SetRcode(r, dns.RcodeRefused))
		return
	}
	zd := loadZone(z.Name, z.RRsets)
	soa, ns, err := s.apex(zd, z.Serial)
	if err != nil {
		s.reply(w, r, m.SetRcode(r, dns.RcodeServerFailure))
		return
	}
	name := zd.relName(dns.Fqdn(q.Name))
	// The answer set at the name, including the synthesised apex records.
	var answer []dns.RR
	var cname []dns.RR
	found := false
	if name == "@" {
		found = true
		if q.Qtype == dns.TypeSOA || q.Qtype == dns.TypeANY {
			answer = append(answer, soa)
		}
		if q.Qtype == dns.TypeNS || q.Qtype == dns.TypeANY {
			answer = append(answer, ns...)
		}
	}
	for _, key := range sortedKeys(zd) {
		set := zd.sets[key]
		if set.name != name || (name == "@" && set.typ == "NS") {
			continue
		}
		found = true
		rrs, err := zd.toRRs(set)
		if err != nil {
			s.reply(w, r, m.SetRcode(r, dns.RcodeServerFailure))
			return
		}
		switch {
		case q.Qtype == dns.TypeANY || dns.StringToType[set.typ] == q.Qtype:
			answer = append(answer, rrs...)
		case set.typ == "CNAME":
			cname = rrs
		}
	}
	if len(answer) == 0 && cname != nil {
		answer = cname
	}
	m.Answer = answer
	if len(answer) == 0 {
		// NODATA or NXDOMAIN: the SOA in authority tells resolvers how long to cache it.
		m.Ns = []dns.RR{soa}
		if !found && !emptyNonTerminal(zd, name) {
			m.Rcode = dns.RcodeNameError
		}
	}
	if w.LocalAddr().Network() == "udp" {
		size := dns.MinMsgSize
		if o := r.IsEdns0(); o != nil {
			size = int(o.UDPSize())
			m.SetEdns0(o.UDPSize(), false)
		}
		m.Truncate(size)
	}
	s.reply(w, r, m)
}

// emptyNonTerminal reports whether a stored name lies below name, which then exists
// without data of its own.
func emptyNonTerminal(zd *zoneData, name string) bool {
	for _, set := range zd.sets {
		if strings.HasSuffix(set.name, "."+name) {
			return true
		}
	}
	return false
}

func sortedKeys(zd *zoneData) []string {
	keys := make([]string, 0, len(zd.sets))
	for k := range zd.sets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// axfrChunk bounds the RDATA bytes per AXFR message, well inside 64 KiB.
const axfrChunk = 16 << 10

func (s *Server) axfr(w dns.ResponseWriter, r *dns.Msg) {
	if w.LocalAddr().Network() == "udp" {
		s.reply(w, r, new(dns.Msg).SetRcode(r, dns.RcodeRefused))
		return
	}
	if !s.authorised(w, r, true) {
		return
	}
	z, err := s.findZone(r.Question[0].Name)
	if err != nil {
		s.reply(w, r, new(dns.Msg).SetRcode(r, dns.RcodeServerFailure))
		return
	}
	if z == nil || model.CanonicalDomain(r.Question[0].Name) != z.Name {
		s.reply(w, r, new(dns.Msg).SetRcode(r, dns.RcodeNotAuth))
		return
	}
	zd := loadZone(z.Name, z.RRsets)
	soa, ns, err := s.apex(zd, z.Serial)
	if err != nil {
		s.reply(w, r, new(dns.Msg).SetRcode(r, dns.RcodeServerFailure))
		return
	}
	all := append([]dns.RR{soa}, ns...)
	for _, key := range sortedKeys(zd) {
		set := zd.sets[key]
		if set.name == "@" && set.typ == "NS" {
			continue
		}
		rrs, err := zd.toRRs(set)
		if err != nil {
			s.reply(w, r, new(dns.Msg).SetRcode(r, dns.RcodeServerFailure))
			return
		}
		all = append(all, rrs...)
	}
	all = append(all, soa)
	var envs []*dns.Envelope
	cur, size := &dns.Envelope{}, 0
	for _, rr := range all {
		if size+dns.Len(rr) > axfrChunk && len(cur.RR) > 0 {
			envs = append(envs, cur)
			cur, size = &dns.Envelope{}, 0
		}
		cur.RR = append(cur.RR, rr)
		size += dns.Len(rr)
	}
	envs = append(envs, cur)
	ch := make(chan *dns.Envelope, len(envs))
	for _, e := range envs {
		ch <- e
	}
	close(ch)
	tr := new(dns.Transfer)
	tr.Out(w, r, ch)
}
