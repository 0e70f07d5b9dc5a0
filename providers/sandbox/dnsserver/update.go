package dnsserver

import (
	"errors"
	"fmt"
	"sort"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// rcodeError aborts an UPDATE with a DNS response code; the zone stays untouched.
type rcodeError struct {
	rcode int
	msg   string
}

func (e *rcodeError) Error() string { return dns.RcodeToString[e.rcode] + ": " + e.msg }

func fail(rcode int, format string, args ...any) error {
	return &rcodeError{rcode: rcode, msg: fmt.Sprintf(format, args...)}
}

// update applies an RFC 2136 UPDATE: the zone section names the zone, the
// prerequisite section (Answer) must hold, and the update section (Ns) is applied in
// one store transaction.
func (s *Server) update(w dns.ResponseWriter, r *dns.Msg) {
	if !s.authorised(w, r, true) {
		return
	}
	m := new(dns.Msg).SetReply(r)
	zq := r.Question[0]
	if zq.Qtype != dns.TypeSOA {
		s.reply(w, r, m.SetRcode(r, dns.RcodeFormatError))
		return
	}
	z, err := s.findZone(zq.Name)
	if err != nil {
		s.reply(w, r, m.SetRcode(r, dns.RcodeServerFailure))
		return
	}
	if z == nil || z.Name != zoneName(zq.Name) || !z.Exists() {
		s.reply(w, r, m.SetRcode(r, dns.RcodeNotAuth))
		return
	}
	err = s.store.EditZone(z.Name, func(tz *tenant.Zone) error {
		zd := loadZone(tz.Name, tz.RRsets)
		if err := checkPrerequisites(zd, r.Answer); err != nil {
			return err
		}
		if err := prescan(zd, r.Ns); err != nil {
			return err
		}
		for _, rr := range r.Ns {
			applyUpdate(zd, rr)
		}
		tz.RRsets = zd.objects()
		return nil
	})
	var re *rcodeError
	switch {
	case err == nil:
		m.Rcode = dns.RcodeSuccess
	case errors.As(err, &re):
		m.Rcode = re.rcode
	case errors.Is(err, tenant.ErrInvalid):
		m.Rcode = dns.RcodeRefused
	default:
		m.Rcode = dns.RcodeServerFailure
	}
	s.reply(w, r, m)
}

func zoneName(n string) string { return model.CanonicalDomain(n) }

// checkPrerequisites applies RFC 2136 §3.2.
func checkPrerequisites(zd *zoneData, prereqs []dns.RR) error {
	want := map[string][]string{} // value-dependent RRsets by name/TYPE
	for _, rr := range prereqs {
		h := rr.Header()
		if h.Ttl != 0 {
			return fail(dns.RcodeFormatError, "prerequisite %s has a TTL", h.Name)
		}
		if !zd.inZone(h.Name) {
			return fail(dns.RcodeNotZone, "prerequisite %s is outside zone %s", h.Name, zd.zone)
		}
		name, typ := zd.relName(h.Name), dns.TypeToString[h.Rrtype]
		switch h.Class {
		case dns.ClassANY:
			if !emptyRData(rr) {
				return fail(dns.RcodeFormatError, "prerequisite %s of class ANY has RDATA", h.Name)
			}
			if h.Rrtype == dns.TypeANY {
				if !zd.nameInUse(name) {
					return fail(dns.RcodeNameError, "%s is not in use", h.Name)
				}
			} else if !rrsetExists(zd, name, typ) {
				return fail(dns.RcodeNXRrset, "%s %s does not exist", h.Name, typ)
			}
		case dns.ClassNONE:
			if !emptyRData(rr) {
				return fail(dns.RcodeFormatError, "prerequisite %s of class NONE has RDATA", h.Name)
			}
			if h.Rrtype == dns.TypeANY {
				if zd.nameInUse(name) {
					return fail(dns.RcodeYXDomain, "%s is in use", h.Name)
				}
			} else if rrsetExists(zd, name, typ) {
				return fail(dns.RcodeYXRrset, "%s %s exists", h.Name, typ)
			}
		case dns.ClassINET:
			k := setKey(name, typ)
			want[k] = append(want[k], rdataOf(rr))
		default:
			return fail(dns.RcodeFormatError, "prerequisite %s has class %s", h.Name, dns.ClassToString[h.Class])
		}
	}
	for k, recs := range want {
		have := zd.sets[k]
		if have == nil || !sameSet(have.records, recs) {
			return fail(dns.RcodeNXRrset, "RRset %s differs from the prerequisite", k)
		}
	}
	return nil
}

func rrsetExists(zd *zoneData, name, typ string) bool {
	if name == "@" && (typ == "SOA" || typ == "NS") {
		return true
	}
	s := zd.sets[setKey(name, typ)]
	return s != nil && len(s.records) > 0
}

func emptyRData(rr dns.RR) bool {
	_, ok := rr.(*dns.RR_Header)
	return ok || rr.Header().Rdlength == 0
}

func sameSet(a, b []string) bool {
	x := dedup(a)
	y := dedup(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func dedup(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// prescan applies RFC 2136 §3.4.1: the whole update section is checked before any
// of it is applied.
func prescan(zd *zoneData, updates []dns.RR) error {
	for _, rr := range updates {
		h := rr.Header()
		if !zd.inZone(h.Name) {
			return fail(dns.RcodeNotZone, "update %s is outside zone %s", h.Name, zd.zone)
		}
		meta := h.Rrtype == dns.TypeANY || h.Rrtype == dns.TypeAXFR || h.Rrtype == dns.TypeIXFR || h.Rrtype == dns.TypeMAILA || h.Rrtype == dns.TypeMAILB
		switch h.Class {
		case dns.ClassINET:
			if meta {
				return fail(dns.RcodeFormatError, "update adds a %s record", dns.TypeToString[h.Rrtype])
			}
			if _, ok := dns.TypeToString[h.Rrtype]; !ok {
				return fail(dns.RcodeFormatError, "update adds a record of unknown type %d", h.Rrtype)
			}
		case dns.ClassANY:
			if h.Ttl != 0 || !emptyRData(rr) || (meta && h.Rrtype != dns.TypeANY) {
				return fail(dns.RcodeFormatError, "malformed RRset deletion at %s", h.Name)
			}
		case dns.ClassNONE:
			if h.Ttl != 0 || meta {
				return fail(dns.RcodeFormatError, "malformed record deletion at %s", h.Name)
			}
		default:
			return fail(dns.RcodeFormatError, "update %s has class %s", h.Name, dns.ClassToString[h.Class])
		}
	}
	return nil
}

// applyUpdate applies one update RR (RFC 2136 §3.4.2). Changes the RFC says to
// ignore silently (the SOA, the last apex NS, a CNAME clash) are ignored.
func applyUpdate(zd *zoneData, rr dns.RR) {
	h := rr.Header()
	name, typ := zd.relName(h.Name), dns.TypeToString[h.Rrtype]
	switch h.Class {
	case dns.ClassINET:
		if typ == "SOA" {
			return // the SOA is synthesised; its serial is the store's
		}
		hasCNAME, hasOther := false, false
		for _, s := range zd.sets {
			if s.name == name && len(s.records) > 0 {
				if s.typ == "CNAME" {
					hasCNAME = true
				} else {
					hasOther = true
				}
			}
		}
		if (typ == "CNAME" && hasOther) || (typ != "CNAME" && hasCNAME) {
			return
		}
		k := setKey(name, typ)
		set := zd.sets[k]
		if set == nil || typ == "CNAME" {
			set = &rrset{name: name, typ: typ}
			zd.sets[k] = set
		}
		set.ttl = h.Ttl
		if rd := rdataOf(rr); !contains(set.records, rd) {
			set.records = append(set.records, rd)
		}
	case dns.ClassANY:
		for k, s := range zd.sets {
			if s.name != name {
				continue
			}
			if h.Rrtype != dns.TypeANY && s.typ != typ {
				continue
			}
			if name == "@" && s.typ == "NS" {
				continue // the apex keeps its NS (RFC 2136 §3.4.2.3)
			}
			delete(zd.sets, k)
		}
	case dns.ClassNONE:
		set := zd.sets[setKey(name, typ)]
		if set == nil || typ == "SOA" {
			return
		}
		rd := rdataOf(rr)
		if name == "@" && typ == "NS" && len(set.records) == 1 && set.records[0] == rd {
			return // never delete the last apex NS
		}
		out := set.records[:0]
		for _, x := range set.records {
			if x != rd {
				out = append(out, x)
			}
		}
		set.records = out
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
