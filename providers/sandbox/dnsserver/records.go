package dnsserver

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
)

// rrset is one RRset of a zone while a query or UPDATE works on it: records hold
// canonical RDATA (TXT as its raw text).
type rrset struct {
	name    string // relative, "@" for the apex
	typ     string
	ttl     uint32
	records []string
}

// zoneData is a zone's RRsets by "name/TYPE", as stored (no synthesised SOA or NS).
type zoneData struct {
	zone string // canonical, no trailing dot
	sets map[string]*rrset
}

func setKey(name, typ string) string { return name + "/" + typ }

func loadZone(zone string, objs []model.Object) *zoneData {
	z := &zoneData{zone: zone, sets: map[string]*rrset{}}
	for _, o := range objs {
		s := &rrset{name: o.Str("name"), typ: o.Str("type"), ttl: uint32(o.Int("ttl")), records: append([]string(nil), o.Strings("records")...)}
		z.sets[setKey(s.name, s.typ)] = s
	}
	return z
}

func (z *zoneData) objects() []model.Object {
	out := make([]model.Object, 0, len(z.sets))
	for _, s := range z.sets {
		if len(s.records) == 0 {
			continue
		}
		out = append(out, model.Object{"zone": z.zone, "name": s.name, "type": s.typ, "ttl": int64(s.ttl), "records": append([]string(nil), s.records...)})
	}
	return out
}

// relName returns the zone-relative name of an absolute owner name.
func (z *zoneData) relName(owner string) string { return model.RelativeName(z.zone, owner) }

// inZone reports whether the absolute name owner is at or below the apex.
func (z *zoneData) inZone(owner string) bool {
	return dns.IsSubDomain(dns.Fqdn(z.zone), dns.Fqdn(strings.ToLower(owner)))
}

// nameInUse reports whether any RRset is at name; the apex always holds SOA and NS.
func (z *zoneData) nameInUse(name string) bool {
	if name == "@" {
		return true
	}
	for _, s := range z.sets {
		if s.name == name && len(s.records) > 0 {
			return true
		}
	}
	return false
}

// toRRs renders an RRset as DNS records.
func (z *zoneData) toRRs(s *rrset) ([]dns.RR, error) {
	owner := model.FQDN(z.zone, s.name)
	out := make([]dns.RR, 0, len(s.records))
	for _, r := range s.records {
		hdr := dns.RR_Header{Name: owner, Rrtype: dns.StringToType[s.typ], Class: dns.ClassINET, Ttl: s.ttl}
		if s.typ == "TXT" {
			txt, err := encodeTXT(r)
			if err != nil {
				return nil, fmt.Errorf("stored TXT record %q at %s cannot be served: %v", r, owner, err)
			}
			out = append(out, &dns.TXT{Hdr: hdr, Txt: txt})
			continue
		}
		rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", owner, s.ttl, s.typ, r))
		if err != nil || rr == nil {
			return nil, fmt.Errorf("stored %s record %q at %s cannot be served: %v", s.typ, r, owner, err)
		}
		out = append(out, rr)
	}
	return out, nil
}

// rdataOf returns the canonical RDATA of a record from the wire.
func rdataOf(rr dns.RR) string { return model.RDataOf(rr) }

// encodeTXT turns a canonical TXT value into the strings of one record: its text
// split at 255 bytes and escaped the way miekg/dns keeps TXT strings.
func encodeTXT(value string) ([]string, error) {
	text, err := model.TXTText(value)
	if err != nil {
		return nil, err
	}
	return model.TXTStrings(text), nil
}
