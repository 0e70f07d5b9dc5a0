package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/audit"
)

// auditDKIMKey is the base64 public key of the tenant's DKIM selector s1.
var auditDKIMKey = func() string {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}()

// auditConfig is a small company: accounts and departments on Exmail (sandbox serve),
// send restrictions and backup rules on an in-process sandbox. fixed turns the seeded
// problems into a clean setup.
func auditConfig(url, dnsServer string, fixed bool) string {
	carol, bob, backup, ignore := "false", `status = "active"`, "", ""
	if dnsServer != "" {
		dnsServer = fmt.Sprintf("dns_server = %q", dnsServer)
	}
	if fixed {
		carol = "true"
		bob = `status = "departed"
  offboarding {
    handover_to = account.alice.email
    retain_days = 60
  }`
		backup = `
backup_rule "finance" {
  destination = account.archive.email
  departments = [department.finance.id]
  direction   = "both"
}`
		ignore = `ignore = ["console-change:boss@example.com"]`
	}
	return fmt.Sprintf(`provider "exmail" {
  endpoint   = %q
  corp_id    = %q
  rate_limit = 500
}

provider "sandbox" {
  dir = "local-sandbox"
}

domain "corp" {
  name = "example.com"
}

department "finance" {
  name = "Finance"
}

department "sales" {
  name = "Sales"
}

account "alice" {
  email              = "alice@example.com"
  name               = "Alice"
  departments        = [department.sales.id]
  password           = "Initial-Passw0rd!"
  force_secure_login = true
}

account "bob" {
  email              = "bob@example.com"
  name               = "Bob"
  departments        = [department.finance.id]
  password           = "Initial-Passw0rd!"
  force_secure_login = true
  %s
}

account "carol" {
  email              = "carol@example.com"
  name               = "Carol"
  departments        = [department.finance.id]
  password           = "Initial-Passw0rd!"
  force_secure_login = %s
}

account "archive" {
  email              = "archive@example.com"
  name               = "Archive"
  password           = "Initial-Passw0rd!"
  force_secure_login = true
}

dns_record "dkim" {
  zone    = "example.com"
  name    = "s1._domainkey"
  type    = "TXT"
  records = ["\"v=DKIM1; k=rsa; p=`+auditDKIMKey+`\""]
}

send_restriction "finance" {
  departments     = [department.finance.id]
  external        = "deny"
  allowed_domains = ["auditor.example.net"]
}
%s
audit {
  restricted_departments = ["Finance"]
  %s
  %s
}
`, url, e2eCorp, bob, carol, backup, ignore, dnsServer)
}

