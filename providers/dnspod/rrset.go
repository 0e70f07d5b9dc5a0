package dnspod

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

// rrset is one dns_record: the rows of one name and type in canonical form.
type rrset struct {
	zone   string   // canonical, no trailing dot
	name   string   // relative, "@" for the apex
	rrtype string   // upper case
	ttl    uint64   // the smallest TTL of the rows
	rdata  []string // canonical RDATA of the rows that answer, sorted
	rows   []Row    // the rows that answer, as read, each with its RecordId
	// paused are the rows disabled in the console: they exist (a create of the same
	// value is refused) but answer no queries, so they are not values of the RRset.
	paused []Row
}

func (s rrset) key() string { return model.RRsetKey(s.zone, s.name, s.rrtype) }

func (s rrset) object() model.Object {
	return model.Object{
		"zone": s.zone, "name": s.name, "type": s.rrtype,
		"records": append([]string(nil), s.rdata...), "ttl": int64(s.ttl),
	}
}

func (s rrset) remote() providers.Remote {
	r := providers.Remote{ID: s.key(), Attrs: s.object()}
	for _, row := range s.paused {
		rd, err := rdataOf(row)
		if err != nil {
			rd = row.Value
		}
		r.Notes = append(r.Notes, fmt.Sprintf("value %q (RecordId %d) is paused in DNSPod (Status DISABLE): it answers no queries, so it is not a live value; apply enables it if records lists it, else enable or delete it in the console", rd, row.ID))
	}
	return r
}

// same reports whether two RRsets hold the same records and TTL.
func (s rrset) same(o rrset) bool { return s.ttl == o.ttl && slices.Equal(s.rdata, o.rdata) }

// rrsetOf canonicalises a dns_record object.
func rrsetOf(o model.Object) (rrset, error) {
	c := model.Canonical(model.DNSRecord, o)
	s := rrset{zone: c.Str("zone"), name: c.Str("name"), rrtype: c.Str("type"), rdata: c.Strings("records")}
	if s.zone == "" || s.name == "" || s.rrtype == "" {
		return s, fmt.Errorf("dns_record needs zone, name and type (got zone %q, name %q, type %q)", s.zone, s.name, s.rrtype)
	}
	ttl := c.Int("ttl")
	if ttl < 0 {
		return s, fmt.Errorf("dns_record %s: ttl %d is negative", s.key(), ttl)
	}
	s.ttl = uint64(ttl)
	sort.Strings(s.rdata)
	return s, nil
}

// rrsetOfID parses an RRset key "zone/name/TYPE".
func rrsetOfID(id string) (rrset, error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return rrset{}, fmt.Errorf("dns_record id %q is not zone/name/TYPE; run plan again", id)
	}
	return rrset{zone: parts[0], name: parts[1], rrtype: parts[2]}, nil
}

// isApexNS reports whether a name and type are the zone's own NS records, which
// DNSPod keeps itself.
func isApexNS(name, rrtype string) bool { return name == "@" && strings.EqualFold(rrtype, "NS") }

// rdataOf returns the canonical RDATA of a row: the MX priority joins the value, host
// names become absolute whether or not the API gave a trailing dot, and a TXT value
// is its text.
func rdataOf(row Row) (string, error) {
	typ := strings.ToUpper(row.Type)
	var pres string
	switch typ {
	case "TXT":
		return model.TXTValue(txtOfRow(row.Value)), nil
	case "MX":
		pres = fmt.Sprintf("%d %s", row.MX, absolute(row.Value))
	case "CNAME", "NS":
		pres = absolute(row.Value)
	case "SRV":
		f := strings.Fields(row.Value)
		if len(f) == 4 {
			f[3] = absolute(f[3])
		}
		pres = strings.Join(f, " ")
	default:
		pres = row.Value
	}
	return model.CanonicalRData(typ, pres)
}

// rowOf returns the row that holds one canonical RDATA of s.
func rowOf(s rrset, rdata string) (Row, error) {
	row := Row{Name: s.name, Type: s.rrtype, TTL: s.ttl, LineID: dnspodapi.DefaultLineID, Value: rdata}
	switch s.rrtype {
	case "TXT":
		text, err := model.TXTText(rdata)
		if err != nil {
			return row, fmt.Errorf("dns_record %s: %v", s.key(), err)
		}
		row.Value = text
	case "MX":
		rr, err := dns.NewRR(". 0 IN MX " + rdata)
		mx, ok := rr.(*dns.MX)
		if err != nil || !ok {
			return row, fmt.Errorf("dns_record %s: %q is not an MX record such as \"5 mxbiz1.qq.com.\"", s.key(), rdata)
		}
		row.MX, row.Value = uint64(mx.Preference), mx.Mx
	}
	return row, nil
}

func absolute(h string) string {
	h = strings.TrimSpace(h)
	if strings.HasSuffix(h, ".") {
		return h
	}
	return h + "."
}

// managedTypes are the record types a dns_record can hold.
var managedTypes = map[string]bool{}

func init() {
	for _, t := range model.DNSRecord.Attr("type").Enum {
		managedTypes[t] = true
	}
}

// groupRows turns the rows of a zone into RRsets sorted by key. The apex NS rows
// (DNSPod's own), rows split by resolver line (any LineId but "0", whatever the site
// names the default line) and types a dns_record cannot hold (DNSPod's URL forwarding)
// are left out; skipped reports them. Paused rows are kept apart from the values; an
// RRset may hold only paused rows.
func groupRows(zone string, rows []Row, skipped func(Row, string)) ([]rrset, error) {
	zone = model.CanonicalDomain(zone)
	byKey := map[string]*rrset{}
	for _, row := range rows {
		name := model.RelativeName(zone, row.Name)
		typ := strings.ToUpper(row.Type)
		switch {
		case isApexNS(name, typ):
			continue
		case !managedTypes[typ]:
			skipped(row, "a dns_record cannot hold type "+typ)
			continue
		case !row.onDefaultLine():
			skipped(row, fmt.Sprintf("it answers only resolver line %s (LineId %s)", row.Line, row.LineID))
			continue
		}
		rd, err := rdataOf(row)
		if err != nil {
			return nil, fmt.Errorf("zone %s: record %s %s (RecordId %d) has a value mailform cannot read: %v", zone, row.Name, typ, row.ID, err)
		}
		k := model.RRsetKey(zone, name, typ)
		s := byKey[k]
		if s == nil {
			s = &rrset{zone: zone, name: name, rrtype: typ}
			byKey[k] = s
		}
		if row.paused() {
			s.paused = append(s.paused, row)
			continue
		}
		if len(s.rows) == 0 {
			s.ttl = row.TTL
		}
		// An RRset has one TTL; rows that disagree report the smallest.
		s.ttl = min(s.ttl, row.TTL)
		// Rows the API stores apart ("mx.example.com" and "mx.example.com.") can be
		// one value; the RRset holds it once and an update deletes the extra row.
		if !slices.Contains(s.rdata, rd) {
			s.rdata = append(s.rdata, rd)
		}
		s.rows = append(s.rows, row)
	}
	out := make([]rrset, 0, len(byKey))
	for _, s := range byKey {
		sort.Strings(s.rdata)
		// An RRset of paused rows only keeps their TTL, so that drift shows the
		// values gone rather than a TTL of 0 as well.
		for i, row := range s.paused {
			if len(s.rows) == 0 && (i == 0 || row.TTL < s.ttl) {
				s.ttl = row.TTL
			}
		}
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out, nil
}
