package planner

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/mailform/mailform/providers"
)

// wholeProvider is a memProvider that reads every collection whole and records
// each read: its zones, and whether the configuration had been evaluated by then.
type wholeProvider struct {
	*memProvider
	mu    sync.Mutex
	reads []string // "type zones"
}

func (p *wholeProvider) ReadsWhole(string) bool { return true }

func (p *wholeProvider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	p.mu.Lock()
	p.reads = append(p.reads, req.Type+" "+strings.Join(req.Zones, ","))
	p.mu.Unlock()
	return p.memProvider.Read(ctx, req)
}

func (p *wholeProvider) count(prefix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.reads {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// A provider that reads collections whole is read once per collection, the read
// started from state before evaluation; when the configuration asks for another
// zone the DNS collection is read again with it, and the plan sees the new zone.
func TestRefreshPrefetchesWholeReads(t *testing.T) {
	live, st := driftFixture()
	p := &wholeProvider{memProvider: &memProvider{t: t, objs: live}}
	plan, diags := planWith(t, p, driftConfig, st)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if plan.HasChanges() {
		t.Fatalf("plan of the applied fixture has changes: %+v", plan.Changes)
	}
	for _, typ := range []string{"account ", "department ", "domain ", "dns_record "} {
		if n := p.count(typ); n != 1 {
			t.Errorf("%sread %d times, want once: %v", typ, n, p.reads)
		}
	}

	p = &wholeProvider{memProvider: &memProvider{t: t, objs: live}}
	live["dns_record"]["other"] = map[string]any{"zone": "other.example", "name": "@", "type": "MX", "records": []string{"5 mx.other.example."}, "ttl": int64(600)}
	config := driftConfig + `
dns_record "other" {
  zone    = "other.example"
  name    = "@"
  type    = "MX"
  records = ["5 mx.other.example."]
}
`
	plan, diags = planWith(t, p, config, st)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if n := p.count("dns_record example.com,other.example"); n != 1 {
		t.Errorf("the DNS collection was not read again with the new zone: %v", p.reads)
	}
	if c := find(plan, "dns_record.other"); c == nil || !c.Adopt {
		t.Errorf("dns_record.other: %+v, want the live RRset of the new zone adopted", c)
	}
	if n := p.count("account "); n != 1 {
		t.Errorf("accounts read %d times, want once: %v", n, p.reads)
	}
}
