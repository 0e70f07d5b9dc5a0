package dnspodapi

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Record is one row of a domain as the fake keeps it.
type Record struct {
	ID    uint64
	Name  string // "@" for the apex, else relative to the domain
	Type  string
	Value string // as stored (after the API's rewriting), with or without a trailing dot
	// Line is the line's name as the site shows it: DefaultLine ("默认") on the China
	// site, DefaultLineIntl ("Default") on the international one.
	Line string
	// LineID is "0" for the default line (the default), "10=0" and so on for others.
	LineID string
	TTL    uint64 // default 600
	MX     uint64
	Status string // ENABLE or DISABLE; default ENABLE

	created time.Time
}

type domain struct {
	id      uint64
	name    string
	grade   string // the plan, as DescribePackageDetail spells it ("DP_Free")
	created time.Time
	records []*Record
}

// defaultNS are the apex NS rows every new domain gets; the listing returns them,
// though the console hides them.
var defaultNS = []string{"f1g1ns1.dnspod.net.", "f1g1ns2.dnspod.net."}

// AddDomain adds a domain with its two apex NS rows and returns its DomainId.
func (s *Server) AddDomain(name string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = canonicalName(name)
	if d := s.domains[name]; d != nil {
		return d.id
	}
	s.nextID++
	d := &domain{id: s.nextID, name: name, grade: s.opts.Grade, created: s.opts.Now()}
	s.domains[name] = d
	for _, ns := range defaultNS {
		s.insert(d, Record{Name: "@", Type: "NS", Value: ns, TTL: 86400}, time.Time{})
	}
	return d.id
}

// SetGrade puts a domain on another plan ("DP_Plus"); the plan's MinTtl then bounds
// the TTL of writes.
func (s *Server) SetGrade(domainName, grade string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[canonicalName(domainName)]
	if d == nil {
		return fmt.Errorf("no domain %s", domainName)
	}
	if packageOf(grade) == nil {
		return fmt.Errorf("no plan %s", grade)
	}
	d.grade = grade
	return nil
}

// SetStatus pauses (DISABLE) or resumes (ENABLE) a row as the console would.
func (s *Server) SetStatus(domainName string, id uint64, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[canonicalName(domainName)]
	if d == nil {
		return fmt.Errorf("no domain %s", domainName)
	}
	r := d.find(id)
	if r == nil {
		return fmt.Errorf("no record %d in %s", id, domainName)
	}
	r.Status = status
	return nil
}

// AddRecord adds a row as the console would (no validation, shown in listings at
// once) and returns its RecordId.
func (s *Server) AddRecord(domainName string, r Record) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[canonicalName(domainName)]
	if d == nil {
		return 0, fmt.Errorf("no domain %s", domainName)
	}
	return s.insert(d, r, time.Time{}), nil
}

// Records returns a copy of every row of a domain, hidden ones included, by RecordId.
func (s *Server) Records(domainName string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[canonicalName(domainName)]
	if d == nil {
		return nil
	}
	out := make([]Record, len(d.records))
	for i, r := range d.records {
		out[i] = *r
	}
	return out
}

// SetRecord changes a row's value and TTL as the console would.
func (s *Server) SetRecord(domainName string, id uint64, value string, ttl uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[canonicalName(domainName)]
	if d == nil {
		return fmt.Errorf("no domain %s", domainName)
	}
	r := d.find(id)
	if r == nil {
		return fmt.Errorf("no record %d in %s", id, domainName)
	}
	r.Value, r.TTL = value, ttl
	return nil
}

// RemoveRecord deletes a row as the console would.
func (s *Server) RemoveRecord(domainName string, id uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[canonicalName(domainName)]
	if d == nil {
		return fmt.Errorf("no domain %s", domainName)
	}
	if !d.remove(id) {
		return fmt.Errorf("no record %d in %s", id, domainName)
	}
	return nil
}

// insert adds a row with defaults filled in; s.mu is held.
func (s *Server) insert(d *domain, r Record, created time.Time) uint64 {
	s.nextID++
	r.ID = s.nextID
	if r.Name == "" {
		r.Name = "@"
	}
	r.Name = strings.ToLower(r.Name)
	r.Type = strings.ToUpper(r.Type)
	if r.LineID == "" {
		switch r.Line {
		case "", DefaultLine, DefaultLineIntl:
			r.LineID = DefaultLineID
		default:
			r.LineID = "10=0"
		}
	}
	if r.LineID == DefaultLineID {
		r.Line = DefaultLineName(s.opts.Site)
	}
	if r.TTL == 0 {
		r.TTL = 600
	}
	if r.Status == "" {
		r.Status = "ENABLE"
	}
	r.created = created
	d.records = append(d.records, &r)
	return r.ID
}

func (d *domain) find(id uint64) *Record {
	for _, r := range d.records {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (d *domain) remove(id uint64) bool {
	for i, r := range d.records {
		if r.ID == id {
			d.records = append(d.records[:i], d.records[i+1:]...)
			return true
		}
	}
	return false
}

// duplicate returns the row other than except that holds the same name, type, line
// and value (trailing dot and case of host names ignored).
func (d *domain) duplicate(r Record, except uint64) *Record {
	for _, o := range d.records {
		if o.ID != except && o.Name == r.Name && o.Type == r.Type && o.LineID == r.LineID &&
			sameValue(r.Type, o.Value, r.Value) && (r.Type != "MX" || o.MX == r.MX) {
			return o
		}
	}
	return nil
}

func sameValue(typ, a, b string) bool {
	if typ == "TXT" {
		return a == b
	}
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

func (s *Server) sortedDomains() []*domain {
	out := make([]*domain, 0, len(s.domains))
	for _, d := range s.domains {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func canonicalName(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}
