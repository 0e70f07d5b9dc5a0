package dnspod

import (
	"context"
	"fmt"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// Read lists every requested zone (one DescribeRecordList per 3,000 rows) and returns
// one Remote per RRset. A zone without rows is empty; a zone the account does not
// hold is an error naming it. Paused rows are notes, not values; an RRset whose rows
// are all paused is returned (with no records) only when configuration or state knows
// it, so that drift says it was paused rather than deleted, and plan enables it.
func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	if req.Type != model.DNSRecord.Name {
		return nil, unsupported(req.Type)
	}
	known := map[string]bool{}
	for _, k := range req.Keys {
		known[k] = true
	}
	var out []providers.Remote
	for _, zone := range req.Zones {
		sets, err := p.readZone(ctx, zone, "", "")
		if err != nil {
			return nil, err
		}
		for _, s := range sets {
			if len(s.rows) == 0 && !known[s.key()] {
				continue
			}
			out = append(out, s.remote())
		}
	}
	return out, nil
}

// readZone reads the RRsets of zone, or only those at name and type when given.
func (p *Provider) readZone(ctx context.Context, zone, name, rrtype string) ([]rrset, error) {
	zone = model.CanonicalDomain(zone)
	rows, err := p.c.ListRecords(ctx, zone, name, rrtype)
	if err != nil {
		return nil, fmt.Errorf("zone %s: %w", zone, err)
	}
	sets, err := groupRows(zone, rows, func(r Row, why string) {
		p.logf("zone %s: record %s %s (RecordId %d) left out: %s", zone, r.Name, r.Type, r.ID, why)
	})
	if err != nil {
		return nil, err
	}
	p.logf("zone %s: %d rows, %d RRsets", zone, len(rows), len(sets))
	return sets, nil
}

// readRRset reads the current rows of one RRset; found is false when it has none.
func (p *Provider) readRRset(ctx context.Context, want rrset) (live rrset, found bool, err error) {
	sets, err := p.readZone(ctx, want.zone, want.name, want.rrtype)
	if err != nil {
		return rrset{}, false, err
	}
	for _, s := range sets {
		// Keep only the exact RRset, whatever else the filter lets through.
		if s.key() == want.key() {
			return s, true, nil
		}
	}
	return rrset{zone: want.zone, name: want.name, rrtype: want.rrtype}, false, nil
}
