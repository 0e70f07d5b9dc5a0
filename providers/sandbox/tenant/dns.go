package tenant

import (
	"encoding/binary"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
)

// dnsRecordRules returns the store rules of RRsets.
func dnsRecordRules() *kind {
	return &kind{
		t:      model.DNSRecord,
		idName: "zone/name/type",
		key:    rrsetKey,
		check:  checkRRset,
	}
}

func rrsetKey(_ string, c model.Object) (string, error) {
	zone, name, typ := c.Str("zone"), c.Str("name"), c.Str("type")
	if _, ok := dns.IsDomainName(zone); !ok || zone == "" {
		return "", refuse(ErrInvalid, 0, "dns_record: zone %q is not a valid domain name", zone)
	}
	if name == "" || typ == "" {
		return "", refuse(ErrInvalid, 0, "dns_record in zone %s needs a name and a type", zone)
	}
	return model.RRsetKey(zone, name, typ), nil
}

func checkRRset(tx *Tx, id string, c, _ model.Object) error {
	typ := c.Str("type")
	if _, ok := dns.StringToType[typ]; !ok || typ == "SOA" || typ == "ANY" {
		return refuse(ErrInvalid, 0, "dns_record %s: type %s cannot be stored (the SOA is synthesised)", id, typ)
	}
	if _, ok := dns.IsDomainName(model.FQDN(c.Str("zone"), c.Str("name"))); !ok {
		return refuse(ErrInvalid, 0, "dns_record %s: %q is not a valid name", id, c.Str("name"))
	}
	recs := c.Strings("records")
	if len(recs) == 0 {
		return refuse(ErrInvalid, 0, "dns_record %s has no records; delete the RRset instead", id)
	}
	for _, r := range recs {
		if _, err := model.CanonicalRData(typ, r); err != nil {
			return refuse(ErrInvalid, 0, "dns_record %s: %v", id, err)
		}
	}
	if t := c.Int("ttl"); t < 0 || t > 1<<31-1 {
		return refuse(ErrInvalid, 0, "dns_record %s: ttl %d is out of range", id, t)
	}
	if typ == "CNAME" && len(recs) > 1 {
		return refuse(ErrInvalid, 0, "dns_record %s: a CNAME holds exactly one record, not %d", id, len(recs))
	}
	// A CNAME owns its name alone (RFC 1034 §3.6.2).
	zone, name := c.Str("zone"), c.Str("name")
	prefix := zone + "/" + name + "/"
	c2 := tx.bucket(dnsRecordKind).Cursor()
	for k, _ := c2.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, _ = c2.Next() {
		other := strings.TrimPrefix(string(k), prefix)
		if other == typ {
			continue
		}
		if typ == "CNAME" || other == "CNAME" {
			return refuse(ErrInvalid, 0, "dns_record %s: %s already has a %s RRset and a CNAME cannot share its name; delete that first", id, model.FQDN(zone, name), other)
		}
	}
	return nil
}

// Zone is a snapshot of one DNS zone as the store holds it.
type Zone struct {
	// Name is the zone's canonical name, without a trailing dot.
	Name string
	// Serial moves up on every change to the zone's records.
	Serial uint32
	// Declared is true when a domain object names the zone.
	Declared bool
	// RRsets holds the zone's dns_record objects in canonical form, sorted by key.
	// EditZone's callback may change, add and remove entries.
	RRsets []model.Object
}

// Exists reports whether the sandbox is authoritative for the zone.
func (z *Zone) Exists() bool { return z.Declared || len(z.RRsets) > 0 }

// Zones returns the names of the zones the sandbox serves: every zone with records or
// a domain object, sorted.
func (s *Store) Zones() ([]string, error) {
	seen := map[string]bool{}
	err := s.view(func(tx *Tx) error {
		if err := tx.bucket(dnsRecordKind).ForEach(func(k, _ []byte) error {
			zone, _, _ := strings.Cut(string(k), "/")
			seen[zone] = true
			return nil
		}); err != nil {
			return err
		}
		return tx.tx.Bucket([]byte(model.Domain.Name)).ForEach(func(k, _ []byte) error {
			seen[string(k)] = true
			return nil
		})
	})
	out := make([]string, 0, len(seen))
	for z := range seen {
		out = append(out, z)
	}
	sort.Strings(out)
	return out, err
}

