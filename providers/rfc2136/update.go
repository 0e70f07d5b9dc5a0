package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// maxUpdateSize is the largest UPDATE message built, leaving room under the 64 KiB
// DNS message limit for the header, question and TSIG record.
const maxUpdateSize = dns.MaxMsgSize - 1024

// udpLimit is the largest message sent over UDP; RFC 2136 servers are not required to
// take EDNS on UPDATE, so anything bigger goes over TCP.
const udpLimit = dns.MinMsgSize

// Create adds an RRset, provided none exists at its name and type.
func (p *Provider) Create(ctx context.Context, typ, label string, desired model.Object) (providers.Remote, error) {
	r := p.ApplyBatch(ctx, typ, []providers.Change{{Op: providers.OpCreate, Label: label, Desired: desired}})[0]
	return r.Remote, r.Err
}

// Update replaces an RRset, provided it still holds exactly what the plan saw.
func (p *Provider) Update(ctx context.Context, typ, id string, prior, desired model.Object) (providers.Remote, error) {
	r := p.ApplyBatch(ctx, typ, []providers.Change{{Op: providers.OpUpdate, ID: id, Prior: prior, Desired: desired}})[0]
	return r.Remote, r.Err
}

// Delete removes an RRset, provided it still holds exactly what the plan saw.
func (p *Provider) Delete(ctx context.Context, typ, id string, prior model.Object) error {
	return p.ApplyBatch(ctx, typ, []providers.Change{{Op: providers.OpDelete, ID: id, Prior: prior}})[0].Err
}

// op is one change translated into UPDATE prerequisites and updates.
type op struct {
	index   int
	zone    string
	key     string
	prereq  []dns.RR
	updates []dns.RR
	size    int
	remote  providers.Remote
	written []dns.RR // the RRset's records after the update; nil when deleted
}

// ApplyBatch applies changes zone by zone in as few UPDATE messages as the message size
// allows. Each message is atomic on the server: when a prerequisite fails, none of its
// changes are made and each of them reports the error.
func (p *Provider) ApplyBatch(ctx context.Context, typ string, changes []providers.Change) []providers.Result {
	results := make([]providers.Result, len(changes))
	if typ != model.DNSRecord.Name {
		for i := range results {
			results[i].Err = fmt.Errorf("rfc2136 provider cannot manage %s; it manages dns_record only", typ)
		}
		return results
	}
	zoneErr := p.readUnseenZones(ctx, changes)
	byZone := map[string][]*op{}
	var zones []string
	for i, c := range changes {
		if err := zoneErr[changeZone(c)]; err != nil {
			results[i].Err = err
			continue
		}
		o, err := buildOp(c, p.seenRRs)
		if err != nil {
			results[i].Err = err
			continue
		}
		o.index = i
		if _, seen := byZone[o.zone]; !seen {
			zones = append(zones, o.zone)
		}
		byZone[o.zone] = append(byZone[o.zone], o)
	}
	for _, zone := range zones {
		p.applyZone(ctx, zone, byZone[zone], results)
	}
	return results
}

// applyZone sends the ops of one zone. After a failure that is not a prerequisite
// (server down, key rejected) the rest are not sent and report the same error.
func (p *Provider) applyZone(ctx context.Context, zone string, ops []*op, results []providers.Result) {
	for _, msgOps := range pack(ops) {
		err := p.send(ctx, zone, msgOps)
		for _, o := range msgOps {
			if err != nil {
				results[o.index].Err = err
			} else {
				results[o.index].Remote = o.remote
				p.wrote(zone, o.key, o.written)
			}
		}
		if err != nil && !isChangedSincePlan(err) {
			rest := ops[indexAfter(ops, msgOps[len(msgOps)-1]):]
			for _, o := range rest {
				results[o.index].Err = fmt.Errorf("not sent: %w", err)
			}
			return
		}
	}
}

