package planner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnstest"
	"github.com/mailform/mailform/providers/rfc2136"
	"github.com/mailform/mailform/providers/sandbox"
	"github.com/mailform/mailform/schema"
)

var registerOnce sync.Once

const verifyZone = "verify.test"

// verifyConfig is a configuration with four RRsets on srv through the rfc2136
// provider, or with a sandbox provider when srv is nil.
func verifyConfig(srv *dnstest.Server) string {
	p := `provider "sandbox" {}`
	if srv != nil {
		p = fmt.Sprintf(`provider "rfc2136" {
  server = %q
  key_name = %q
  key_secret = %q
}`, srv.Addr, srv.KeyName, srv.KeySecret)
	}
	return p + `
dns_record "mx" {
  zone = "verify.test"
  name = "@"
  type = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}
dns_record "spf" {
  zone = "verify.test"
  name = "@"
  type = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
  ttl = 300
}
dns_record "dkim" {
  zone = "verify.test"
  name = "sel._domainkey"
  type = "TXT"
  records = ["v=DKIM1; n=\"q\"; p=` + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOC", 12) + `"]
}
dns_record "dmarc" {
  zone = "verify.test"
  name = "_dmarc"
  type = "TXT"
  records = ["v=DMARC1; p=none"]
}
`
}

func desired(t *testing.T, src string) ([]*Instance, *ProviderSet) {
	t.Helper()
	registerOnce.Do(func() {
		// Other tests of the package may have registered them already.
		if providers.Lookup(rfc2136.Kind) == nil {
			rfc2136.Register()
		}
		if providers.Lookup("sandbox") == nil {
			sandbox.Register()
		}
	})
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	ps, diags := ConfigureProviders(cfg, nil, providers.Env{Dir: t.TempDir()})
	if diags.HasErrors() {
		t.Fatalf("providers: %s", diags.Error())
	}
	t.Cleanup(ps.Close)
	insts, diags := DesiredInstances(cfg, nil, ps)
	if diags.HasErrors() {
		t.Fatalf("evaluate: %s", diags.Error())
	}
	return insts, ps
}

// statuses renders results as "address@server:status".
func statuses(rs []VerifyResult) map[string]VerifyResult {
	out := map[string]VerifyResult{}
	for _, r := range rs {
		out[r.Address] = r
	}
	return out
}

func TestVerifyAgainstKnot(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Starter{Name: "knot", Start: dnstest.StartKnot}, verifyZone)
	insts, ps := desired(t, verifyConfig(srv))
	ctx := context.Background()

	// Apply the declared RRsets through the provider, as mailform apply would.
	p := ps.ByName["rfc2136"]
	for _, in := range insts {
		if in.Res.Spec == model.DNSRecord {
			if _, err := p.Create(ctx, "dns_record", in.Addr, in.Desired); err != nil {
				t.Fatalf("create %s: %v", in.Addr, err)
			}
		}
	}
	rs := Verify(ctx, insts, ps, VerifyOptions{})
	if len(rs) != 4 {
		t.Fatalf("got %d results, want one per RRset: %+v", len(rs), rs)
	}
	for _, r := range rs {
		if r.Status != VerifyMatch || r.Server != srv.Addr {
			t.Errorf("%s: %s on %q (%s), want match on %s; live %q", r.Address, r.Status, r.Server, r.Error, srv.Addr, r.Live)
		}
	}

	// Outside changes: one RRset replaced, one deleted, one TTL changed.
	rc, err := srv.Update(verifyZone, func(m *dns.Msg) {
		mx := mustRR(t, "verify.test. 600 IN MX 5 mxbiz1.qq.com.")
		m.RemoveRRset([]dns.RR{mx})
		m.Insert([]dns.RR{mx, mustRR(t, "verify.test. 600 IN MX 20 backup.example.net.")})
		m.RemoveRRset([]dns.RR{mustRR(t, "_dmarc.verify.test. 600 IN TXT \"x\"")})
		spf := mustRR(t, `verify.test. 900 IN TXT "v=spf1 include:spf.mail.qq.com ~all"`)
		m.RemoveRRset([]dns.RR{spf})
		m.Insert([]dns.RR{spf})
	})
	if err != nil || rc != dns.RcodeSuccess {
		t.Fatalf("outside update: %v %s", err, dns.RcodeToString[rc])
	}
	got := statuses(Verify(ctx, insts, ps, VerifyOptions{}))
	want := map[string]VerifyStatus{"dns_record.mx": VerifyDifferent, "dns_record.dmarc": VerifyMissing, "dns_record.spf": VerifyTTL, "dns_record.dkim": VerifyMatch}
	for a, st := range want {
		if got[a].Status != st {
			t.Errorf("%s: %s (%s), want %s", a, got[a].Status, got[a].Error, st)
		}
	}
	if mx := got["dns_record.mx"]; strings.Join(mx.Live, ",") != "20 backup.example.net.,5 mxbiz1.qq.com." {
		t.Errorf("mx live = %q, want the server's records", mx.Live)
	}
	if spf := got["dns_record.spf"]; spf.LiveTTL != 900 || spf.WantTTL != 300 {
		t.Errorf("spf TTL live %d want %d, expected 900 and 300", spf.LiveTTL, spf.WantTTL)
	}

	// -server overrides the provider's server.
	for _, r := range Verify(ctx, insts, ps, VerifyOptions{Server: srv.Addr}) {
		if r.Server != srv.Addr || r.Status == VerifyError {
			t.Errorf("%s with -server: %s on %s (%s)", r.Address, r.Status, r.Server, r.Error)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Starter{Name: "knot", Start: dnstest.StartKnot}, "other.test")
	insts, ps := desired(t, verifyConfig(nil))
	ctx := context.Background()
	down := closedPort(t)

	tests := []struct {
		name    string
		opt     VerifyOptions
		wantErr string
	}{
		{"server down", VerifyOptions{Server: down, Timeout: 200 * time.Millisecond}, "cannot reach name server " + down},
		{"zone not served", VerifyOptions{Server: srv.Addr}, "answered REFUSED"},
		{"no name servers found", VerifyOptions{LookupNS: func(context.Context, string) ([]string, error) {
			return nil, errors.New("no such host")
		}}, "cannot find the name servers of zone verify.test: no such host; give the server with -server HOST:PORT"},
		{"zone without NS", VerifyOptions{LookupNS: func(context.Context, string) ([]string, error) { return nil, nil }}, "zone verify.test has no NS records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := Verify(ctx, insts, ps, tt.opt)
			if len(rs) != 4 {
				t.Fatalf("got %d results, want 4", len(rs))
			}
			for _, r := range rs {
				if r.Status != VerifyError || !strings.Contains(r.Error, tt.wantErr) {
					t.Errorf("%s: %s %q, want error containing %q", r.Address, r.Status, r.Error, tt.wantErr)
				}
			}
		})
	}
}

// TestVerifyLookupNS checks that NS lookup is used for a sandbox-served zone and
// that every server it returns is asked.
func TestVerifyLookupNS(t *testing.T) {
	insts, ps := desired(t, verifyConfig(nil))
	down := closedPort(t)
	asked := 0
	rs := Verify(context.Background(), insts, ps, VerifyOptions{Timeout: 200 * time.Millisecond, LookupNS: func(_ context.Context, zone string) ([]string, error) {
		asked++
		if zone != verifyZone {
			t.Errorf("NS lookup for %q, want %s", zone, verifyZone)
		}
		return []string{down, down}, nil
	}})
	if asked != 1 {
		t.Errorf("NS looked up %d times, want once per zone", asked)
	}
	if len(rs) != 8 {
		t.Errorf("got %d results, want 4 RRsets × 2 servers", len(rs))
	}
}

func TestVerifyUnknownRecords(t *testing.T) {
	insts, ps := desired(t, verifyConfig(nil))
	insts[0].Desired["records"] = model.Unknown
	rs := Verify(context.Background(), insts, ps, VerifyOptions{Server: closedPort(t), Timeout: 200 * time.Millisecond})
	n := 0
	for _, r := range rs {
		if r.Status == VerifyUnknown {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d results unknown, want the one whose records are known after apply: %+v", n, rs)
	}
}

func mustRR(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// closedPort returns a loopback address where nothing answers.
func closedPort(t *testing.T) string {
	t.Helper()
	// A UDP socket held open and never read: queries time out, and no other test's
	// name server can take the port meanwhile (a port closed at once was sometimes
	// taken by a DNS server of a test running beside this one, which answered).
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().String()
}
