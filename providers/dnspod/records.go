package dnspod

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

// Row is one DNSPod record: one value of an RRset.
type Row struct {
	ID    uint64
	Name  string // "@" for the apex, else relative to the domain
	Type  string
	Value string // without the MX priority
	MX    uint64 // MX priority
	TTL   uint64
	// Line is the line's name as the site shows it ("默认" or "Default"); LineID is
	// what identifies it ("0" for the default line on both sites).
	Line   string
	LineID string
	// Status is ENABLE, or DISABLE for a row paused in the console.
	Status string
}

// onDefaultLine reports whether the row answers every resolver: LineId "0", or, when
// an answer leaves LineId out, either site's name of that line.
func (r Row) onDefaultLine() bool {
	if r.LineID != "" {
		return r.LineID == dnspodapi.DefaultLineID
	}
	return r.Line == "" || r.Line == dnspodapi.DefaultLine || r.Line == dnspodapi.DefaultLineIntl
}

// paused reports whether the row is disabled: it exists but answers no queries.
func (r Row) paused() bool { return strings.EqualFold(r.Status, dnspodapi.StatusDisable) }

// ListRecords returns every row of domain, or those at subdomain of type rtype when
// they are not empty, reading up to dnspodapi.MaxLimit rows per call. No rows is an
// empty list, not an error.
func (c *Client) ListRecords(ctx context.Context, domain, subdomain, rtype string) ([]Row, error) {
	object := domain
	if subdomain != "" {
		object = strings.TrimSpace(subdomain+" "+rtype) + " in " + domain
	}
	var out []Row
	for offset := uint64(0); ; {
		var resp dnspodapi.DescribeRecordListResponse
		r := &request{action: dnspodapi.ActionDescribeRecordList, object: object, params: dnspodapi.DescribeRecordListRequest{
			Domain: domain, SubDomain: subdomain, RecordType: rtype, Offset: offset, Limit: dnspodapi.MaxLimit,
		}}
		err := c.do(ctx, r, &resp)
		if HasCode(err, dnspodapi.CodeNoDataOfRecord) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, it := range resp.RecordList {
			out = append(out, Row{ID: it.RecordId, Name: it.Name, Type: it.Type, Value: it.Value, MX: it.MX, TTL: it.TTL,
				Line: it.Line, LineID: it.LineId, Status: it.Status})
		}
		offset += uint64(len(resp.RecordList))
		if len(resp.RecordList) == 0 || offset >= resp.RecordCountInfo.TotalCount {
			return out, nil
		}
	}
}

// ListDomains returns the names of the account's domains.
func (c *Client) ListDomains(ctx context.Context) ([]string, error) {
	var out []string
	for offset := int64(0); ; {
		var resp dnspodapi.DescribeDomainListResponse
		r := &request{action: dnspodapi.ActionDescribeDomainList, params: dnspodapi.DescribeDomainListRequest{Offset: offset, Limit: dnspodapi.MaxLimit}}
		if err := c.do(ctx, r, &resp); err != nil {
			return nil, err
		}
		for _, d := range resp.DomainList {
			out = append(out, d.Name)
		}
		offset += int64(len(resp.DomainList))
		if len(resp.DomainList) == 0 || uint64(offset) >= resp.DomainCountInfo.AllTotal {
			return out, nil
		}
	}
}

// CreateRecord adds row to domain and returns its RecordId. After a failure whose
// outcome is unknown, the rows at the name and type are read before trying again; a
// row found with the value means the create took effect. RecordId may then be 0 when
// the listing does not show the new row yet.
func (c *Client) CreateRecord(ctx context.Context, domain string, row Row) (uint64, error) {
	var resp dnspodapi.RecordIDResponse
	uncertain := false
	r := &request{action: dnspodapi.ActionCreateRecord, object: rowObject(domain, row), write: true,
		params: dnspodapi.CreateRecordRequest{
			Domain: domain, SubDomain: row.Name, RecordType: row.Type, RecordLineId: dnspodapi.DefaultLineID,
			Value: row.Value, MX: mxParam(row), TTL: row.TTL, Status: dnspodapi.StatusEnable,
		}}
	r.verify = func(ctx context.Context) (bool, error) {
		uncertain = true
		// A paused row of the value is not this create done: DNSPod refused the
		// duplicate, and the row still answers nothing.
		found, err := c.findRow(ctx, domain, row, func(o Row) bool { return o.onDefaultLine() && sameRow(o, row) && !o.paused() })
		if found != nil {
			resp.RecordId = found.ID
		}
		return found != nil, err
	}
	err := c.do(ctx, r, &resp)
	if err != nil && uncertain && HasCode(err, dnspodapi.CodeDomainRecordExist) {
		// An earlier attempt created the row, but the listing did not show it yet.
		return 0, nil
	}
	return resp.RecordId, err
}