func indexAfter(ops []*op, last *op) int {
	for i, o := range ops {
		if o == last {
			return i + 1
		}
	}
	return len(ops)
}

func isChangedSincePlan(err error) bool { return errors.Is(err, providers.ErrChangedSincePlan) }

// pack groups ops into messages: each message stays under maxUpdateSize and touches
// an RRset at most once, because all prerequisites of a message are checked before
// any of its updates.
func pack(ops []*op) [][]*op {
	var out [][]*op
	var cur []*op
	size := 0
	keys := map[string]bool{}
	for _, o := range ops {
		if len(cur) > 0 && (size+o.size > maxUpdateSize || keys[o.key]) {
			out = append(out, cur)
			cur, size, keys = nil, 0, map[string]bool{}
		}
		cur = append(cur, o)
		size += o.size
		keys[o.key] = true
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// buildOp turns a change into prerequisites and updates:
//   - create: the RRset must not exist; add the desired records.
//   - update: the RRset must hold exactly the prior records; delete it, add the desired.
//   - delete: the RRset must hold exactly the prior records; delete it.
func buildOp(c providers.Change, seen func(zone, key string) ([]dns.RR, bool)) (*op, error) {
	var prior, desired *rrset
	if c.Op != providers.OpCreate && c.Prior != nil {
		s, err := rrsetOf(c.Prior)
		if err != nil {
			return nil, err
		}
		prior = &s
	}
	if c.Op != providers.OpDelete {
		if c.Desired == nil {
			return nil, fmt.Errorf("%s of dns_record %s has no desired attributes", c.Op, c.ID)
		}
		s, err := rrsetOf(c.Desired)
		if err != nil {
			return nil, err
		}
		desired = &s
	}
	if prior == nil && desired == nil {
		return nil, fmt.Errorf("delete of dns_record %s: the plan holds no prior record to check against; run plan again", c.ID)
	}
	if prior != nil && desired != nil && prior.key() != desired.key() {
		return nil, fmt.Errorf("update of dns_record %s to %s changes its zone, name or type, which needs a replace", prior.key(), desired.key())
	}
	target := desired
	if target == nil {
		target = prior
	}
	o := &op{zone: target.zone, key: target.key()}
	probe := []dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: target.owner(), Rrtype: dns.StringToType[target.rrtype], Class: dns.ClassINET}}}
	if prior == nil || len(prior.rdata) == 0 {
		o.prereq = rrsetNotUsed(probe)
	} else {
		rrs, err := prior.rrs()
		if err != nil {
			return nil, err
		}
		if live, _ := seen(prior.zone, prior.key()); sameRData(live, prior.rdata) {
			rrs = copyRRs(live)
		}
		o.prereq = used(rrs)
	}
	if c.Op != providers.OpCreate {
		o.updates = removeRRset(probe)
	}
	if desired != nil {
		rrs, err := desired.rrs()
		if err != nil {
			return nil, err
		}
		o.updates = append(o.updates, rrs...)
		o.remote = desired.remote()
		o.written = copyRRs(rrs)
	}
	for _, rr := range append(append([]dns.RR(nil), o.prereq...), o.updates...) {
		o.size += dns.Len(rr)
	}
	if o.size > maxUpdateSize {
		return nil, fmt.Errorf("dns_record %s is too large for one DNS message (%d bytes)", o.key, o.size)
	}
	return o, nil
}

// The helpers below build the RFC 2136 §2.4 and §2.5 records the way miekg/dns's Msg
// methods do, but without a message, so ops can be packed into messages later.

func rrsetNotUsed(probe []dns.RR) []dns.RR {
	m := new(dns.Msg)
	m.RRsetNotUsed(probe)
	return m.Answer
}

func used(rrs []dns.RR) []dns.RR {
	m := new(dns.Msg)
	m.SetUpdate(".")
	m.Used(rrs)
	return m.Answer
}

