package main

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// soaSerial is the zone's serial as the server answers it.
func soaSerial(t *testing.T, query func(string, uint16) ([]dns.RR, error)) uint32 {
	t.Helper()
	ans, err := query(e2eZone, dns.TypeSOA)
	if err != nil || len(ans) != 1 {
		t.Fatalf("SOA of %s: %v %v", e2eZone, ans, err)
	}
	return ans[0].(*dns.SOA).Serial
}

// TestStaplesOnKnot: -replace rewrites an unchanged RRset on a real Knot through
// RFC 2136 (the zone serial moves, the records are served as configured), and an
// MX added by hand is accepted by apply -refresh-only without a write to the server;
// once the configuration has it too, drift exits 0.
func TestStaplesOnKnot(t *testing.T) {
	srv := startKnot(t)
	env := tsigEnv(srv)
	dir := writeFiles(t, map[string]string{"main.mf.hcl": dnsConfig(srv.Addr, srv.KeyName)})
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")

	before := soaSerial(t, srv.Query)
	r := mustRunEnv(t, dir, env, 0, "apply", "-auto-approve", "-replace=dns_record.dmarc")
	if !strings.Contains(r.stdout, "dns_record.dmarc: Replacement complete") || !strings.Contains(r.stdout, "1 added, 0 changed, 1 destroyed") {
		t.Fatalf("apply -replace on Knot:\n%s", r)
	}
	if after := soaSerial(t, srv.Query); after < before+2 {
		t.Errorf("the zone serial went from %d to %d: a replacement is a delete and a create, two updates", before, after)
	}
	ans, err := srv.Query("_dmarc."+e2eZone, dns.TypeTXT)
	if err != nil || len(ans) != 1 || !strings.Contains(strings.Join(ans[0].(*dns.TXT).Txt, ""), "v=DMARC1; p=quarantine") {
		t.Fatalf("DMARC after the replacement: %v %v", ans, err)
	}
	mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")

	// Someone adds a backup MX by hand, and the team keeps it.
	outsideUpdate(t, srv, "", "e2e.test. 600 IN MX 20 backup.example.net.")
	r = mustRunEnv(t, dir, env, 2, "drift")
	if !strings.Contains(r.stdout, "mailform apply -refresh-only") {
		t.Errorf("drift does not suggest apply -refresh-only:\n%s", r)
	}
	serial := soaSerial(t, srv.Query)
	r = mustRunEnv(t, dir, env, 0, "apply", "-refresh-only", "-auto-approve")
	if !strings.Contains(r.stdout, "20 backup.example.net.") || !strings.Contains(r.stdout, "1 outside change recorded in state") {
		t.Fatalf("apply -refresh-only on Knot:\n%s", r)
	}
	if soaSerial(t, srv.Query) != serial {
		t.Error("apply -refresh-only wrote to the DNS server")
	}
	// Until the configuration has it, drift says plan would remove it.
	if r := mustRunEnv(t, dir, env, 2, "drift"); !strings.Contains(r.stdout, "0 changed outside mailform, 1 not yet applied, 1 unmanaged") {
		t.Errorf("drift after refresh-only:\n%s", r)
	}
	editFile(t, dir, "main.mf.hcl", `records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]`, `records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com.", "20 backup.example.net."]`)
	// (The test zone's own ns1 A record is unmanaged, and ignored here.)
	if r := mustRunEnv(t, dir, env, 0, "drift", "-ignore=dns_record.ns1_a"); !strings.Contains(r.stdout, "No drift.") {
		t.Errorf("drift after codifying the accepted MX:\n%s", r)
	}
	mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
}
