package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/dnstest"
)

const e2eZone = "e2e.test"

// dnsConfig is a configuration whose DNS lives on srv through the rfc2136 provider;
// the TSIG secret comes from MAILFORM_TSIG_SECRET.
func dnsConfig(server, keyName string) string {
	return fmt.Sprintf(`provider "rfc2136" {
  server   = %q
  key_name = %q
  timeout  = "2s"
}

dns_record "mx" {
  zone    = "e2e.test"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

dns_record "spf" {
  zone    = "e2e.test"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}

dns_record "dkim" {
  zone    = "e2e.test"
  name    = "sel._domainkey"
  type    = "TXT"
  records = ["v=DKIM1; k=rsa; n=\"a \\ note\"; p=%s"]
}

dns_record "dmarc" {
  zone    = "e2e.test"
  name    = "_dmarc"
  type    = "TXT"
  records = ["v=DMARC1; p=quarantine; rua=mailto:dmarc@e2e.test"]
}
`, server, keyName, dkimKey())
}

var dkimOnce = sync.OnceValue(func() string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
})

// dkimKey is a real 2048-bit RSA public key, so the DKIM lint accepts it and the
// TXT is longer than 255 bytes.
func dkimKey() string { return dkimOnce() }

func startKnot(t *testing.T) *dnstest.Server {
	t.Helper()
	return dnstest.Start(t, dnstest.Starter{Name: "knot", Start: dnstest.StartKnot}, e2eZone)
}

func tsigEnv(srv *dnstest.Server) []string {
	return []string{"MAILFORM_TSIG_SECRET=" + srv.KeySecret}
}

// mustRunEnv runs the binary with env and fails unless it exits with code.
func mustRunEnv(t *testing.T, dir string, env []string, code int, args ...string) result {
	t.Helper()
	r := runEnv(t, dir, env, args...)
	if r.code != code {
		t.Fatalf("mailform %s: want exit %d, got %s", strings.Join(args, " "), code, r)
	}
	return r
}

// outsideUpdate changes the zone the way another tool would.
func outsideUpdate(t *testing.T, srv *dnstest.Server, remove string, insert ...string) {
	t.Helper()
	rc, err := srv.Update(e2eZone, func(m *dns.Msg) {
		if remove != "" {
			m.RemoveRRset([]dns.RR{mustParseRR(t, remove)})
		}
		var rrs []dns.RR
		for _, s := range insert {
			rrs = append(rrs, mustParseRR(t, s))
		}
		if len(rrs) > 0 {
			m.Insert(rrs)
		}
	})
	if err != nil || rc != dns.RcodeSuccess {
		t.Fatalf("outside update: %v %s", err, dns.RcodeToString[rc])
	}
}

func mustParseRR(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// TestDNSFlowOnKnot is issue 3's flow against a real Knot: validate, plan, apply,
// converge, see an outside change, refuse a stale plan, verify.
func TestDNSFlowOnKnot(t *testing.T) {
	srv := startKnot(t)
	env := tsigEnv(srv)
	dir := writeFiles(t, map[string]string{"main.mf.hcl": dnsConfig(srv.Addr, srv.KeyName)})

	mustRunEnv(t, dir, env, 0, "validate")
	r := mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "Plan: 4 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("first plan:\n%s", r)
	}
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	r = mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan after apply should say No changes.:\n%s", r)
	}
	if strings.Contains(readFile(t, dir, "mailform.state"), srv.KeySecret) || strings.Contains(r.output(), srv.KeySecret) {
		t.Fatal("the TSIG secret appears in state or output")
	}
	// The TXT with quotes and a backslash is on the wire as written.
	ans, err := srv.Query("sel._domainkey."+e2eZone, dns.TypeTXT)
	if err != nil || len(ans) != 1 || !strings.Contains(model.TXTJoin(ans[0].(*dns.TXT).Txt), `n="a \ note"`) {
		t.Fatalf("DKIM TXT on the server: %v %v", ans, err)
	}
	r = mustRunEnv(t, dir, env, 0, "verify")
	if !strings.Contains(r.stdout, "Verify: 4 match, 0 missing, 0 different, 0 TTL differs.") {
		t.Fatalf("verify after apply:\n%s", r)
	}

	// Someone adds an MX by hand: plan shows exactly that RRset, verify the live value.
	outsideUpdate(t, srv, "", "e2e.test. 600 IN MX 20 backup.example.net.")
	r = mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.") || !strings.Contains(r.stdout, `dns_record "mx"`) || strings.Contains(r.stdout, `dns_record "spf"`) {
		t.Fatalf("plan after the outside MX change should change only dns_record.mx:\n%s", r)
	}
	if !strings.Contains(r.stdout, "20 backup.example.net.") {
		t.Fatalf("plan should show the outside record it removes:\n%s", r)
	}
	r = mustRunEnv(t, dir, env, 2, "verify", "-json")
	var rep struct {
		Results []struct {
			Address, Status string
			Live            []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("verify -json: %v\n%s", err, r)
	}
	for _, x := range rep.Results {
		want := "match"
		if x.Address == "dns_record.mx" {
			want = "different"
			if !strings.Contains(strings.Join(x.Live, ","), "20 backup.example.net.") {
				t.Errorf("verify shows live MX %q, want the outside record", x.Live)
			}
		}
		if x.Status != want {
			t.Errorf("verify %s: %s, want %s", x.Address, x.Status, want)
		}
	}
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	mustRunEnv(t, dir, env, 0, "verify")

	// A saved plan whose zone changed before apply is refused, and state keeps the
	// value it had.
	editFile(t, dir, "main.mf.hcl", "~all", "-all")
	mustRunEnv(t, dir, env, 2, "plan", "-out", "spf.plan", "-detailed-exitcode")
	outsideUpdate(t, srv, `e2e.test. 0 IN TXT "x"`, `e2e.test. 600 IN TXT "v=spf1 mx ~all"`)
	r = mustRunEnv(t, dir, env, 1, "apply", "spf.plan")
	if !strings.Contains(r.output(), "zone e2e.test changed since plan; run plan again") {
		t.Fatalf("stale plan apply should name the zone:\n%s", r)
	}
	if st := readFile(t, dir, "mailform.state"); strings.Contains(st, "-all") {
		t.Fatalf("state records the refused SPF change:\n%s", st)
	}
	r = mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "v=spf1 mx ~all") {
		t.Fatalf("the next plan should see the outside SPF:\n%s", r)
	}
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
}

