package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// Read transfers every requested zone with one AXFR each and returns one Remote per
// RRset, the apex SOA left out. A refused or failed transfer is an error, never an
// empty zone.
func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	if req.Type != model.DNSRecord.Name {
		return nil, fmt.Errorf("rfc2136 provider cannot read %s; it manages dns_record only", req.Type)
	}
	var out []providers.Remote
	for _, zone := range req.Zones {
		rrs, err := p.transfer(ctx, zone)
		if err != nil {
			return nil, err
		}
		sets := groupRRsets(zone, rrs)
		p.remember(zone, sets)
		for _, s := range sets {
			out = append(out, s.remote())
		}
	}
	return out, nil
}

// transfer reads a whole zone with AXFR over TCP.
func (p *Provider) transfer(ctx context.Context, zone string) ([]dns.RR, error) {
	zone = model.CanonicalDomain(zone)
	server := p.cfg.TransferServer
	d := net.Dialer{Timeout: p.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", server)
	if err != nil {
		return nil, p.transferError(ctx, err, server, zone)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	t := &dns.Transfer{Conn: &dns.Conn{Conn: conn}, ReadTimeout: p.cfg.Timeout, WriteTimeout: p.cfg.Timeout}
	q := new(dns.Msg)
	q.SetAxfr(dns.Fqdn(zone))
	if p.cfg.KeyName != "" {
		t.TsigSecret = map[string]string{p.cfg.KeyName: p.cfg.KeySecret}
		q.SetTsig(p.cfg.KeyName, p.cfg.KeyAlgorithm, 300, time.Now().Unix())
	}
	start := time.Now()
	env, err := t.In(q, server)
	if err != nil {
		_ = conn.Close()
		return nil, p.transferError(ctx, err, server, zone)
	}
	var rrs []dns.RR
	var failed error
	for e := range env {
		// Drain the channel even after an error so the reader goroutine ends.
		if e.Error != nil && failed == nil {
			failed = e.Error
		}
		if failed == nil {
			rrs = append(rrs, e.RR...)
		}
	}
	if failed != nil {
		return nil, p.transferError(ctx, failed, server, zone)
	}
	if len(rrs) == 0 {
		return nil, fmt.Errorf("zone %s on %s: the transfer returned no records, not even the SOA; check the server", zone, server)
	}
	p.logf("AXFR %s from %s: %d records in %s", zone, server, len(rrs), time.Since(start).Round(time.Millisecond))
	return rrs, nil
}

// xfrRcodePrefix is how miekg/dns reports a transfer answered with an error rcode.
const xfrRcodePrefix = "dns: bad xfr rcode: "

func (p *Provider) transferError(ctx context.Context, err error, server, zone string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("transfer of zone %s from %s: %w", zone, server, ctx.Err())
	}
	if isTSIGError(err) {
		// miekg/dns reports every NOTAUTH answer as a TSIG failure and drops the
		// answer; ask once more to see whether the key or the zone was refused.
		return p.diagnose(ctx, server, zone, err)
	}
	if s, ok := strings.CutPrefix(err.Error(), xfrRcodePrefix); ok {
		rc, _ := strconv.Atoi(s)
		switch rc {
		case dns.RcodeNotAuth, dns.RcodeRefused, dns.RcodeNameError:
			return noZone(server, zone)
		}
		return fmt.Errorf("transfer of zone %s from %s failed: the server answered %s", zone, server, dns.RcodeToString[rc])
	}
	if errors.Is(err, dns.ErrSoa) {
		return fmt.Errorf("transfer of zone %s from %s failed: the answer does not start with the SOA", zone, server)
	}
	return netError(err, server, zone, false)
}

// diagnose repeats the AXFR question as a single exchange and explains the answer:
// a TSIG error (BADSIG, BADKEY, BADTIME) means the key was rejected; NOTAUTH or
// REFUSED without one means the server does not serve the zone to this key.
func (p *Provider) diagnose(ctx context.Context, server, zone string, orig error) error {
	q := new(dns.Msg)
	q.SetAxfr(dns.Fqdn(zone))
	c := &dns.Client{Net: "tcp", Timeout: p.cfg.Timeout}
	if p.cfg.KeyName != "" {
		c.TsigSecret = map[string]string{p.cfg.KeyName: p.cfg.KeySecret}
		q.SetTsig(p.cfg.KeyName, p.cfg.KeyAlgorithm, 300, time.Now().Unix())
	}
	r, _, err := c.ExchangeContext(ctx, q, server)
	if r == nil {
		if err == nil {
			err = orig
		}
		return netError(err, server, zone, false)
	}
	if tsigRcode(r) != 0 {
		return keyRejected(server, zone)
	}
	switch r.Rcode {
	case dns.RcodeNotAuth, dns.RcodeRefused, dns.RcodeNameError:
		return noZone(server, zone)
	}
	return fmt.Errorf("transfer of zone %s from %s failed: %v (the server answered %s)", zone, server, orig, dns.RcodeToString[r.Rcode])
}

// remember replaces what the provider knows of zone's wire records.
func (p *Provider) remember(zone string, sets []rrset) {
	m := make(map[string][]dns.RR, len(sets))
	for _, s := range sets {
		m[s.key()] = s.wire
	}
	p.mu.Lock()
	p.seen[model.CanonicalDomain(zone)] = m
	p.mu.Unlock()
}

// seenRRs returns the wire records last read or written for an RRset, and whether the
// zone has been read at all.
func (p *Provider) seenRRs(zone, key string) ([]dns.RR, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	z, ok := p.seen[zone]
	return z[key], ok
}

// wrote records the wire records of an RRset after a successful UPDATE (nil: deleted).
func (p *Provider) wrote(zone, key string, rrs []dns.RR) {
	p.mu.Lock()
	defer p.mu.Unlock()
	z, ok := p.seen[zone]
	if !ok {
		return
	}
	if rrs == nil {
		delete(z, key)
		return
	}
	z[key] = rrs
}
