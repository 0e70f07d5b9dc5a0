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
	case ActionDescribeDomain:
		return s.describeDomain(body)
	case ActionDescribePackageDetail:
		return s.describePackageDetail(body)
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
		all = append(all, DomainListItem{DomainId: d.id, Name: d.name, Status: "ENABLE", TTL: 600, Grade: strings.ToUpper(d.grade)})
	}
	page := pageOf(all, uint64(req.Offset), uint64(req.Limit))
	return map[string]any{"DomainCountInfo": DomainCountInfo{AllTotal: uint64(len(all))}, "DomainList": page}, nil
}

func (s *Server) describeRecordList(body []byte) (map[string]any, *apiError) {
	var req DescribeRecordListRequest
	if e := params(body, &req, "Domain", "DomainId", "SubDomain", "Subdomain", "RecordType", "RecordLine", "RecordLineId",
		"GroupId", "Keyword", "SortField", "SortType", "Offset", "Limit"); e != nil {
		return nil, e
	}
	sub := req.SubDomain
	if sub == "" {
		sub = req.Subdomain // deprecated, still taken
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
		if sub != "" && !strings.EqualFold(r.Name, sub) {
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
		RecordId: r.ID, Name: r.Name, Type: r.Type, Value: r.Value, Line: r.Line, LineId: r.LineID,
		TTL: r.TTL, MX: r.MX, Status: r.Status, UpdatedOn: r.created.Format(time.DateTime),
	}
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
	r, e := s.checkRecord(d, write{req.SubDomain, req.RecordType, req.RecordLine, req.RecordLineId, req.Value, req.MX, req.TTL, req.Status})
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
	r, e := s.checkRecord(d, write{req.SubDomain, req.RecordType, req.RecordLine, req.RecordLineId, req.Value, req.MX, req.TTL, req.Status})
	if e != nil {
		return nil, e
	}
	if d.duplicate(r, old.ID) != nil {
		return nil, errf(CodeDomainRecordExist, "the record already exists")
	}
	old.Name, old.Type, old.Line, old.LineID, old.Value, old.MX, old.TTL, old.Status = r.Name, r.Type, r.Line, r.LineID, r.Value, r.MX, r.TTL, r.Status
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

// write is the record fields CreateRecord and ModifyRecord share.
type write struct {
	sub, typ, line, lineID, value string
	mx                            *uint64
	ttl                           uint64
	status                        string
}

// checkRecord validates the fields of a write to d as the API does and returns the
// row as the API would store it (TXT values rewritten); s.mu is held.
func (s *Server) checkRecord(d *domain, w write) (Record, *apiError) {
	if w.sub == "" {
		w.sub = "@"
	}
	r := Record{Name: strings.ToLower(w.sub), Type: strings.ToUpper(w.typ), Value: w.value, TTL: w.ttl, Status: w.status}
	switch {
	case w.typ == "":
		return r, errf(CodeMissingParameter, "the parameter RecordType is missing")
	case w.line == "" && w.lineID == "":
		return r, errf(CodeMissingParameter, "the parameter RecordLine is missing")
	case w.value == "":
		return r, errf(CodeMissingParameter, "the parameter Value is missing")
	case !supportedTypes[r.Type]:
		return r, errf(CodeRecordTypeBad, "record type %s is not supported", w.typ)
	case !validSubdomain(r.Name):
		return r, errf(CodeSubdomainInvalid, "subdomain %q is invalid", w.sub)
	}
	// RecordLineId wins over RecordLine; a line name is the site's own ("默认" on the
	// China site, "Default" on the international one).
	switch {
	case w.lineID != "" && w.lineID != DefaultLineID:
		return r, errf(CodeRecordLineInvalid, "record line id %q is not available on this plan", w.lineID)
	case w.lineID == "" && w.line != DefaultLineName(s.opts.Site):
		return r, errf(CodeRecordLineInvalid, "record line %q does not exist", w.line)
	}
	r.LineID, r.Line = DefaultLineID, DefaultLineName(s.opts.Site)
	switch r.Status {
	case "":
		r.Status = StatusEnable
	case StatusEnable, StatusDisable:
	default:
		return r, errf("InvalidParameter", "Status must be ENABLE or DISABLE, not %q", r.Status)
	}
	if r.TTL == 0 {
		r.TTL = 600
	}
	p := packageOf(d.grade)
	if r.TTL < p.MinTtl || r.TTL > 604800 {
		return r, errf(CodeRecordTTLLimit, "TTL %d is outside %d–604800 for the plan %s of %s", r.TTL, p.MinTtl, d.grade, d.name)
	}
	if r.Type == "MX" {
		if w.mx == nil || *w.mx > 65535 {
			return r, errf(CodeMXInvalid, "MX records need an MX priority of 0–65535")
		}
		r.MX = *w.mx
	}
	if r.Type == "TXT" {
		v, e := s.storedTXT(w.value)
		if e != nil {
			return r, e
		}
		r.Value = v
	}
	if !validValue(r.Type, r.Value) {
		return r, errf(CodeRecordValueBad, "%q is not a valid %s value", w.value, r.Type)
	}
	return r, nil
}

// storedTXT is what DNSPod keeps of a TXT value: it refuses double quotes, drops
// backslashes, escapes single quotes and strips trailing blanks; a value over 255
// bytes is kept, listed back in quoted chunks, or refused as Options.LongTXT says.
func (s *Server) storedTXT(v string) (string, *apiError) {
	if strings.Contains(v, `"`) {
		return "", errf(CodeRecordValueBad, "the TXT value may not contain double quotes")
	}
	v = strings.ReplaceAll(v, `\`, "")
	v = strings.ReplaceAll(v, "'", `\'`)
	v = strings.TrimRight(v, " \t\r\n")
	if len(v) <= 255 {
		return v, nil
	}
	switch s.opts.LongTXT {
	case LongTXTRefused:
		return "", errf(CodeRecordValueBad, "the TXT value is %d bytes; at most 255 are allowed", len(v))
	case LongTXTChunked:
		var parts []string
		for len(v) > 255 {
			parts = append(parts, `"`+v[:255]+`"`)
			v = v[255:]
		}
		return strings.Join(append(parts, `"`+v+`"`), " "), nil
	}
	return v, nil
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

func (s *Server) describeDomain(body []byte) (map[string]any, *apiError) {
	var req DescribeDomainRequest
	if e := params(body, &req, "Domain", "DomainId"); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, e := s.domainOf(req.Domain)
	if e != nil {
		return nil, e
	}
	p := packageOf(d.grade)
	title := p.DomainGradeCn
	if s.opts.Site == SiteIntl {
		title = p.titleIntl
	}
	created := d.created.Format(time.DateTime)
	return map[string]any{"DomainInfo": DomainInfo{
		DomainId: d.id, Domain: d.name, Status: "ENABLE", Grade: strings.ToUpper(d.grade), GradeTitle: title,
		GradeLevel: p.GradeLevel, TTL: 600, DnsStatus: "", DnspodNsList: nsNames(), Punycode: d.name,
		RecordCount: uint64(len(d.records)), CreatedOn: created, UpdatedOn: created,
	}}, nil
}

func nsNames() []string {
	out := make([]string, len(defaultNS))
	for i, ns := range defaultNS {
		out[i] = strings.TrimSuffix(ns, ".")
	}
	return out
}

func (s *Server) describePackageDetail(body []byte) (map[string]any, *apiError) {
	var req struct{}
	if e := params(body, &req); e != nil {
		return nil, e
	}
	var info []PackageDetailItem
	var levels []string
	for _, p := range packages {
		info = append(info, p.PackageDetailItem)
		levels = append(levels, p.DomainGrade)
	}
	return map[string]any{"Info": info, "LevelMap": levels}, nil
}

// plan is one DNSPod plan as the fake knows it.
type plan struct {
	PackageDetailItem
	titleIntl string
}

// packages are the plans the fake knows, with their TTL floors.
var packages = []plan{
	{PackageDetailItem{MinTtl: 600, RecordRoll: 2, SubDomainLevel: 5, MaxWildcard: 1, DnsServerRegion: "境内", DomainGradeCn: "免费版", GradeLevel: 2, Ns: nsNames(), DomainGrade: "DP_Free"}, "Free"},
	{PackageDetailItem{RealPrice: 360, MinTtl: 120, RecordRoll: 10, SubDomainLevel: 5, MaxWildcard: 2, DnsServerRegion: "境内外", DomainGradeCn: "专业版", GradeLevel: 3, Ns: nsNames(), DomainGrade: "DP_Plus"}, "Professional"},
	{PackageDetailItem{RealPrice: 1280, MinTtl: 60, RecordRoll: 20, SubDomainLevel: 10, MaxWildcard: 3, DnsServerRegion: "境内外", DomainGradeCn: "企业版", GradeLevel: 4, Ns: nsNames(), DomainGrade: "DP_Extra"}, "Enterprise"},
	{PackageDetailItem{RealPrice: 3980, MinTtl: 1, RecordRoll: 50, SubDomainLevel: 10, MaxWildcard: 5, DnsServerRegion: "境内外", DomainGradeCn: "尊享版", GradeLevel: 5, Ns: nsNames(), DomainGrade: "DP_Ultra"}, "Ultimate"},
}

// packageOf returns the plan of a grade, whatever its case, or nil.
func packageOf(grade string) *plan {
	for i := range packages {
		if strings.EqualFold(packages[i].DomainGrade, grade) {
			return &packages[i]
		}
	}
	return nil
}
