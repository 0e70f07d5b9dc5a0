package dnspod

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

// Create adds an RRset with one CreateRecord per value. After a partial failure the
// rows made so far stay; the next plan finds the RRset by its key and adds the rest.
func (p *Provider) Create(ctx context.Context, typ, _ string, desired model.Object) (providers.Remote, error) {
	if typ != model.DNSRecord.Name {
		return providers.Remote{}, unsupported(typ)
	}
	s, err := p.desiredRRset(desired)
	if err != nil {
		return providers.Remote{}, err
	}
	for _, rd := range s.rdata {
		row, err := rowOf(s, rd)
		if err != nil {
			return providers.Remote{}, err
		}
		if _, err := p.c.CreateRecord(ctx, s.zone, row); err != nil {
			return providers.Remote{}, fmt.Errorf("dns_record %s: %w", s.key(), err)
		}
	}
	return s.remote(), nil
}

// Update changes an RRset row by row: ModifyRecord where a value changes (or only the
// TTL), CreateRecord for extra values, DeleteRecord for removed ones. DNSPod has no
// conditional writes, so the RRset is read again first and the update is refused
// when it no longer holds what the plan saw.
func (p *Provider) Update(ctx context.Context, typ, id string, prior, desired model.Object) (providers.Remote, error) {
	if typ != model.DNSRecord.Name {
		return providers.Remote{}, unsupported(typ)
	}
	want, err := p.desiredRRset(desired)
	if err != nil {
		return providers.Remote{}, err
	}
	if id != "" && id != want.key() {
		return providers.Remote{}, fmt.Errorf("update of dns_record %s to %s changes its zone, name or type, which needs a replace", id, want.key())
	}
	live, err := p.checkedLive(ctx, want, prior)
	if err != nil {
		return providers.Remote{}, err
	}
	if err := p.converge(ctx, live, want); err != nil {
		return providers.Remote{}, fmt.Errorf("dns_record %s: %w", want.key(), err)
	}
	return want.remote(), nil
}

// Delete removes every row of an RRset after checking that it still holds what the
// plan saw. An RRset without rows answers an error wrapping providers.ErrNotFound.
func (p *Provider) Delete(ctx context.Context, typ, id string, prior model.Object) error {
	if typ != model.DNSRecord.Name {
		return unsupported(typ)
	}
	target, err := rrsetOfID(id)
	if prior != nil {
		target, err = rrsetOf(prior)
	}
	if err != nil {
		return err
	}
	live, err := p.checkedLive(ctx, target, prior)
	if err != nil {
		return err
	}
	if len(live.rows) == 0 {
		return fmt.Errorf("dns_record %s: %w in DNSPod", target.key(), providers.ErrNotFound)
	}
	for _, row := range live.rows {
		err := p.c.DeleteRecord(ctx, live.zone, row)
		if err != nil && !HasCode(err, dnspodapi.CodeRecordIDInvalid) {
			return fmt.Errorf("dns_record %s: %w", target.key(), err)
		}
	}
	return nil
}

// desiredRRset canonicalises desired and refuses what DNSPod keeps for itself.
func (p *Provider) desiredRRset(desired model.Object) (rrset, error) {
	if desired == nil {
		return rrset{}, errors.New("dns_record change has no desired attributes; run plan again")
	}
	s, err := rrsetOf(desired)
	if err != nil {
		return s, err
	}
	if isApexNS(s.name, s.rrtype) {
		return s, fmt.Errorf("dns_record %s: DNSPod keeps the apex NS records of zone %s itself; remove this dns_record", s.key(), s.zone)
	}
	if len(s.rdata) == 0 {
		return s, fmt.Errorf("dns_record %s has no records; delete the dns_record instead", s.key())
	}
	return s, nil
}

// checkedLive reads an RRset's rows again and refuses when they differ from prior
// (what the plan saw); a nil prior is not checked.
func (p *Provider) checkedLive(ctx context.Context, target rrset, prior model.Object) (rrset, error) {
	live, _, err := p.readRRset(ctx, target)
	if err != nil {
		return live, err
	}
	if prior == nil {
		return live, nil
	}
	saw, err := rrsetOf(prior)
	if err != nil {
		return live, err
	}
	if !saw.same(live) {
		return live, fmt.Errorf("zone %s %w (dns_record %s now holds %s, the plan saw %s)",
			target.zone, providers.ErrChangedSincePlan, target.key(), describe(live), describe(saw))
	}
	return live, nil
}

func describe(s rrset) string {
	if len(s.rdata) == 0 {
		return "no records"
	}
	return fmt.Sprintf("[%s] TTL %d", strings.Join(s.rdata, ", "), s.ttl)
}

// converge turns the rows of live into want: rows whose value goes away are modified
// to a new value first (so a CNAME never disappears), then extra values are created,
// then rows left over are deleted; rows that keep their value get a TTL change.
func (p *Provider) converge(ctx context.Context, live, want rrset) error {
	var keep, stale []Row
	var fresh []string
	liveByRD := map[string]Row{}
	for _, row := range live.rows {
		rd, err := rdataOf(row)
		if err != nil {
			return err
		}
		if _, dup := liveByRD[rd]; dup || !slices.Contains(want.rdata, rd) {
			stale = append(stale, row)
			continue
		}
		liveByRD[rd] = row
		keep = append(keep, row)
	}
	for _, rd := range want.rdata {
		if _, ok := liveByRD[rd]; !ok {
			fresh = append(fresh, rd)
		}
	}
	for _, row := range keep {
		if row.TTL != want.ttl {
			row.TTL = want.ttl
			if err := p.c.ModifyRecord(ctx, want.zone, row); err != nil {
				return err
			}
		}
	}
	for len(fresh) > 0 {
		row, err := rowOf(want, fresh[0])
		if err != nil {
			return err
		}
		if len(stale) > 0 {
			row.ID = stale[0].ID
			stale = stale[1:]
			err = p.c.ModifyRecord(ctx, want.zone, row)
		} else {
			_, err = p.c.CreateRecord(ctx, want.zone, row)
		}
		if err != nil {
			return err
		}
		fresh = fresh[1:]
	}
	for _, row := range stale {
		if err := p.c.DeleteRecord(ctx, want.zone, row); err != nil && !HasCode(err, dnspodapi.CodeRecordIDInvalid) {
			return err
		}
	}
	return nil
}
