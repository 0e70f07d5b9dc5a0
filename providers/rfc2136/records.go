package rfc2136

import (
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// rrset is one dns_record in canonical form.
type rrset struct {
	zone   string // canonical, no trailing dot
	name   string // relative, "@" for the apex
	rrtype string // upper case
	ttl    uint32
	rdata  []string // canonical RDATA; TXT as raw joined text
	wire   []dns.RR // the records as read from the server, when read
}

// rrsetOf canonicalises a dns_record object.
func rrsetOf(o model.Object) (rrset, error) {
	c := model.Canonical(model.DNSRecord, o)
	s := rrset{zone: c.Str("zone"), name: c.Str("name"), rrtype: c.Str("type"), rdata: c.Strings("records")}
	if s.zone == "" || s.name == "" || s.rrtype == "" {
		return s, fmt.Errorf("dns_record needs zone, name and type (got zone %q, name %q, type %q)", s.zone, s.name, s.rrtype)
	}
	if _, ok := dns.StringToType[s.rrtype]; !ok {
		return s, fmt.Errorf("dns_record %s: unknown record type %q", s.key(), s.rrtype)
	}
	ttl := c.Int("ttl")
	if ttl < 0 || ttl > 1<<31-1 {
		return s, fmt.Errorf("dns_record %s: ttl %d is outside 0..2147483647", s.key(), ttl)
	}
	s.ttl = uint32(ttl)
	return s, nil
}

func (s rrset) key() string   { return model.RRsetKey(s.zone, s.name, s.rrtype) }
func (s rrset) owner() string { return model.FQDN(s.zone, s.name) }

// object returns the dns_record attributes of the RRset.
func (s rrset) object() model.Object {
	return model.Object{
		"zone": s.zone, "name": s.name, "type": s.rrtype,
		"records": append([]string(nil), s.rdata...), "ttl": int64(s.ttl),
	}
}

func (s rrset) remote() providers.Remote { return providers.Remote{ID: s.key(), Attrs: s.object()} }

// rrs builds the wire records of the RRset. TXT text longer than 255 bytes is split
// into several strings of one record.
func (s rrset) rrs() ([]dns.RR, error) {
	hdr := dns.RR_Header{Name: s.owner(), Rrtype: dns.StringToType[s.rrtype], Class: dns.ClassINET, Ttl: s.ttl}
	out := make([]dns.RR, 0, len(s.rdata))
	for _, rd := range s.rdata {
		if s.rrtype == "TXT" {
			text, err := model.TXTText(rd)
			if err != nil {
				return nil, fmt.Errorf("dns_record %s: %v", s.key(), err)
			}
			chunks := model.SplitTXT(text)
			for i, c := range chunks {
				chunks[i] = escapeTXT(c)
			}
			out = append(out, &dns.TXT{Hdr: hdr, Txt: chunks})
			continue
		}
		rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", s.owner(), s.ttl, s.rrtype, rd))
		if err != nil {
			return nil, fmt.Errorf("dns_record %s: record %q: %v", s.key(), rd, strings.TrimPrefix(err.Error(), "dns: "))
		}
		if rr == nil {
			return nil, fmt.Errorf("dns_record %s: record %q is empty", s.key(), rd)
		}
		out = append(out, rr)
	}
	return out, nil
}

// rdataOf returns the canonical RDATA of a record read from the wire: TXT is its
// joined text, in the canonical form of model.TXTValue.
func rdataOf(rr dns.RR) string {
	if t, ok := rr.(*dns.TXT); ok {
		var b strings.Builder
		for _, s := range t.Txt {
			b.WriteString(unescapeTXT(s))
		}
		return model.TXTValue(b.String())
	}
	return model.RDataOf(rr)
}

// serverManaged lists types the server maintains itself (the SOA, DNSSEC signatures
// and chains); they are never part of a dns_record.
var serverManaged = map[uint16]bool{
	dns.TypeSOA: true, dns.TypeRRSIG: true, dns.TypeNSEC: true, dns.TypeNSEC3: true,
	dns.TypeNSEC3PARAM: true, dns.TypeDNSKEY: true, dns.TypeCDS: true, dns.TypeCDNSKEY: true,
}

// groupRRsets turns the records of a zone transfer into RRsets, sorted by key.
func groupRRsets(zone string, rrs []dns.RR) []rrset {
	byKey := map[string]*rrset{}
	var keys []string
	for _, rr := range rrs {
		h := rr.Header()
		if serverManaged[h.Rrtype] {
			continue
		}
		name := model.RelativeName(zone, h.Name)
		typ := dns.TypeToString[h.Rrtype]
		if typ == "" {
			typ = fmt.Sprintf("TYPE%d", h.Rrtype)
		}
		k := model.RRsetKey(zone, name, typ)
		s := byKey[k]
		if s == nil {
			s = &rrset{zone: model.CanonicalDomain(zone), name: name, rrtype: typ, ttl: h.Ttl}
			byKey[k] = s
			keys = append(keys, k)
		}
		// An RRset has one TTL; servers that store several report the smallest.
		s.ttl = min(s.ttl, h.Ttl)
		s.rdata = append(s.rdata, rdataOf(rr))
		s.wire = append(s.wire, rr)
	}
	sort.Strings(keys)
	out := make([]rrset, len(keys))
	for i, k := range keys {
		s := byKey[k]
		sort.Strings(s.rdata)
		out[i] = *s
	}
	return out
}