func TestDNSErrors(t *testing.T) {
	srv := startKnot(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	wrong := "bm90LXRoZS1yaWdodC1zZWNyZXQtbm90LXRoZS1yaWdodA=="

	tests := []struct {
		name, server, secret string
		args                 []string
		want                 string
	}{
		{"wrong TSIG secret on plan", srv.Addr, wrong, []string{"plan"}, "TSIG key rejected by " + srv.Addr},
		{"wrong TSIG secret on apply", srv.Addr, wrong, []string{"apply", "-auto-approve"}, "TSIG key rejected by " + srv.Addr},
		{"server down on plan", down, srv.KeySecret, []string{"plan"}, down},
		{"server down on verify", down, srv.KeySecret, []string{"verify", "-timeout", "1s"}, "cannot reach name server " + down},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mf.hcl": dnsConfig(tt.server, srv.KeyName)})
			r := mustRunEnv(t, dir, []string{"MAILFORM_TSIG_SECRET=" + tt.secret}, 1, tt.args...)
			if !strings.Contains(r.output(), tt.want) {
				t.Errorf("want an error containing %q:\n%s", tt.want, r)
			}
			if strings.Contains(r.output(), tt.secret) {
				t.Errorf("the secret appears in the output")
			}
		})
	}
}

// TestDNSLintTwoSPF: two v=spf1 records at one name make validate fail naming the
// rule, before any server is contacted (the server here does not exist).
func TestDNSLintTwoSPF(t *testing.T) {
	cfg := strings.Replace(dnsConfig("127.0.0.1:1", "k."), `records = ["v=spf1 include:spf.mail.qq.com ~all"]`,
		`records = ["v=spf1 include:spf.mail.qq.com ~all", "v=spf1 mx -all"]`, 1)
	dir := writeFiles(t, map[string]string{"main.mf.hcl": cfg})
	r := mustRunEnv(t, dir, []string{"MAILFORM_TSIG_SECRET=c2VjcmV0"}, 1, "validate")
	if !strings.Contains(r.output(), "SPF-ONE") {
		t.Fatalf("validate should name rule SPF-ONE:\n%s", r)
	}
}

// TestDNSKnotExample runs examples/dns-knot against a real Knot serving example.com:
// apply, converge, verify.
func TestDNSKnotExample(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Starter{Name: "knot", Start: dnstest.StartKnot}, "example.com")
	dir := t.TempDir()
	for _, f := range []string{"main.mf.hcl", "dns.mf.hcl"} {
		writeFile(t, dir, f, readFile(t, "../../examples/dns-knot", f))
	}
	env := append(tsigEnv(srv), "MAILFORM_VAR_dns_server="+srv.Addr, "MAILFORM_VAR_tsig_key_name="+srv.KeyName)
	mustRunEnv(t, dir, env, 0, "validate")
	r := mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	if !strings.Contains(r.stdout, "5 added") {
		t.Fatalf("apply of the example:\n%s", r)
	}
	mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
	r = mustRunEnv(t, dir, env, 0, "verify")
	if !strings.Contains(r.stdout, "Verify: 5 match") {
		t.Fatalf("verify of the example:\n%s", r)
	}
}
