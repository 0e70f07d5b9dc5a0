package planner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/miekg/dns"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/crash"
	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/schema"
)

// DesiredInstances evaluates a configuration without contacting any provider and
// returns its instances in dependency order, each with the provider that serves it.
// Attributes that providers assign are model.Unknown.
func DesiredInstances(cfg *schema.Config, vars map[string]cty.Value, ps *ProviderSet) ([]*Instance, hcl.Diagnostics) {
	g, diags := buildGraph(cfg)
	if diags.HasErrors() {
		return nil, diags
	}
	assign, d, pending := ps.assignBlocks(cfg)
	diags = append(diags, d...)
	insts, d := newEvaluator(cfg, g, vars).run(func(string) model.Object { return nil })
	diags = append(diags, d...)
	for _, in := range insts {
		in.Provider = assign[in.Res.Addr()]
	}
	diags = append(diags, unserved(pending, insts)...)
	return insts, diags
}

// VerifyStatus is the outcome of checking one RRset on one server.
type VerifyStatus string

// The verify outcomes.
const (
	VerifyMatch     VerifyStatus = "match"
	VerifyMissing   VerifyStatus = "missing"
	VerifyDifferent VerifyStatus = "different"
	VerifyTTL       VerifyStatus = "ttl_differs"
	// VerifyUnknown is an RRset whose records are known only after apply.
	VerifyUnknown VerifyStatus = "unknown"
	// VerifyError is a server that could not answer for the zone.
	VerifyError VerifyStatus = "error"
)

// VerifyResult is what one authoritative server says about one declared RRset.
type VerifyResult struct {
	Address string       `json:"address"`
	Zone    string       `json:"zone"`
	Name    string       `json:"name"`
	Type    string       `json:"type"`
	Server  string       `json:"server"`
	Status  VerifyStatus `json:"status"`
	// Want and WantTTL are the configured records (canonical) and TTL.
	Want    []string `json:"want,omitempty"`
	WantTTL int64    `json:"want_ttl"`
	// Live and LiveTTL are what the server answered, in canonical form.
	Live    []string `json:"live,omitempty"`
	LiveTTL int64    `json:"live_ttl,omitempty"`
	// Error says why the server could not be asked (status error).
	Error string `json:"error,omitempty"`
}

// VerifyOptions says where and how verify asks.
type VerifyOptions struct {
	// Server, when set, is the host:port asked for every zone.
	Server string
	// LookupNS finds the authoritative servers (host:port) of a zone when neither
	// Server nor the zone's provider names one; default: the NS records through the
	// system resolver.
	LookupNS func(ctx context.Context, zone string) ([]string, error)
	// Timeout bounds one query; default 5s.
	Timeout time.Duration
	// Parallelism bounds the queries in flight; default 10.
	Parallelism int
}

// nameServerer is a provider that knows the server its zones live on (rfc2136).
type nameServerer interface{ NameServer() string }

// verifyTarget is one declared RRset.
type verifyTarget struct {
	in       *Instance
	zone     string
	name     string
	typ      string
	provider string
}

// Verify asks the authoritative servers of every zone the dns_record instances
// declare for each declared RRset, without recursion, and reports per RRset and
// server whether the live answer matches. A server that cannot be found or asked
// gives results with status error naming it, never a mismatch.
func Verify(ctx context.Context, insts []*Instance, ps *ProviderSet, opt VerifyOptions) []VerifyResult {
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.Parallelism <= 0 {
		opt.Parallelism = 10
	}
	if opt.LookupNS == nil {
		opt.LookupNS = systemNS
	}
	var targets []verifyTarget
	for _, in := range insts {
		if in.Res.Spec != model.DNSRecord {
			continue
		}
		d := in.Desired
		targets = append(targets, verifyTarget{in: in, zone: d.Str("zone"), name: d.Str("name"), typ: d.Str("type"), provider: in.Provider})
	}
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].in.Addr < targets[j].in.Addr })

	servers := map[string][]string{} // zone → servers
	serverErr := map[string]error{}
	for _, t := range targets {
		if _, done := servers[t.zone]; done || serverErr[t.zone] != nil {
			continue
		}
		s, err := zoneServers(ctx, t, ps, opt)
		if err != nil {
			serverErr[t.zone] = err
			continue
		}
		servers[t.zone] = s
	}

	var out []VerifyResult
	type job struct {
		t      verifyTarget
		server string
		i      int
	}
	var jobs []job
	for _, t := range targets {
		base := VerifyResult{Address: t.in.Addr, Zone: t.zone, Name: t.name, Type: t.typ,
			WantTTL: t.in.Desired.Int("ttl")}
		if want, ok := t.in.Desired["records"].([]string); ok {
			base.Want = want
		}
		if err := serverErr[t.zone]; err != nil {
			base.Status, base.Error = VerifyError, err.Error()
			out = append(out, base)
			continue
		}
		for _, s := range servers[t.zone] {
			r := base
			r.Server = s
			if model.IsUnknown(t.in.Desired["records"]) || model.IsUnknown(t.in.Desired["zone"]) || model.IsUnknown(t.in.Desired["name"]) {
				r.Status = VerifyUnknown
				out = append(out, r)
				continue
			}
			jobs = append(jobs, job{t: t, server: s, i: len(out)})
			out = append(out, r)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, opt.Parallelism)
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if e := crash.Recovered(recover()); e != nil {
					out[j.i].Status, out[j.i].Error = VerifyError, e.Error()
				}
			}()
			check(ctx, &out[j.i], opt.Timeout)
		}()
	}
	wg.Wait()
	return out
}