func removeRRset(probe []dns.RR) []dns.RR {
	m := new(dns.Msg)
	m.RemoveRRset(probe)
	return m.Ns
}

// send sends one UPDATE for zone holding ops and checks the answer.
func (p *Provider) send(ctx context.Context, zone string, ops []*op) error {
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(zone))
	for _, o := range ops {
		m.Answer = append(m.Answer, o.prereq...)
		m.Ns = append(m.Ns, o.updates...)
	}
	network := p.cfg.Transport
	if network == "udp" && m.Len() > udpLimit-200 {
		network = "tcp"
	}
	start := time.Now()
	r, err := p.exchange(ctx, m, network)
	if err == nil && r.Truncated && network == "udp" {
		r, err = p.exchange(ctx, m, "tcp")
	}
	server := p.cfg.Server
	if r != nil && r.Rcode != dns.RcodeSuccess {
		// miekg/dns also reports a NOTAUTH answer as a TSIG failure; the answer's
		// rcode and TSIG error say what really happened.
		p.logf("UPDATE %s on %s over %s: %d changes: %s", zone, server, network, len(ops), dns.RcodeToString[r.Rcode])
		return updateError(r, server, zone)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("update of zone %s on %s: %w; it may or may not have been applied, run plan again to see", zone, server, ctx.Err())
		}
		if isTSIGError(err) {
			return keyRejected(server, zone)
		}
		return netError(err, server, zone, true)
	}
	p.logf("UPDATE %s on %s over %s: %d changes, %d prerequisites, %d updates, %s: %s",
		zone, server, network, len(ops), len(m.Answer), len(m.Ns), time.Since(start).Round(time.Millisecond), dns.RcodeToString[r.Rcode])
	return nil
}

// exchange signs m afresh (a retry over TCP needs a new signature) and sends it.
func (p *Provider) exchange(ctx context.Context, m *dns.Msg, network string) (*dns.Msg, error) {
	c := &dns.Client{Net: network, Timeout: p.cfg.Timeout}
	if p.cfg.KeyName != "" {
		c.TsigSecret = map[string]string{p.cfg.KeyName: p.cfg.KeySecret}
		m.Extra = nil
		m.SetTsig(p.cfg.KeyName, p.cfg.KeyAlgorithm, 300, time.Now().Unix())
	}
	r, _, err := c.ExchangeContext(ctx, m, p.cfg.Server)
	return r, err
}

// readUnseenZones transfers, once, each zone in which an update or delete must check an
// RRset that this provider has not read, so prerequisites can use the server's exact
// records. It returns the errors of the zones that could not be read.
func (p *Provider) readUnseenZones(ctx context.Context, changes []providers.Change) map[string]error {
	errs := map[string]error{}
	for _, c := range changes {
		if c.Op == providers.OpCreate || c.Prior == nil {
			continue
		}
		zone := changeZone(c)
		if _, done := errs[zone]; done || zone == "" {
			continue
		}
		if _, read := p.seenRRs(zone, ""); read {
			continue
		}
		rrs, err := p.transfer(ctx, zone)
		if err == nil {
			p.remember(zone, groupRRsets(zone, rrs))
		}
		errs[zone] = err
	}
	return errs
}

// changeZone returns the canonical zone a change is in, or "".
func changeZone(c providers.Change) string {
	o := c.Desired
	if o == nil {
		o = c.Prior
	}
	return model.CanonicalDomain(o.Str("zone"))
}

// sameRData reports whether wire records hold exactly the canonical RDATA set want.
func sameRData(rrs []dns.RR, want []string) bool {
	if len(rrs) == 0 || len(rrs) != len(want) {
		return false
	}
	got := make([]string, len(rrs))
	for i, rr := range rrs {
		got[i] = rdataOf(rr)
	}
	sort.Strings(got)
	return slices.Equal(got, want)
}

func copyRRs(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
	}
	return out
}
