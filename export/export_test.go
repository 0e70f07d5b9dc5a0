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
// for_each block each, departments rows read by one block per level; department ids
// are written as row keys, and a policy refers to the account's and the
// department's instance.
func TestCSVFiles(t *testing.T) {
	files := filesByName(Files(sampleTenant(), Options{CSV: true}))
	for _, name := range []string{"departments.csv", "accounts.csv", "groups.csv", "departments.mf.hcl", "accounts.mf.hcl", "groups.mf.hcl"} {
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
	wantCSV := "key,level,name,parent,order\nsales,1,Sales,,\nsales_emea,2,EMEA,sales,\nsupport,1,Support,,\nsupport_emea,2,EMEA,support,2\n"
	if files["departments.csv"] != wantCSV {
		t.Errorf("departments.csv:\n%s\nwant:\n%s", files["departments.csv"], wantCSV)
	}
	d := files["departments.mf.hcl"]
	for _, want := range []string{`department "level1" {`, `department "level2" {`, `csvdecode(file("departments.csv"))`,
		`block = ["level1", "level2"][r.level - 1]`, `if r.block == "level2"`, "parent   = department.level1[each.value.parent].id",
		`parent   = each.value.parent != "" ? each.value.parent : null`, `order    = each.value.order != "" ? tonumber(each.value.order) : null`,
		"department_ids = merge(", "{ for k, d in department.level2 : k => d.id },", "department_keys = { for k, id in local.department_ids : k => true }"} {
		if !strings.Contains(d, want) {
			t.Errorf("departments.mf.hcl lacks %q:\n%s", want, d)
		}
	}
	if strings.Count(d, "department \"") != 2 {
		t.Errorf("departments.mf.hcl should hold one block per level:\n%s", d)
	}
	if !strings.Contains(files["policies.mf.hcl"], `departments = [department.level1["sales"].id]`) {
		t.Errorf("a policy should refer to the department's instance:\n%s", files["policies.mf.hcl"])
	}
	if !strings.Contains(files["accounts.csv"], "alice@example.com,Alice,sales_emea 99,") {
		t.Errorf("accounts.csv should name department 3 by its label and keep the unknown id 99:\n%s", files["accounts.csv"])
	}
	if !strings.Contains(files["policies.mf.hcl"], `destination = account.staff["alice@example.com"].email`) {
		t.Errorf("a policy should refer to the account's instance:\n%s", files["policies.mf.hcl"])
	}
}

// TestCSVDepartmentsDeep: a department's depth picks its block, a parent that is not
// exported stays a literal id on the top level, order is left out when no department
// sets it, keys keep letters of any script, and siblings are sorted by name.
func TestCSVDepartmentsDeep(t *testing.T) {
	tn := &planner.Tenant{Objects: map[string][]providers.Remote{
		"department": {
			remote(model.Department, "4", model.Object{"name": "Berlin, Mitte", "parent": "3"}),
			remote(model.Department, "3", model.Object{"name": "O'Brien “EMEA”", "parent": "2"}),
			remote(model.Department, "2", model.Object{"name": "研发 部", "parent": "1"}),
			remote(model.Department, "1", model.Object{"name": "Sales"}),
			remote(model.Department, "9", model.Object{"name": "Orphan", "parent": "77"}),
		},
		"account": {remote(model.Account, "a@example.com", model.Object{"email": "a@example.com", "name": "A", "departments": []string{"4", "2"}})},
	}}
	fs := Files(tn, Options{CSV: true})
	files := filesByName(fs)
	want := "key,level,name,parent\norphan,1,Orphan,77\nsales,1,Sales,\n研发_部,2,研发 部,sales\no_brien_emea,3,O'Brien “EMEA”,研发_部\nberlin_mitte,4,\"Berlin, Mitte\",o_brien_emea\n"
	if files["departments.csv"] != want {
		t.Errorf("departments.csv:\n%s\nwant:\n%s", files["departments.csv"], want)
	}
	if !strings.Contains(files["departments.mf.hcl"], "parent   = department.level3[each.value.parent].id") || strings.Contains(files["departments.mf.hcl"], "order") {
		t.Errorf("departments.mf.hcl:\n%s", files["departments.mf.hcl"])
	}
	if !strings.Contains(files["accounts.csv"], "a@example.com,A,研发_部 berlin_mitte") {
		t.Errorf("accounts.csv should name departments by key:\n%s", files["accounts.csv"])
	}
	for _, f := range fs {
		if f.Name == "departments.csv" && f.Count != 5 || f.Name == "departments.mf.hcl" && f.Count != 4 {
			t.Errorf("%s counts %d", f.Name, f.Count)
		}
	}
	src := map[string][]byte{}
	for _, f := range fs {
		if strings.HasSuffix(f.Name, ".mf.hcl") {
			src[f.Name] = f.Content
		}
	}
	if _, diags := schema.LoadSources(t.TempDir(), src); diags.HasErrors() {
		t.Errorf("exported files do not load: %s", diags.Error())
	}
}

// TestCSVWithoutDepartments: accounts whose departments are not exported keep their
// ids, read without local.department_ids, which then does not exist.
func TestCSVWithoutDepartments(t *testing.T) {
	tn := &planner.Tenant{Objects: map[string][]providers.Remote{
		"account": {remote(model.Account, "a@example.com", model.Object{"email": "a@example.com", "name": "A", "departments": []string{"4"}})},
	}, Skipped: map[string]string{"department": "not readable"}}
	files := filesByName(Files(tn, Options{CSV: true}))
	if _, ok := files["departments.csv"]; ok {
		t.Errorf("departments.csv written without departments")
	}
	if a := files["accounts.mf.hcl"]; strings.Contains(a, "department_ids") || !strings.Contains(a, `split(" ", each.value.departments)`) {
		t.Errorf("accounts.mf.hcl:\n%s", a)
	}
}

func TestRowKey(t *testing.T) {
	for in, want := range map[string]string{
		"Export Sales": "export_sales", "R&D": "r_d", "研发 部": "研发_部", "Ops, Logistics": "ops_logistics",
		"O'Brien “EMEA”": "o_brien_emea", "2024 Interns": "2024_interns", "***": "",
	} {
		if got := rowKey(in); got != want {
			t.Errorf("rowKey(%q) = %q, want %q", in, got, want)
		}
	}
}
