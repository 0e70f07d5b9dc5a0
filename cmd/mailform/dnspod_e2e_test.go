package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

const (
	dnspodZone   = "dnspod.test"
	dnspodID     = "AKIDe2eDNSPOD0001"
	dnspodSecret = "e2e-DNSPOD-SECRET-7f3a"
)

// e2eListingDelay is how long the fake hides a new record from listings: the real
// service can take about 30 s; a few hundred milliseconds keeps the suite fast and
// still comes between an apply and the plan after it.
const e2eListingDelay = 300 * time.Millisecond

// dnspodFake serves a fake DNSPod account holding dnspodZone in the test process,
// with the listing delay on unless opts sets one.
func dnspodFake(t *testing.T, opts dnspodapi.Options) (*dnspodapi.Server, string) {
	t.Helper()
	opts.Credentials = map[string]string{dnspodID: dnspodSecret}
	if opts.ListingDelay == 0 {
		opts.ListingDelay = e2eListingDelay
	}
	fake := dnspodapi.New(opts)
	fake.AddDomain(dnspodZone)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, srv.URL + "/"
}

func dnspodEnv(key string) []string {
	return []string{"TENCENTCLOUD_SECRET_ID=" + dnspodID, "TENCENTCLOUD_SECRET_KEY=" + key}
}

// dnspodConfig puts the mail records of dnspodZone on DNSPod at endpoint; credentials
// come from the environment.
func dnspodConfig(endpoint string) string {
	return fmt.Sprintf(`provider "dnspod" {
  endpoint = %q
  timeout  = "5s"
}

dns_record "mx" {
  zone    = %[2]q
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

dns_record "spf" {
  zone    = %[2]q
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}

dns_record "dkim" {
  zone    = %[2]q
  name    = "sel._domainkey"
  type    = "TXT"
  records = ["v=DKIM1; k=rsa; p=%[3]s"]
}

dns_record "dmarc" {
  zone    = %[2]q
  name    = "_dmarc"
  type    = "TXT"
  records = ["v=DMARC1; p=quarantine; rua=mailto:dmarc@%[2]s"]
}
`, endpoint, dnspodZone, dkimKey())
}

// fakeRows returns "name TYPE value" of every row of the fake zone but the apex NS.
func fakeRows(fake *dnspodapi.Server) []string {
	var out []string
	for _, r := range fake.Records(dnspodZone) {
		if r.Name == "@" && r.Type == "NS" {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s %d %s", r.Name, r.Type, r.MX, r.Value))
	}
	return out
}

// TestDNSPodFlow runs validate, plan, apply and a converged plan through the real
// binary against the fake DNSPod API, then a saved plan made stale by a console edit.
func TestDNSPodFlow(t *testing.T) {
	fake, endpoint := dnspodFake(t, dnspodapi.Options{})
	env := dnspodEnv(dnspodSecret)
	dir := writeFiles(t, map[string]string{"main.mf.hcl": dnspodConfig(endpoint)})

	mustRunEnv(t, dir, env, 0, "validate")
	if n := fake.Calls(""); n != 0 {
		t.Fatalf("validate made %d API calls", n)
	}
	r := mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "Plan: 4 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("first plan:\n%s", r)
	}
	if len(fakeRows(fake)) != 0 {
		t.Fatal("plan wrote to DNSPod")
	}
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	rows := strings.Join(fakeRows(fake), "\n")
	for _, want := range []string{"@ MX 5 mxbiz1.qq.com.", "@ MX 10 mxbiz2.qq.com.", "@ TXT 0 v=spf1 include:spf.mail.qq.com ~all",
		"sel._domainkey TXT 0 v=DKIM1; k=rsa; p=" + dkimKey(), "_dmarc TXT 0 v=DMARC1"} {
		if !strings.Contains(rows, want) {
			t.Fatalf("DNSPod lacks %q after apply; it holds:\n%s", want, rows)
		}
	}
	if n := len(fakeRows(fake)); n != 5 {
		t.Fatalf("DNSPod holds %d rows, want 5:\n%s", n, rows)
	}
	r = mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("plan after apply should say No changes.:\n%s", r)
	}
	if strings.Contains(readFile(t, dir, "mailform.state"), dnspodSecret) || strings.Contains(r.output(), dnspodSecret) {
		t.Fatal("the secret key appears in state or output")
	}

	// A saved plan whose RRset changed in the console before apply is refused.
	editFile(t, dir, "main.mf.hcl", "~all", "-all")
	mustRunEnv(t, dir, env, 2, "plan", "-out", "spf.plan", "-detailed-exitcode")
	for _, row := range fake.Records(dnspodZone) {
		if row.Type == "TXT" && row.Name == "@" {
			if err := fake.SetRecord(dnspodZone, row.ID, "v=spf1 mx ~all", 600); err != nil {
				t.Fatal(err)
			}
		}
	}
	r = mustRunEnv(t, dir, env, 1, "apply", "spf.plan")
	if !strings.Contains(r.output(), "zone dnspod.test changed since plan; run plan again") {
		t.Fatalf("stale plan apply should name the zone:\n%s", r)
	}
	if !strings.Contains(strings.Join(fakeRows(fake), "\n"), "v=spf1 mx ~all") {
		t.Fatal("the refused apply overwrote the console change")
	}
	r = mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "v=spf1 mx ~all") || !strings.Contains(r.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.") {
		t.Fatalf("the next plan should change the outside SPF:\n%s", r)
	}
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
	if n := len(fakeRows(fake)); n != 5 {
		t.Fatalf("DNSPod holds %d rows after converging, want 5:\n%s", n, strings.Join(fakeRows(fake), "\n"))
	}
}