// ModifyRecord replaces the value, MX priority and TTL of row.ID, and enables it if it
// was paused. After a failure
// whose outcome is unknown, the row is read before trying again.
func (c *Client) ModifyRecord(ctx context.Context, domain string, row Row) error {
	r := &request{action: dnspodapi.ActionModifyRecord, object: rowObject(domain, row), write: true,
		params: dnspodapi.ModifyRecordRequest{
			Domain: domain, RecordId: row.ID, SubDomain: row.Name, RecordType: row.Type, RecordLineId: dnspodapi.DefaultLineID,
			Value: row.Value, MX: mxParam(row), TTL: row.TTL, Status: dnspodapi.StatusEnable,
		}}
	r.verify = func(ctx context.Context) (bool, error) {
		found, err := c.findRow(ctx, domain, row, func(o Row) bool { return o.ID == row.ID })
		return found != nil && sameRow(*found, row) && found.TTL == row.TTL && !found.paused(), err
	}
	return c.do(ctx, r, nil)
}

// DeleteRecord removes row.ID. After a failure whose outcome is unknown, the rows at
// its name and type are read before trying again.
func (c *Client) DeleteRecord(ctx context.Context, domain string, row Row) error {
	r := &request{action: dnspodapi.ActionDeleteRecord, object: rowObject(domain, row), write: true,
		params: dnspodapi.DeleteRecordRequest{Domain: domain, RecordId: row.ID}}
	r.verify = func(ctx context.Context) (bool, error) {
		found, err := c.findRow(ctx, domain, row, func(o Row) bool { return o.ID == row.ID })
		return err == nil && found == nil, err
	}
	return c.do(ctx, r, nil)
}

// findRow lists the rows at row's name and type and returns the first that match.
func (c *Client) findRow(ctx context.Context, domain string, row Row, match func(Row) bool) (*Row, error) {
	rows, err := c.ListRecords(ctx, domain, row.Name, row.Type)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if match(rows[i]) {
			return &rows[i], nil
		}
	}
	return nil, nil
}

// sameRow reports whether two rows hold the same value: host names compare without
// case and trailing dot, as the API compares them.
func sameRow(a, b Row) bool {
	if !strings.EqualFold(a.Name, b.Name) || !strings.EqualFold(a.Type, b.Type) {
		return false
	}
	if strings.EqualFold(a.Type, "MX") && a.MX != b.MX {
		return false
	}
	if strings.EqualFold(a.Type, "TXT") {
		return txtOfRow(a.Value) == txtOfRow(b.Value)
	}
	return strings.EqualFold(strings.TrimSuffix(a.Value, "."), strings.TrimSuffix(b.Value, "."))
}

func mxParam(row Row) *uint64 {
	if !strings.EqualFold(row.Type, "MX") {
		return nil
	}
	mx := row.MX
	return &mx
}

func rowObject(domain string, row Row) string {
	name := domain
	if row.Name != "@" && row.Name != "" {
		name = row.Name + "." + domain
	}
	s := fmt.Sprintf("%s %s", name, row.Type)
	if row.ID != 0 {
		s += fmt.Sprintf(" (RecordId %d)", row.ID)
	}
	return s
}

// txtOfRow returns the text of a TXT value as DNSPod lists it. DNSPod refuses double
// quotes in a value, so a listed value in zone-file form ("…" "…") can only be its
// own rendering of a long value in 255-byte strings: those are joined.
func txtOfRow(v string) string {
	if t, err := model.TXTText(v); err == nil {
		return t
	}
	return v
}

// PlanFloor is the TTL limit of a domain's DNSPod plan.
type PlanFloor struct {
	Grade  string // "DP_FREE", as DescribeDomain spells it
	Title  string // "免费版" or "Free", as the site names it
	MinTTL uint64 // 0 when DescribePackageDetail does not list the grade
}

// DomainFloor reads the plan of domain (DescribeDomain) and that plan's MinTtl
// (DescribePackageDetail, read once per client). The two spell grades in different
// cases ("DP_FREE", "DP_Free"), so they are matched without case.
func (c *Client) DomainFloor(ctx context.Context, domain string) (PlanFloor, error) {
	var dr dnspodapi.DescribeDomainResponse
	err := c.do(ctx, &request{action: dnspodapi.ActionDescribeDomain, object: domain,
		params: dnspodapi.DescribeDomainRequest{Domain: domain}}, &dr)
	if err != nil {
		return PlanFloor{}, err
	}
	f := PlanFloor{Grade: dr.DomainInfo.Grade, Title: dr.DomainInfo.GradeTitle}
	pkgs, err := c.packageDetails(ctx)
	if err != nil {
		return f, err
	}
	if p, ok := pkgs[strings.ToUpper(f.Grade)]; ok {
		f.MinTTL = p.MinTtl
	}
	return f, nil
}

func (c *Client) packageDetails(ctx context.Context) (map[string]dnspodapi.PackageDetailItem, error) {
	c.floorMu.Lock()
	defer c.floorMu.Unlock()
	if c.packages != nil {
		return c.packages, nil
	}
	var resp dnspodapi.DescribePackageDetailResponse
	if err := c.do(ctx, &request{action: dnspodapi.ActionDescribePackageDetail, params: struct{}{}}, &resp); err != nil {
		return nil, err
	}
	c.packages = map[string]dnspodapi.PackageDetailItem{}
	for _, p := range resp.Info {
		c.packages[strings.ToUpper(p.DomainGrade)] = p
	}
	return c.packages, nil
}