// Zone returns a snapshot of the zone name (whether or not it exists; see Zone.Exists).
func (s *Store) Zone(name string) (*Zone, error) {
	var z *Zone
	err := s.view(func(tx *Tx) error {
		var err error
		z, err = tx.zone(name)
		return err
	})
	return z, err
}

// ZoneSerial returns the current SOA serial of zone.
func (s *Store) ZoneSerial(zone string) (uint32, error) {
	var n uint32
	err := s.view(func(tx *Tx) error {
		n = tx.serial(model.CanonicalDomain(zone))
		return nil
	})
	return n, err
}

// EditZone changes a zone in one transaction: edit gets a snapshot, changes its
// RRsets, and the store writes the difference (every RRset checked as a dns_record)
// and moves the serial once. An error from edit or a check leaves the zone untouched.
func (s *Store) EditZone(name string, edit func(z *Zone) error) error {
	return s.Batch(func(tx *Tx) error {
		z, err := tx.zone(name)
		if err != nil {
			return err
		}
		before := map[string]model.Object{}
		for _, o := range z.RRsets {
			before[model.RRsetKey(z.Name, o.Str("name"), o.Str("type"))] = o.Clone()
		}
		if err := edit(z); err != nil {
			return err
		}
		after := map[string]model.Object{}
		var order []string
		for _, o := range z.RRsets {
			o = o.Clone()
			o["zone"] = z.Name
			c, _ := prepare(model.DNSRecord, o)
			k, err := rrsetKey("", c)
			if err != nil {
				return err
			}
			if _, dup := after[k]; !dup {
				order = append(order, k)
			}
			after[k] = c
		}
		// Deletions first, so a name can change from other data to a CNAME.
		for k, old := range before {
			if _, keep := after[k]; !keep {
				if err := tx.del(dnsRecordKind, k, old); err != nil {
					return err
				}
			}
		}
		for _, k := range order {
			c := after[k]
			if old, ok := before[k]; ok && len(model.Diff(model.DNSRecord, old, c, nil)) == 0 {
				continue
			}
			if err := tx.check(dnsRecordKind, k, c, before[k]); err != nil {
				return err
			}
			if err := tx.put(dnsRecordKind, k, c, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

func (tx *Tx) zone(name string) (*Zone, error) {
	name = model.CanonicalDomain(name)
	z := &Zone{Name: name, Serial: tx.serial(name)}
	_, z.Declared, _ = tx.get(kinds[model.Domain.Name], name)
	prefix := name + "/"
	c := tx.bucket(dnsRecordKind).Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		o, err := decode(model.DNSRecord, v)
		if err != nil {
			return nil, refuse(ErrInvalid, 0, "sandbox dns_record %s is unreadable: %v", k, err)
		}
		z.RRsets = append(z.RRsets, o)
	}
	return z, nil
}

var serialPrefix = "serial/"

// serial is 1 for a zone never changed, so the first change makes it 2.
func (tx *Tx) serial(zone string) uint32 {
	b := tx.tx.Bucket(bucketMeta).Get([]byte(serialPrefix + zone))
	if len(b) != 4 {
		return 1
	}
	return binary.BigEndian.Uint32(b)
}

// touch moves the zone's serial once per transaction.
func (tx *Tx) touch(zone string) error {
	if tx.touched[zone] {
		return nil
	}
	tx.touched[zone] = true
	n := tx.serial(zone) + 1
	if n == 0 {
		n = 1 // serial arithmetic (RFC 1982) wraps; 0 would look unset
	}
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, n)
	return tx.tx.Bucket(bucketMeta).Put([]byte(serialPrefix+zone), b)
}