// TestDNSPodErrors checks that refused credentials and a missing zone fail plan with
// exit 1 and a message that says what to fix, never showing the key.
func TestDNSPodErrors(t *testing.T) {
	_, endpoint := dnspodFake(t, dnspodapi.Options{})
	cases := []struct {
		name, config, key string
		says              []string
	}{
		{"wrong key", dnspodConfig(endpoint), "wrong-SECRET-key", []string{"AuthFailure.SignatureFailure", `secret_id "` + dnspodID + `"`, "secret_key"}},
		{"missing zone", strings.ReplaceAll(dnspodConfig(endpoint), dnspodZone, "missing.test"), dnspodSecret, []string{"zone missing.test", "DomainNotExists", "add the zone"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mf.hcl": c.config})
			r := mustRunEnv(t, dir, dnspodEnv(c.key), 1, "plan")
			// Diagnostics wrap long lines; compare with the words rejoined.
			out := strings.Join(strings.Fields(r.output()), " ")
			for _, s := range c.says {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, r)
				}
			}
			if strings.Contains(r.output(), c.key) {
				t.Fatalf("the key appears in the output:\n%s", r)
			}
		})
	}
}

// quickstartDNS is the DNS of the quickstart (as it was before the module; MX, SPF, a 392-byte DKIM key, DMARC;
// two RRsets at TTL 3600) in dnspodZone, behind a dnspod provider block.
func quickstartDNS(t *testing.T, provider string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/quickstart-flat/dns.mf.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return provider + "\n" + strings.ReplaceAll(string(b), "domain.main.name", fmt.Sprintf("%q", dnspodZone))
}

// TestDNSPodQuickstartBothSites applies the quickstart's DNS through the real binary
// to a fake China-site account and a fake international one, whose rows are on the
// line named "Default": the plan right after apply has nothing to do although the
// fake hides new records from listings for a while, and a record paused in the
// console is drift, then enabled again by apply.
func TestDNSPodQuickstartBothSites(t *testing.T) {
	for _, site := range []string{dnspodapi.SiteChina, dnspodapi.SiteIntl} {
		t.Run(site, func(t *testing.T) {
			fake, endpoint := dnspodFake(t, dnspodapi.Options{Site: site})
			env := dnspodEnv(dnspodSecret)
			dir := writeFiles(t, map[string]string{"main.mf.hcl": quickstartDNS(t, fmt.Sprintf(`provider "dnspod" {
  site     = %q
  endpoint = %q
  timeout  = "5s"
}
`, site, endpoint))})
			mustRunEnv(t, dir, env, 0, "validate")
			r := mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
			if !strings.Contains(r.stdout, "Plan: 4 to add, 0 to change, 0 to destroy.") {
				t.Fatalf("first plan:\n%s", r)
			}
			mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
			rows := fake.Records(dnspodZone)
			if n := len(fakeRows(fake)); n != 5 {
				t.Fatalf("DNSPod holds %d rows, want 5:\n%s", n, strings.Join(fakeRows(fake), "\n"))
			}
			for _, row := range rows {
				if row.LineID != "0" || row.Line != dnspodapi.DefaultLineName(site) {
					t.Fatalf("row %+v is not on the default line as the %s site names it", row, site)
				}
			}
			// At once, within the listing delay: the rows must not be planned again.
			r = mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
			if !strings.Contains(r.stdout, "No changes.") {
				t.Fatalf("plan right after apply:\n%s", r)
			}

			// A value paused in the console is not live: drift says so, and the plan
			// enables the row rather than creating another.
			var paused dnspodapi.Record
			for _, row := range rows {
				if row.Type == "MX" && row.MX == 10 {
					paused = row
				}
			}
			if err := fake.SetStatus(dnspodZone, paused.ID, dnspodapi.StatusDisable); err != nil {
				t.Fatal(err)
			}
			r = mustRunEnv(t, dir, env, 2, "drift")
			out := strings.Join(strings.Fields(r.stdout), " ")
			if !strings.Contains(out, "dns_record.mx") || !strings.Contains(out, `"10 mxbiz2.qq.com." (RecordId `) || !strings.Contains(out, "paused in DNSPod") {
				t.Fatalf("drift should report the paused MX row:\n%s", r)
			}
			r = mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
			if !strings.Contains(r.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.") {
				t.Fatalf("plan with a paused row:\n%s", r)
			}
			fake.ResetCalls()
			mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
			if n := fake.Calls(dnspodapi.ActionCreateRecord); n != 0 {
				t.Fatalf("apply created %d rows; it should enable the paused one", n)
			}
			for _, row := range fake.Records(dnspodZone) {
				if row.ID == paused.ID && row.Status != dnspodapi.StatusEnable {
					t.Fatalf("the paused row is still %s", row.Status)
				}
			}
			mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
			mustRunEnv(t, dir, env, 0, "drift")
		})
	}
}

