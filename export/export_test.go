package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
)

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Export Sales":      "export_sales",
		"R&D":               "r_d",
		"  --Ops-- ":        "ops",
		"2024 Interns":      "n2024_interns",
		"销售":                "",
		"exmail._domainkey": "exmail_domainkey",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabeler(t *testing.T) {
	l := newLabeler()
	got := []string{l.take("x", "emea"), l.take("x", "emea", "sales_emea"), l.take("x", "emea", "sales_emea"), l.take("department", ""), l.take("department", "")}
	want := []string{"emea", "sales_emea", "sales_emea_2", "department_2", "department_3"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("labels = %v, want %v", got, want)
			break
		}
	}
}

func remote(t *model.Type, id string, o model.Object) providers.Remote {
	c := model.Canonical(t, o)
	if t.Attr("id") != nil {
		c["id"] = id
	}
	return providers.Remote{ID: id, Attrs: c}
}

func sampleTenant() *planner.Tenant {
	return &planner.Tenant{
		Objects: map[string][]providers.Remote{
			"domain": {remote(model.Domain, "example.com", model.Object{"name": "example.com"}), remote(model.Domain, "other.org", model.Object{"name": "other.org"})},
			"department": {
				// A child with a lower id than its parent still comes after it.
				remote(model.Department, "3", model.Object{"name": "EMEA", "parent": "7"}),
				remote(model.Department, "5", model.Object{"name": "EMEA", "parent": "8", "order": int64(2)}),
				remote(model.Department, "7", model.Object{"name": "Sales"}),
				remote(model.Department, "8", model.Object{"name": "Support"}),
			},
			"account": {
				remote(model.Account, "alice@example.com", model.Object{"email": "alice@example.com", "name": "Alice", "departments": []string{"3", "99"},
					"password": "s3cret", "imap_smtp": false, "offboarding": model.Object{"retain_days": int64(30)}}),
				remote(model.Account, "alice@other.org", model.Object{"email": "alice@other.org", "name": "Alice O", "status": "frozen", "quota_mb": int64(1024)}),
			},
			"group": {
				remote(model.Group, "all@example.com", model.Object{"email": "all@example.com", "name": "All", "members": []string{"alice@example.com", "ext@partner.com"},
					"member_groups": []string{"sub@example.com"}, "senders": "list", "allowed_senders": []string{"alice@other.org"}}),
			},
			"dns_record": {
				remote(model.DNSRecord, "example.com/@/TXT", model.Object{"zone": "example.com", "name": "@", "type": "TXT", "records": []string{`v=spf1 "quoted" ${x} ~all`}, "ttl": int64(300)}),
				remote(model.DNSRecord, "other.org/@/TXT", model.Object{"zone": "other.org", "name": "@", "type": "TXT", "records": []string{"v=spf1 -all"}}),
			},
			"send_restriction": {remote(model.SendRestriction, "internal", model.Object{"departments": []string{"7"}, "external": "deny"})},
			"backup_rule": {
				remote(model.BackupRule, "fin", model.Object{"destination": "alice@example.com", "accounts": []string{"alice@other.org"}, "match": model.Object{"has_attachment": true}}),
				remote(model.BackupRule, "bad name", model.Object{"destination": "alice@example.com", "accounts": []string{"alice@other.org"}}),
			},
		},
		Skipped: map[string]string{},
	}
}

func filesByName(fs []File) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.Name] = string(f.Content)
	}
	return out
}

