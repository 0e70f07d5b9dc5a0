package main

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

const (
	dnspodZone   = "dnspod.test"
	dnspodID     = "AKIDe2eDNSPOD0001"
	dnspodSecret = "e2e-DNSPOD-SECRET-7f3a"
)

// dnspodFake serves a fake DNSPod account holding dnspodZone in the test process.
func dnspodFake(t *testing.T) (*dnspodapi.Server, string) {
	t.Helper()
	fake := dnspodapi.New(dnspodapi.Options{Credentials: map[string]string{dnspodID: dnspodSecret}})
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
	fake, endpoint := dnspodFake(t)
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
	_, endpoint := dnspodFake(t)
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