// zoneServers returns the servers to ask for a zone: the override, the provider's
// server, or the zone's NS records.
func zoneServers(ctx context.Context, t verifyTarget, ps *ProviderSet, opt VerifyOptions) ([]string, error) {
	if opt.Server != "" {
		return []string{withPort(opt.Server)}, nil
	}
	if ps != nil {
		if n, ok := ps.ByName[t.provider].(nameServerer); ok && n.NameServer() != "" {
			return []string{n.NameServer()}, nil
		}
	}
	s, err := opt.LookupNS(ctx, t.zone)
	if err != nil {
		return nil, fmt.Errorf("cannot find the name servers of zone %s: %v; give the server with -server HOST:PORT (for the sandbox: run mailform sandbox serve --dns ADDR and pass -server ADDR)", t.zone, err)
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("zone %s has no NS records; give the server with -server HOST:PORT (for the sandbox: run mailform sandbox serve --dns ADDR and pass -server ADDR)", t.zone)
	}
	return s, nil
}

func withPort(s string) string {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s
	}
	return net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), "53")
}

// systemNS looks up a zone's NS host names and their addresses with the system
// resolver.
func systemNS(ctx context.Context, zone string) ([]string, error) {
	ns, err := net.DefaultResolver.LookupNS(ctx, zone)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range ns {
		addrs, err := net.DefaultResolver.LookupHost(ctx, n.Host)
		if err != nil {
			return nil, fmt.Errorf("name server %s: %v", n.Host, err)
		}
		for _, a := range addrs {
			out = append(out, net.JoinHostPort(a, "53"))
		}
	}
	sort.Strings(out)
	return out, nil
}

// check asks r.Server for r's RRset and fills in the outcome.
func check(ctx context.Context, r *VerifyResult, timeout time.Duration) {
	owner := model.FQDN(r.Zone, r.Name)
	qtype, ok := dns.StringToType[r.Type]
	if !ok {
		r.Status, r.Error = VerifyError, fmt.Sprintf("unknown record type %s", r.Type)
		return
	}
	resp, err := query(ctx, r.Server, owner, qtype, timeout)
	if err != nil {
		r.Status, r.Error = VerifyError, err.Error()
		return
	}
	switch {
	case resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError:
		r.Status = VerifyError
		r.Error = fmt.Sprintf("name server %s answered %s for %s %s; is it authoritative for zone %s?", r.Server, dns.RcodeToString[resp.Rcode], owner, r.Type, r.Zone)
		return
	case !resp.Authoritative:
		r.Status = VerifyError
		r.Error = fmt.Sprintf("name server %s is not authoritative for zone %s (no AA flag); point -server at the primary or a secondary", r.Server, r.Zone)
		return
	}
	var ttl uint32
	for _, rr := range resp.Answer {
		h := rr.Header()
		if h.Rrtype != qtype || !strings.EqualFold(h.Name, owner) {
			continue
		}
		if len(r.Live) == 0 || h.Ttl < ttl {
			ttl = h.Ttl
		}
		r.Live = append(r.Live, model.RDataOf(rr))
	}
	sort.Strings(r.Live)
	r.LiveTTL = int64(ttl)
	switch {
	case len(r.Live) == 0:
		r.Status = VerifyMissing
	case !model.Equal(r.Live, r.Want):
		r.Status = VerifyDifferent
	case r.LiveTTL != r.WantTTL:
		r.Status = VerifyTTL
	default:
		r.Status = VerifyMatch
	}
}

// query asks one question without recursion over UDP, and over TCP when the answer
// is truncated.
func query(ctx context.Context, server, owner string, qtype uint16, timeout time.Duration) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(owner, qtype)
	m.RecursionDesired = false
	m.SetEdns0(4096, false)
	var resp *dns.Msg
	var err error
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: timeout}
		resp, _, err = c.ExchangeContext(ctx, m, server)
		if err != nil {
			return nil, fmt.Errorf("cannot reach name server %s over %s: %v", server, strings.ToUpper(network), cleanNetErr(err))
		}
		if !resp.Truncated {
			break
		}
	}
	return resp, nil
}

// cleanNetErr drops the repeated "read udp 127.0.0.1:x->…" prefix of socket errors.
func cleanNetErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}
