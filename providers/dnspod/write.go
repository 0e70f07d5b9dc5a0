package dnspod

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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
	var created []uint64
	for _, rd := range s.rdata {
		row, err := rowOf(s, rd)
		if err != nil {
			return providers.Remote{}, err
		}
		id, err := p.createRow(ctx, s.zone, row)
		if err != nil {
			return providers.Remote{}, fmt.Errorf("dns_record %s: %w", s.key(), err)
		}
		created = append(created, id)
	}
	p.awaitListed(ctx, s, created)
	return s.remote(), nil
}

// createRow adds one row and returns its RecordId (0 when not yet known). DNSPod
// refuses a row whose value exists at the name and type, even a paused one; the row
// there is then enabled (and given row's TTL), or, when it already answers or is not
// listed yet, taken as the create done.
func (p *Provider) createRow(ctx context.Context, zone string, row Row) (uint64, error) {
	id, err := p.c.CreateRecord(ctx, zone, row)
	if err == nil && id != 0 {
		return id, nil
	}
	if err != nil && !HasCode(err, dnspodapi.CodeDomainRecordExist) {
		return id, p.explainWrite(row, err)
	}
	// The value exists, or a create whose outcome was unknown was taken as done
	// without its RecordId: see what row holds it.
	found, ferr := p.c.findRow(ctx, zone, row, func(o Row) bool { return o.onDefaultLine() && sameRow(o, row) })
	if ferr != nil {
		return 0, ferr
	}
	if found == nil {
		p.logf("%s: DNSPod holds the value already but does not list it yet; taken as created", rowObject(zone, row))
		return 0, nil
	}
	if found.paused() || found.TTL != row.TTL {
		row.ID = found.ID
		return found.ID, p.explainWrite(row, p.c.ModifyRecord(ctx, zone, row))
	}
	return found.ID, nil
}

// explainWrite adds to a refused write what mailform knows about the refusal: a TXT
// value over 255 bytes, which DNSPod's documentation leaves open.
func (p *Provider) explainWrite(row Row, err error) error {
	if err == nil || !HasCode(err, dnspodapi.CodeRecordValueBad) || !strings.EqualFold(row.Type, "TXT") || len(row.Value) <= 255 {
		return err
	}
	return fmt.Errorf("%w; DNSPod did not take this %d-byte TXT value (one DNS string holds 255 bytes): use a shorter value (a 1024-bit DKIM key fits), or serve this record from a provider that stores long TXT values (rfc2136)", err, len(row.Value))
}

// awaitListed waits, up to listingWait, until DNSPod lists the rows created with ids
// (it can take about 30 s), so that the plan after apply sees them instead of
// planning them again. The writes are done either way: a row still unlisted when the
// wait ends is only logged, and a repeated create of it would be taken as done.
func (p *Provider) awaitListed(ctx context.Context, s rrset, ids []uint64) {
	want := map[uint64]bool{}
	for _, id := range ids {
		if id != 0 {
			want[id] = true
		}
	}
	if len(want) == 0 || p.listingWait <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, p.listingWait)
	defer cancel()
	delay := 100 * time.Millisecond
	for {
		rows, err := p.c.ListRecords(ctx, s.zone, s.name, s.rrtype)
		if err == nil {
			missing := 0
			seen := map[uint64]bool{}
			for _, r := range rows {
				seen[r.ID] = true
			}
			for id := range want {
				if !seen[id] {
					missing++
				}
			}
			if missing == 0 {
				return
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			p.logf("dns_record %s: DNSPod did not list the new rows within %s; the next plan may show them again until it does", s.key(), p.listingWait)
			return
		case <-t.C:
		}
		delay = min(2*delay, 5*time.Second)
	}
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
	if len(live.rows)+len(live.paused) == 0 {
		return fmt.Errorf("dns_record %s: %w in DNSPod", target.key(), providers.ErrNotFound)
	}
	// The RRset goes whole: its paused rows too.
	for _, row := range append(append([]Row(nil), live.rows...), live.paused...) {
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

// converge turns the rows of live into want: a paused row of a wanted value is
// enabled, rows whose value goes away are modified to a new value first (so a CNAME
// never disappears), then extra values are created, then rows left over are deleted;
// rows that keep their value get a TTL change. Paused rows of other values are left
// alone.
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
	pausedByRD := map[string]Row{}
	for _, row := range live.paused {
		if rd, err := rdataOf(row); err == nil {
			pausedByRD[rd] = row
		}
	}
	var enable []Row
	for _, rd := range want.rdata {
		if _, ok := liveByRD[rd]; ok {
			continue
		}
		if row, ok := pausedByRD[rd]; ok {
			enable = append(enable, row)
			continue
		}
		fresh = append(fresh, rd)
	}
	for _, row := range enable {
		rd, _ := rdataOf(row)
		w, err := rowOf(want, rd)
		if err != nil {
			return err
		}
		w.ID = row.ID
		if err := p.c.ModifyRecord(ctx, want.zone, w); err != nil {
			return err
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
	var created []uint64
	for len(fresh) > 0 {
		row, err := rowOf(want, fresh[0])
		if err != nil {
			return err
		}
		if len(stale) > 0 {
			row.ID = stale[0].ID
			stale = stale[1:]
			err = p.explainWrite(row, p.c.ModifyRecord(ctx, want.zone, row))
		} else {
			var id uint64
			id, err = p.createRow(ctx, want.zone, row)
			created = append(created, id)
		}
		if err != nil {
			return err
		}
		fresh = fresh[1:]
	}
	defer p.awaitListed(ctx, want, created)
	for _, row := range stale {
		if err := p.c.DeleteRecord(ctx, want.zone, row); err != nil && !HasCode(err, dnspodapi.CodeRecordIDInvalid) {
			return err
		}
	}
	return nil
}