// TestDNSPodListingDelayIsReal shows the listing delay of the end-to-end fake does
// hide new records: with listing_wait = "0s" the plan right after apply would create
// them again. That is what the default wait prevents.
func TestDNSPodListingDelayIsReal(t *testing.T) {
	_, endpoint := dnspodFake(t, dnspodapi.Options{ListingDelay: 10 * time.Second})
	env := dnspodEnv(dnspodSecret)
	dir := writeFiles(t, map[string]string{"main.mf.hcl": quickstartDNS(t, fmt.Sprintf(`provider "dnspod" {
  endpoint     = %q
  listing_wait = "0s"
}
`, endpoint))})
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	r := mustRunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, "to add") {
		t.Fatalf("without the wait the unlisted records should be planned again:\n%s", r)
	}
}

// TestDNSPodRefusesTXTItCannotStore: a TXT value with a double quote is a validate
// error for an RRset on DNSPod, naming the file and line, the record and the
// character, without any API call; the same record is fine on an RFC 2136 server.
func TestDNSPodRefusesTXTItCannotStore(t *testing.T) {
	fake, endpoint := dnspodFake(t, dnspodapi.Options{})
	record := fmt.Sprintf(`
dns_record "dmarc" {
  zone    = %q
  name    = "_dmarc"
  type    = "TXT"
  records = ["v=DMARC1; p=none; rua=mailto:\"dmarc\"@%s"]
}
`, dnspodZone, dnspodZone)
	dir := writeFiles(t, map[string]string{"main.mf.hcl": fmt.Sprintf("provider \"dnspod\" {\n  endpoint = %q\n}\n", endpoint) + record})
	r := mustRunEnv(t, dir, dnspodEnv(dnspodSecret), 1, "validate")
	out := strings.Join(strings.Fields(r.output()), " ")
	for _, want := range []string{"TXT value DNSPod cannot store", "on main.mf.hcl line 9", "dns_record.dmarc", "provider dnspod", "a double quote", "DNSPod refuses double quotes"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, r)
		}
	}
	mustRunEnv(t, dir, dnspodEnv(dnspodSecret), 1, "plan")
	if n := fake.Calls(""); n != 0 {
		t.Fatalf("validate and plan made %d API calls for a configuration with errors", n)
	}

	dir = writeFiles(t, map[string]string{"main.mf.hcl": `provider "rfc2136" {
  server   = "127.0.0.1:53"
  key_name = "mailform-key"
}
` + record})
	mustRunEnv(t, dir, []string{"MAILFORM_TSIG_SECRET=c2VjcmV0LXNlY3JldC1zZWNyZXQ="}, 0, "validate")
}

// TestDNSPodTTLBelowThePlan: a ttl below the minimum of the zone's DNSPod plan (600 on
// the free plan) is a plan error that names the floor and the plan, and nothing is
// written; on a plan that allows it, the same configuration plans.
func TestDNSPodTTLBelowThePlan(t *testing.T) {
	fake, endpoint := dnspodFake(t, dnspodapi.Options{})
	env := dnspodEnv(dnspodSecret)
	dir := writeFiles(t, map[string]string{"main.mf.hcl": fmt.Sprintf(`provider "dnspod" {
  endpoint = %q
}

dns_record "spf" {
  zone    = %q
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
  ttl     = 300
}
`, endpoint, dnspodZone)})
	mustRunEnv(t, dir, env, 0, "validate")
	for _, cmd := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
		r := mustRunEnv(t, dir, env, 1, cmd...)
		out := strings.Join(strings.Fields(r.output()), " ")
		for _, want := range []string{"TTL below the DNSPod plan's minimum", "on main.mf.hcl line 10", "dns_record.spf", "free plan (DP_FREE): minimum TTL 600", "ttl is 300"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q:\n%s", cmd[0], want, r)
			}
		}
		if n := fake.Calls(dnspodapi.ActionCreateRecord); n != 0 || len(fakeRows(fake)) != 0 {
			t.Fatalf("%s wrote to DNSPod: %d CreateRecord calls", cmd[0], n)
		}
	}
	if err := fake.SetGrade(dnspodZone, "DP_Plus"); err != nil {
		t.Fatal(err)
	}
	mustRunEnv(t, dir, env, 0, "apply", "-auto-approve")
	mustRunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
}
