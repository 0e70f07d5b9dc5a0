package dnspodapi

import (
	"net/netip"
	"strings"
	"time"
)

// dispatch carries out one action and returns the fields of its answer.
func (s *Server) dispatch(action string, body []byte) (map[string]any, *apiError) {
	switch action {
	case ActionDescribeDomainList:
		return s.describeDomainList(body)
	case ActionDescribeRecordList:
		return s.describeRecordList(body)
	case ActionCreateRecord:
		return s.createRecord(body)
	case ActionModifyRecord:
		return s.modifyRecord(body)
	case ActionDeleteRecord:
		return s.deleteRecord(body)
	}
	return nil, errf(CodeInvalidAction, "the action %q does not exist", action)
}

func (s *Server) describeDomainList(body []byte) (map[string]any, *apiError) {
	var req DescribeDomainListRequest
	if e := params(body, &req, "Type", "Offset", "Limit", "Keyword", "GroupId", "Tags"); e != nil {
		return nil, e
	}
	if req.Limit < 0 || req.Limit > MaxLimit || req.Offset < 0 {
		return nil, errf(CodeLimitInvalid, "Offset must be ≥ 0 and Limit 1–%d", MaxLimit)
	}
	if req.Limit == 0 {
		req.Limit = 20
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []DomainListItem
	for _, d := range s.sortedDomains() {
		if req.Keyword != "" && !strings.Contains(d.name, strings.ToLower(req.Keyword)) {
			continue
		}
		all = append(all, DomainListItem{DomainId: d.id, Name: d.name, Status: "ENABLE", TTL: 600, Grade: "DP_FREE"})
	}
	page := pageOf(all, uint64(req.Offset), uint64(req.Limit))
	return map[string]any{"DomainCountInfo": DomainCountInfo{AllTotal: uint64(len(all))}, "DomainList": page}, nil
}

func (s *Server) describeRecordList(body []byte) (map[string]any, *apiError) {
	var req DescribeRecordListRequest
	if e := params(body, &req, "Domain", "DomainId", "Subdomain", "RecordType", "RecordLine", "RecordLineId",
		"GroupId", "Keyword", "SortField", "SortType", "Offset", "Limit"); e != nil {
		return nil, e
	}
	if req.Limit > MaxLimit {
		return nil, errf(CodeLimitInvalid, "Limit must be at most %d", MaxLimit)
	}
	if req.Limit == 0 {
		req.Limit = DefaultLimit
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, e := s.domainOf(req.Domain)
	if e != nil {
		return nil, e
	}
	now := s.opts.Now()
	var all []RecordListItem
	for _, r := range d.records {
		if req.Subdomain != "" && !strings.EqualFold(r.Name, req.Subdomain) {
			continue
		}
		if req.RecordType != "" && !strings.EqualFold(r.Type, req.RecordType) {
			continue
		}
		if s.opts.ListingDelay > 0 && now.Sub(r.created) < s.opts.ListingDelay {
			continue
		}
		all = append(all, itemOf(r))
	}
	if len(all) == 0 {
		return nil, errf(CodeNoDataOfRecord, "no records match")
	}
	page := pageOf(all, req.Offset, req.Limit)
	return map[string]any{
		"RecordCountInfo": RecordCountInfo{TotalCount: uint64(len(all)), ListCount: uint64(len(page))},
		"RecordList":      page,
	}, nil
}

func itemOf(r *Record) RecordListItem {
	return RecordListItem{
		RecordId: r.ID, Name: r.Name, Type: r.Type, Value: r.Value, Line: r.Line, LineId: lineID(r.Line),
		TTL: r.TTL, MX: r.MX, Status: r.Status, UpdatedOn: r.created.Format(time.DateTime),
	}
}

func lineID(line string) string {
	if line == DefaultLine {
		return DefaultLineID
	}
	return "10=0"
}

func pageOf[T any](all []T, offset, limit uint64) []T {
	if offset >= uint64(len(all)) {
		return []T{}
	}
	end := min(offset+limit, uint64(len(all)))
	return all[offset:end]
}

// writeParams are the parameters CreateRecord and ModifyRecord share.
var writeParams = []string{"Domain", "DomainId", "SubDomain", "RecordType", "RecordLine", "RecordLineId",
	"Value", "MX", "TTL", "Weight", "Status", "Remark"}

func (s *Server) createRecord(body []byte) (map[string]any, *apiError) {
	var req CreateRecordRequest
	if e := params(body, &req, writeParams...); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, e := s.domainOf(req.Domain)
	if e != nil {
		return nil, e
	}
	r, e := s.checkRecord(req.SubDomain, req.RecordType, req.RecordLine, req.Value, req.MX, req.TTL)
	if e != nil {
		return nil, e
	}
	if d.duplicate(r, 0) != nil {
		return nil, errf(CodeDomainRecordExist, "the record already exists")
	}
	id := s.insert(d, r, s.opts.Now())
	return map[string]any{"RecordId": id}, nil
}

func (s *Server) modifyRecord(body []byte) (map[string]any, *apiError) {
	var req ModifyRecordRequest
	if e := params(body, &req, append([]string{"RecordId"}, writeParams...)...); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, e := s.domainOf(req.Domain)
	if e != nil {
		return nil, e
	}
	old := d.find(req.RecordId)
	if old == nil {
		return nil, errf(CodeRecordIDInvalid, "record %d does not exist", req.RecordId)
	}
	r, e := s.checkRecord(req.SubDomain, req.RecordType, req.RecordLine, req.Value, req.MX, req.TTL)
	if e != nil {
		return nil, e
	}
	if d.duplicate(r, old.ID) != nil {
		return nil, errf(CodeDomainRecordExist, "the record already exists")
	}
	old.Name, old.Type, old.Line, old.Value, old.MX, old.TTL = r.Name, r.Type, r.Line, r.Value, r.MX, r.TTL
	return map[string]any{"RecordId": old.ID}, nil
}

func (s *Server) deleteRecord(body []byte) (map[string]any, *apiError) {
	var req DeleteRecordRequest
	if e := params(body, &req, "Domain", "DomainId", "RecordId"); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, e := s.domainOf(req.Domain)
	if e != nil {
		return nil, e
	}
	if !d.remove(req.RecordId) {
		return nil, errf(CodeRecordIDInvalid, "record %d does not exist", req.RecordId)
	}
	return map[string]any{}, nil
}

// domainOf finds a domain; s.mu is held.
func (s *Server) domainOf(name string) (*domain, *apiError) {
	if name == "" {
		return nil, errf(CodeMissingParameter, "the parameter Domain is missing")
	}
	d := s.domains[canonicalName(name)]
	if d == nil {
		return nil, errf(CodeDomainNotExists, "the domain %s does not exist in this account", name)
	}
	return d, nil
}

// supportedTypes are the record types the fake takes.
var supportedTypes = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "MX": true, "TXT": true,
	"SRV": true, "CAA": true, "NS": true}

// checkRecord validates the fields of a write as the API does and returns the row.
func (s *Server) checkRecord(sub, typ, line, value string, mx *uint64, ttl uint64) (Record, *apiError) {
	if sub == "" {
		sub = "@"
	}
	r := Record{Name: strings.ToLower(sub), Type: strings.ToUpper(typ), Line: line, Value: value, TTL: ttl, Status: "ENABLE"}
	switch {
	case typ == "":
		return r, errf(CodeMissingParameter, "the parameter RecordType is missing")
	case line == "":
		return r, errf(CodeMissingParameter, "the parameter RecordLine is missing")
	case value == "":
		return r, errf(CodeMissingParameter, "the parameter Value is missing")
	case !supportedTypes[r.Type]:
		return r, errf(CodeRecordTypeBad, "record type %s is not supported", typ)
	case line != DefaultLine:
		return r, errf("InvalidParameter.RecordLineInvalid", "record line %q is not available on this plan", line)
	case !validSubdomain(r.Name):
		return r, errf(CodeSubdomainInvalid, "subdomain %q is invalid", sub)
	}
	if r.TTL == 0 {
		r.TTL = 600
	}
	if r.TTL < s.opts.MinTTL || r.TTL > 604800 {
		return r, errf(CodeRecordTTLLimit, "TTL %d is outside %d–604800 for this plan", r.TTL, s.opts.MinTTL)
	}
	if r.Type == "MX" {
		if mx == nil || *mx > 65535 {
			return r, errf(CodeMXInvalid, "MX records need an MX priority of 0–65535")
		}
		r.MX = *mx
	}
	if !validValue(r.Type, value) {
		return r, errf(CodeRecordValueBad, "%q is not a valid %s value", value, r.Type)
	}
	return r, nil
}

func validSubdomain(s string) bool {
	if s == "@" {
		return true
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*') {
				return false
			}
		}
	}
	return true
}

func validValue(typ, v string) bool {
	switch typ {
	case "A":
		a, err := netip.ParseAddr(v)
		return err == nil && a.Is4()
	case "AAAA":
		a, err := netip.ParseAddr(v)
		return err == nil && a.Is6() && !a.Is4In6()
	case "CNAME", "MX", "NS":
		return validHost(v)
	case "SRV":
		f := strings.Fields(v)
		return len(f) == 4 && validHost(f[3])
	case "CAA":
		return len(strings.Fields(v)) >= 3
	case "TXT":
		return len(v) <= 2048
	}
	return false
}

func validHost(h string) bool {
	if h == "." {
		return true
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || strings.ContainsAny(h, " \t\"") {
		return false
	}
	_, err := netip.ParseAddr(h)
	return err != nil
}