func TestAuditE2E(t *testing.T) {
	dir := t.TempDir()
	// Bob's last login is on day 77; a console admin sets a backup rule 3 days before
	// the audit on day 198.
	serve := func(n int, extra ...string) *served {
		args := append([]string{"--log-days", fmt.Sprint(n), "--log-seed", logSeed,
			"--log-today", logsStart.AddDate(0, 0, n).Add(9 * time.Hour).Format(time.RFC3339)}, extra...)
		if n > 78 {
			args = append(args, "--log-idle", fmt.Sprintf("bob@example.com=%d", n-78))
		}
		return startServe(t, dir, []string{"EXMAIL_LOG_SECRET=" + e2eLogSecret}, args...)
	}
	env := func(n int) []string {
		return append(logsEnv(n), "EXMAIL_OPTIONS_SECRET="+e2eOptions)
	}
	must := func(n, code int, args ...string) result {
		t.Helper()
		r := runEnv(t, dir, env(n), args...)
		if r.code != code {
			t.Fatalf("day %d: mailform %s: want exit %d, got %s", n, strings.Join(args, " "), code, r)
		}
		noSecrets(t, "mailform "+args[0], r.output())
		return r
	}
	s := serve(30)
	writeFile(t, dir, "main.mf.hcl", auditConfig(s.url, "", false))
	must(30, 0, "apply", "-auto-approve")
	// A pull every four weeks keeps every day.
	for n := 30; n <= 198; n += 28 {
		if n > 30 {
			var extra []string
			if n == 198 {
				// The audit also asks this server for the live mail DNS.
				extra = []string{"--log-operation", "3:35:boss@example.com:finance@example.com:finance backup",
					"--dns", "127.0.0.1:0", "--zone", "example.com"}
			}
			s = serve(n, extra...)
			writeFile(t, dir, "main.mf.hcl", auditConfig(s.url, s.dns, false))
		}
		must(n, 0, "logs", "pull")
		if n < 198 {
			s.stop(t)
		}
	}

	// Complete mail DNS, published as the DNS team would.
	update := new(dns.Msg)
	update.SetUpdate("example.com.")
	var rrs []dns.RR
	for _, rr := range []string{
		"example.com. 600 IN MX 5 mxbiz1.qq.com.",
		"example.com. 600 IN MX 10 mxbiz2.qq.com.",
		`example.com. 600 IN TXT "v=spf1 include:spf.mail.qq.com ~all"`,
		`_dmarc.example.com. 600 IN TXT "v=DMARC1; p=quarantine"`,
		`s1._domainkey.example.com. 600 IN TXT "v=DKIM1; k=rsa; p=` + auditDKIMKey + `"`,
	} {
		rrs = append(rrs, mustParseRR(t, rr))
	}
	update.Insert(rrs)
	if a, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(update, s.dns); err != nil || a.Rcode != dns.RcodeSuccess {
		t.Fatalf("publishing the mail DNS: %v %v", err, a)
	}

	html := filepath.Join(dir, "audit.html")
	r := must(198, 2, "audit", "-json", "-html", html)
	var rep audit.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("audit -json: %v\n%s", err, r)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Rule+" "+strings.Join(f.Objects, ","))
	}
	sort.Strings(got)
	want := []string{
		"console-change boss@example.com,finance@example.com",
		"no-login bob@example.com",
		"restricted-department Finance",
		"second-factor carol@example.com",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings:\n%s\nwant:\n%s\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), r.stdout)
	}
	for _, f := range rep.Findings {
		if f.Rule == "restricted-department" && !strings.Contains(f.Title, "backup rule") {
			t.Fatalf("Finance has a send restriction; only the backup rule is missing: %+v", f)
		}
	}
	page, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(page), `data-rule="no-login"`) || !strings.Contains(string(page), `id="chart-logins"`) {
		t.Fatalf("audit -html: %v\n%.400s", err, page)
	}
	md := must(198, 2, "audit", "-markdown")
	if !strings.Contains(md.stdout, "| high | `second-factor` |") {
		t.Fatalf("audit -markdown:\n%s", md.stdout)
	}

	// Without DMARC enforcement the DNS check finds it.
	remove := new(dns.Msg)
	remove.SetUpdate("example.com.")
	remove.RemoveRRset([]dns.RR{mustParseRR(t, `_dmarc.example.com. 0 IN TXT "x"`)})
	if a, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(remove, s.dns); err != nil || a.Rcode != dns.RcodeSuccess {
		t.Fatalf("removing DMARC: %v %v", err, a)
	}
	if r := must(198, 2, "audit"); !strings.Contains(r.stdout, "No DMARC record at _dmarc") {
		t.Fatalf("audit without DMARC:\n%s", r)
	}
	restore := new(dns.Msg)
	restore.SetUpdate("example.com.")
	restore.Insert([]dns.RR{mustParseRR(t, `_dmarc.example.com. 600 IN TXT "v=DMARC1; p=reject"`)})
	if a, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(restore, s.dns); err != nil || a.Rcode != dns.RcodeSuccess {
		t.Fatalf("restoring DMARC: %v %v", err, a)
	}

	writeFile(t, dir, "main.mf.hcl", auditConfig(s.url, s.dns, true))
	must(198, 0, "apply", "-auto-approve")
	if r := must(198, 0, "audit"); !strings.Contains(r.stdout, "No findings") || !strings.Contains(r.stdout, "1 accepted") {
		t.Fatalf("audit after the fixes:\n%s", r)
	}
	s.stop(t)

	// A stale archive is a finding; a broken state or archive is an error.
	r = runEnv(t, dir, env(205), "audit")
	if r.code != 2 || !strings.Contains(r.stdout, "The log archive is stale") {
		t.Fatalf("audit a week later:\n%s", r)
	}
	writeFile(t, dir, "main.mf.hcl", auditConfig(s.url, "", true)+"\nlogs {\n  archive \"pg\" {\n    conn_str = \"port=notanumber\"\n  }\n}\n")
	if r := runEnv(t, dir, env(205), "audit"); r.code != 1 || !strings.Contains(r.stderr, "Cannot open the log archive") {
		t.Fatalf("audit with a bad archive setting:\n%s", r)
	}
}