func TestFiles(t *testing.T) {
	fs := Files(sampleTenant(), Options{SkipDomains: []string{"Other.org."}})
	files := filesByName(fs)
	contains := func(file string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(files[file], w) {
				t.Errorf("%s lacks %q:\n%s", file, w, files[file])
			}
		}
	}
	absent := func(file string, unwanted ...string) {
		t.Helper()
		for _, u := range unwanted {
			if strings.Contains(files[file], u) {
				t.Errorf("%s holds %q:\n%s", file, u, files[file])
			}
		}
	}
	contains("domains.mf.hcl", `domain "example" {`, `name = "example.com"`)
	absent("domains.mf.hcl", "other.org")
	contains("departments.mf.hcl", `department "emea" {`, `department "support_emea" {`, "parent = department.sales.id", "parent = department.support.id", "order  = 2")
	absent("departments.mf.hcl", "order  = 0", `"3"`)
	d := files["departments.mf.hcl"]
	if strings.Index(d, `department "sales"`) > strings.Index(d, `department "emea"`) {
		t.Errorf("child before parent:\n%s", d)
	}
	contains("accounts.mf.hcl", `account "alice" {`, `account "alice_other" {`, `departments = [department.emea.id, "99"]`,
		"imap_smtp   = false", `status   = "frozen"`, "quota_mb = 1024")
	absent("accounts.mf.hcl", "s3cret", "password =", "offboarding", `status = "active"`)
	contains("groups.mf.hcl", `members         = [account.alice.email, "ext@partner.com"]`, `member_groups   = ["sub@example.com"]`,
		`allowed_senders = [account.alice_other.email]`)
	contains("dns.mf.hcl", `dns_record "example_apex_txt" {`, `dns_record "other_apex_txt" {`, `"v=spf1 \"quoted\" $${x} ~all"`, "ttl     = 300")
	contains("policies.mf.hcl", `send_restriction "internal" {`, "departments = [department.sales.id]", `backup_rule "fin" {`,
		"destination = account.alice.email", "accounts    = [account.alice_other.email]", "has_attachment = true", `backup_rule "bad name" was not exported`)
	for _, f := range fs {
		if !bytes.Equal(f.Content, hclwrite.Format(f.Content)) {
			t.Errorf("%s is not in canonical format", f.Name)
		}
	}
	if files := filesByName(fs); len(files) != 6 {
		t.Errorf("files: %v", fs)
	}
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.Name] = f.Count
	}
	if counts["departments.mf.hcl"] != 4 || counts["policies.mf.hcl"] != 2 || counts["domains.mf.hcl"] != 1 {
		t.Errorf("counts: %v", counts)
	}
	// The files parse as a configuration; the provider-less references resolve.
	src := map[string][]byte{}
	for _, f := range fs {
		src[f.Name] = f.Content
	}
	if _, diags := schema.LoadSources(t.TempDir(), src); diags.HasErrors() {
		t.Errorf("exported files do not load: %s", diags.Error())
	}
}

func TestFilesSkippedAndEmpty(t *testing.T) {
	tn := &planner.Tenant{Objects: map[string][]providers.Remote{}, Skipped: map[string]string{"group": "the Exmail API cannot list mail groups"}}
	fs := Files(tn, Options{})
	if len(fs) != 1 || fs[0].Name != "groups.mf.hcl" || fs[0].Count != 0 {
		t.Fatalf("files: %+v", fs)
	}
	if c := string(fs[0].Content); !strings.Contains(c, "# No group blocks were exported: the Exmail API cannot list mail groups.") || !strings.Contains(c, "mailform import group.") {
		t.Errorf("groups note:\n%s", c)
	}
	if fs := Files(&planner.Tenant{}, Options{}); len(fs) != 0 {
		t.Errorf("an empty tenant wrote %v", fs)
	}
}

// TestCSVFiles: with Options.CSV accounts and groups become CSV rows read by one
// for_each block each; department ids are written as department labels, and a
// policy refers to the account's instance.
func TestCSVFiles(t *testing.T) {
	files := filesByName(Files(sampleTenant(), Options{CSV: true}))
	for _, name := range []string{"accounts.csv", "groups.csv", "accounts.mf.hcl", "groups.mf.hcl"} {
		if files[name] == "" {
			t.Fatalf("%s not written; files: %v", name, files)
		}
	}
	if strings.Count(files["accounts.mf.hcl"], "account \"staff\"") != 1 || !strings.Contains(files["accounts.mf.hcl"], `csvdecode(file("accounts.csv"))`) {
		t.Errorf("accounts.mf.hcl:\n%s", files["accounts.mf.hcl"])
	}
	if !strings.HasPrefix(files["accounts.csv"], "email,name") {
		t.Errorf("accounts.csv:\n%s", files["accounts.csv"])
	}
	if !strings.Contains(files["departments.mf.hcl"], "department_ids") {
		t.Errorf("departments.mf.hcl lacks local.department_ids:\n%s", files["departments.mf.hcl"])
	}
	if !strings.Contains(files["accounts.csv"], "alice@example.com,Alice,emea 99,") {
		t.Errorf("accounts.csv should name department 3 by its label and keep the unknown id 99:\n%s", files["accounts.csv"])
	}
	if !strings.Contains(files["policies.mf.hcl"], `destination = account.staff["alice@example.com"].email`) {
		t.Errorf("a policy should refer to the account's instance:\n%s", files["policies.mf.hcl"])
	}
}
