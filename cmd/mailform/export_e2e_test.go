package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// quickstart copies examples/quickstart (configuration and CSV, no state) into a
// fresh directory and applies it to its sandbox.
func quickstart(t *testing.T) string {
	t.Helper()
	dir := exampleCopy(t, "quickstart", configOnly)
	mustRun(t, dir, 0, "apply", "-auto-approve")
	return dir
}

// passwordAttr finds a password attribute (not force_password_change).
var passwordAttr = regexp.MustCompile(`(?m)^\s*password\s*=`)

// sandboxOf is a configuration directory whose only block points at dir's sandbox.
func sandboxOf(t *testing.T, dir string) string {
	t.Helper()
	return writeFiles(t, map[string]string{
		"main.mf.hcl": "provider \"sandbox\" {\n  dir = " + strconv.Quote(filepath.Join(dir, ".sandbox")) + "\n}\n",
	})
}

// TestExportAdoptsQuickstart is the key property of export: the files it writes for a
// live tenant, planned against that tenant with an empty state, adopt every object
// and change nothing.
func TestExportAdoptsQuickstart(t *testing.T) {
	qs := quickstart(t)
	dir := sandboxOf(t, qs)
	r := mustRun(t, dir, 0, "export")
	for _, f := range []string{"domains.mf.hcl", "departments.mf.hcl", "accounts.mf.hcl", "groups.mf.hcl", "dns.mf.hcl", "policies.mf.hcl"} {
		if !strings.Contains(r.stdout, "Wrote "+f) {
			t.Errorf("export did not report %s:\n%s", f, r)
		}
		content := readFile(t, dir, f)
		if passwordAttr.MatchString(content) || strings.Contains(content, "Harbour-Welcome") {
			t.Errorf("%s mentions a password:\n%s", f, content)
		}
	}
	depts := readFile(t, dir, "departments.mf.hcl")
	if !strings.Contains(depts, `parent = department.export_sales.id`) {
		t.Errorf("departments.mf.hcl does not refer to parents by reference:\n%s", depts)
	}
	if strings.Index(depts, `department "export_sales"`) > strings.Index(depts, `department "emea"`) {
		t.Errorf("a child department comes before its parent:\n%s", depts)
	}
	if !strings.Contains(readFile(t, dir, "accounts.mf.hcl"), "departments           = [department.emea.id]") {
		t.Errorf("accounts do not refer to departments by reference:\n%s", readFile(t, dir, "accounts.mf.hcl"))
	}
	if strings.Contains(readFile(t, dir, "dns.mf.hcl"), `"SOA"`) {
		t.Error("dns.mf.hcl holds the zone's SOA")
	}
	mustRun(t, dir, 0, "fmt", "-check")
	mustRun(t, dir, 0, "validate")

	plan := mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(plan.stdout, " to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("the plan over the export is not adoption only:\n%s", plan)
	}
	live := 0
	for _, typ := range []string{"domain", "department", "account", "group", "dns_record", "send_restriction", "backup_rule"} {
		live += len(sandboxItems(t, qs, typ))
	}
	if got := len(lines(plan.stdout, "will be recorded in state")); got != live {
		t.Errorf("plan adopts %d objects, the sandbox holds %d:\n%s", got, live, plan)
	}
	for _, mark := range []string{"  + ", "  ~ ", "  - ", "-/+"} {
		if l := lines(plan.stdout, mark); len(l) > 0 {
			t.Errorf("plan shows changes (%q): %v", mark, l)
		}
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
}

func TestExportOutDirAndOverwrite(t *testing.T) {
	qs := quickstart(t)
	out := filepath.Join(t.TempDir(), "exported")

	// From the quickstart itself into a new directory: allowed, with a hint that the
	// new directory has no provider block.
	r := mustRun(t, qs, 0, "export", "-out", out)
	if !strings.Contains(r.stdout, "has no provider block") {
		t.Errorf("export -out into an empty directory gives no provider hint:\n%s", r)
	}
	before := readFile(t, out, "accounts.mf.hcl")

	// Into a directory that declares more than providers and domains: those blocks
	// would be declared twice.
	full := sandboxOf(t, qs)
	writeFile(t, full, "mine.mf.hcl", "account \"archive\" {\n  email = \"archive@harbourtrade.example\"\n  name  = \"Archive\"\n}\n")
	r = mustRun(t, full, 1, "export")
	if !strings.Contains(r.stderr, "this directory already declares account.archive") || !strings.Contains(r.stderr, "declared twice") {
		t.Errorf("export over a configuration with resources is not refused clearly:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(full, "accounts.mf.hcl")); err == nil {
		t.Error("a refused export wrote accounts.mf.hcl")
	}

	// Again into out: existing files are kept unless -force.
	r = mustRun(t, qs, 1, "export", "-out", out)
	if !strings.Contains(r.stderr, "already holds domains.mf.hcl") || !strings.Contains(r.stderr, "-force") {
		t.Errorf("overwrite refusal does not name the files and -force:\n%s", r)
	}
	writeFile(t, out, "accounts.mf.hcl", "# edited\n")
	mustRun(t, qs, 1, "export", "-out", out)
	if got := readFile(t, out, "accounts.mf.hcl"); got != "# edited\n" {
		t.Fatalf("a refused export changed accounts.mf.hcl:\n%s", got)
	}
	// -force does not read the files it overwrites (an earlier export of a big tenant
	// would be parsed whole for nothing): one that no longer parses is no obstacle.
	writeFile(t, out, "accounts.mf.hcl", "account \"broken\" {{{\n")
	mustRun(t, qs, 0, "export", "-out", out, "-force")
	if got := readFile(t, out, "accounts.mf.hcl"); got != before {
		t.Errorf("export -force did not rewrite accounts.mf.hcl the same way:\n%s", got)
	}
}

func TestExportZones(t *testing.T) {
	qs := quickstart(t)
	dir := sandboxOf(t, qs)
	r := mustRun(t, dir, 0, "export", "-zone", "other.example")
	if strings.Contains(r.stdout, "dns.mf.hcl") {
		t.Errorf("export of a zone without records wrote dns.mf.hcl:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "dns.mf.hcl")); err == nil {
		t.Error("dns.mf.hcl exists for a zone without records")
	}
}

func TestExportProviderError(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.mf.hcl": "provider \"rfc2136\" {\n  server = \"127.0.0.1:1\"\n}\ndomain \"d\" {\n  name = \"example.com\"\n}\n",
	})
	r := run(t, dir, "export")
	if r.code != 1 || !strings.Contains(r.stderr, "Cannot read live objects") {
		t.Fatalf("an unreachable DNS server is not an export error:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "dns.mf.hcl")); err == nil {
		t.Error("a failed export wrote dns.mf.hcl")
	}
}

func TestImport(t *testing.T) {
	qs := quickstart(t)
	dir := sandboxOf(t, qs)
	emea, parent := "", ""
	for _, it := range sandboxItems(t, qs, "department") {
		if it.Attrs.Str("name") == "EMEA" {
			emea, parent = it.ID, it.Attrs.Str("parent")
		}
	}
	writeFile(t, dir, "main.mf.hcl", readFile(t, dir, "main.mf.hcl")+`
domain "main" {
  name = "harbourtrade.example"
}

account "archive" {
  email    = "archive@harbourtrade.example"
  name     = "Mail Archive"
  position = "Compliance archive"
  quota_mb = 65536
}

account "copy" {
  email = "archive@harbourtrade.example"
  name  = "Mail Archive"
}

dns_record "mx" {
  zone    = "harbourtrade.example"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

department "emea" {
  name   = "EMEA"
  parent = "`+parent+`"
}
`)
	r := mustRun(t, dir, 0, "import", "account.archive", "Archive@HarbourTrade.example")
	if !strings.Contains(r.stdout, "Imported account.archive (provider sandbox, id archive@harbourtrade.example)") || !strings.Contains(r.stdout, "mailform plan") {
		t.Errorf("import output:\n%s", r)
	}
	show := mustRun(t, dir, 0, "state", "show", "account.archive")
	if !strings.Contains(show.stdout, `quota_mb = 65536`) {
		t.Errorf("import did not record the live attributes:\n%s", show)
	}
	mustRun(t, dir, 0, "import", "dns_record.mx", "harbourtrade.example/@/mx")
	mustRun(t, dir, 0, "import", "department.emea", emea)

	stateBefore := readFile(t, dir, "mailform.state")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"account.archive", "archive@harbourtrade.example"}, "account.archive is already in state"},
		{[]string{"account.copy", "archive@harbourtrade.example"}, "already managed as account.archive"},
		{[]string{"account.nobody", "x@harbourtrade.example"}, "no account.nobody block"},
		{[]string{"account.archive[\"k\"]", "x@harbourtrade.example"}, "takes no key"},
		{[]string{"account.copy", "ghost@harbourtrade.example"}, `no account with id "ghost@harbourtrade.example"`},
		{[]string{"dns_record.missing", "harbourtrade.example/@/MX"}, "no dns_record.missing block"},
		{[]string{"account.copy", "not an address"}, "Its id is its email address"},
		{[]string{"account..x", "a"}, "is not a resource address"},
	} {
		r := run(t, dir, append([]string{"import"}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("import %v: want exit 1 with %q, got %s", c.args, c.want, r)
		}
	}
	if got := readFile(t, dir, "mailform.state"); got != stateBefore {
		t.Error("a refused import changed the state")
	}
	// account.copy shares its address with account.archive; drop it and plan.
	editFile(t, dir, "main.mf.hcl", "account \"copy\" {\n  email = \"archive@harbourtrade.example\"\n  name  = \"Mail Archive\"\n}\n", "")
	plan := mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	if l := lines(plan.stdout, "will be recorded in state"); len(l) != 1 || !strings.Contains(l[0], "domain.main") {
		t.Errorf("after import only the domain should be adopted by plan:\n%s", plan)
	}
	if !strings.Contains(plan.stdout, " to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Errorf("imported objects show changes:\n%s", plan)
	}
}

func TestImportDNSIDFormat(t *testing.T) {
	qs := quickstart(t)
	dir := sandboxOf(t, qs)
	writeFile(t, dir, "dns.mf.hcl", "dns_record \"mx\" {\n  zone    = \"harbourtrade.example\"\n  name    = \"@\"\n  type    = \"MX\"\n  records = [\"5 mxbiz1.qq.com.\"]\n}\n")
	r := mustRun(t, dir, 1, "import", "dns_record.mx", "harbourtrade.example")
	if !strings.Contains(r.stderr, "zone/name/TYPE") {
		t.Errorf("a bad DNS id is not explained:\n%s", r)
	}
}

// TestExportCSV: export -format csv writes accounts and groups as CSV files read by
// one for_each block each, and departments as departments.csv read by one block per
// level of the tree (TestExportCSVDepartments has a deeper one); planned against the tenant it adopts every object and
// changes none, converges after apply, and a new CSV row is one new mailbox.
func TestExportCSV(t *testing.T) {
	qs := quickstart(t)
	dir := sandboxOf(t, qs)
	r := mustRun(t, dir, 0, "export", "-format", "csv")
	for _, want := range []string{"Wrote accounts.csv (21 rows)", "Wrote groups.csv (5 rows)", "Wrote accounts.mf.hcl (1 block)", "Wrote groups.mf.hcl (1 block)",
		"Wrote departments.csv (12 rows)", "Wrote departments.mf.hcl (3 blocks)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("export lacks %q:\n%s", want, r)
		}
	}
	if strings.Count(readFile(t, dir, "accounts.mf.hcl"), "account \"") != 1 || passwordAttr.MatchString(readFile(t, dir, "accounts.mf.hcl")) {
		t.Errorf("accounts.mf.hcl should hold one for_each block and no password:\n%s", readFile(t, dir, "accounts.mf.hcl"))
	}
	mustRun(t, dir, 0, "fmt", "-check")
	mustRun(t, dir, 0, "validate")
	plan := mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(plan.stdout, "Plan: 45 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("the plan over the CSV export is not adoption only:\n%s", plan)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	editFile(t, dir, "accounts.csv", "\narchive@", "\nnew.hire@harbourtrade.example,New Hire,emea,Trainee,,,,,,\narchive@")
	if r := mustRun(t, dir, 2, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, `account.staff["new.hire@harbourtrade.example"] will be created`) || !strings.Contains(r.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.") {
		t.Errorf("a new row should plan one mailbox:\n%s", r)
	}
	if r := mustRun(t, dir, 1, "export", "-format", "xml"); !strings.Contains(r.stderr, "use hcl or csv") {
		t.Errorf("export -format xml: %s", r)
	}
}

// nestedOrg is a tenant whose departments are four levels deep, with siblings and
// names holding spaces, commas, apostrophes, typographic quotes and Chinese; two
// share the name EMEA. Accounts, a group and a policy refer to departments of every
// level.
const nestedOrg = `provider "sandbox" {}

domain "main" {
  name = "nested.example"
}

department "sales" {
  name = "Sales"
}
department "rnd" {
  name  = "Research & Development"
  order = 3
}
department "beijing" {
  name = "北京 总部"
}
department "export" {
  name   = "Export Sales, Overseas"
  parent = department.sales.id
}
department "domestic" {
  name   = "Domestic Sales"
  parent = department.sales.id
}
department "lab" {
  name   = "Lab “Alpha”"
  parent = department.rnd.id
}
department "obrien" {
  name   = "O'Brien's Team"
  parent = department.rnd.id
}
department "yanfa" {
  name   = "研发部"
  parent = department.beijing.id
}
department "emea" {
  name   = "EMEA"
  parent = department.export.id
}
department "apac" {
  name   = "APAC"
  parent = department.export.id
}
department "domestic_emea" {
  name   = "EMEA"
  parent = department.domestic.id
}
department "frontend" {
  name   = "前端 组"
  parent = department.yanfa.id
}
department "dach" {
  name   = "Germany, Austria & Switzerland"
  parent = department.emea.id
}

account "anna" {
  email       = "anna@nested.example"
  name        = "Anna Schmidt"
  departments = [department.dach.id, department.lab.id]
}
account "li" {
  email       = "li@nested.example"
  name        = "李娜"
  departments = [department.frontend.id]
}
account "sean" {
  email       = "sean@nested.example"
  name        = "Sean O'Brien"
  departments = [department.obrien.id]
}

group "emea" {
  email              = "emea@nested.example"
  name               = "EMEA, all of it"
  member_departments = [department.emea.id, department.domestic_emea.id]
}

send_restriction "labs" {
  departments = [department.lab.id, department.beijing.id]
  external    = "deny"
}
`

// TestExportCSVDepartments: export -format csv writes the departments of a nested
// tenant as departments.csv, read by one block per level; the export plans back to
// imports only, converges after apply, and a new row is one new department. A row
// that no block reads, or whose parent is not one level up, stops the plan.
func TestExportCSVDepartments(t *testing.T) {
	org := writeFiles(t, map[string]string{"main.mf.hcl": nestedOrg})
	mustRun(t, org, 0, "apply", "-auto-approve")
	dir := sandboxOf(t, org)
	r := mustRun(t, dir, 0, "export", "-format", "csv")
	for _, want := range []string{"Wrote departments.csv (13 rows)", "Wrote departments.mf.hcl (4 blocks)", "Wrote accounts.csv (3 rows)", "Wrote groups.csv (1 row)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("export lacks %q:\n%s", want, r)
		}
	}
	csv := readFile(t, dir, "departments.csv")
	for _, row := range []string{
		"key,level,name,parent,order\n",
		"sales,1,Sales,,\n",
		"research_development,1,Research & Development,,3\n",
		"北京_总部,1,北京 总部,,\n",
		`export_sales_overseas,2,"Export Sales, Overseas",sales,` + "\n",
		"lab_alpha,2,Lab “Alpha”,research_development,\n",
		"o_brien_s_team,2,O'Brien's Team,research_development,\n",
		"研发部,2,研发部,北京_总部,\n",
		"export_sales_overseas_emea,3,EMEA,export_sales_overseas,\n",
		"domestic_sales_emea,3,EMEA,domestic_sales,\n",
		"前端_组,3,前端 组,研发部,\n",
		`germany_austria_switzerland,4,"Germany, Austria & Switzerland",export_sales_overseas_emea,` + "\n",
	} {
		if !strings.Contains(csv, row) {
			t.Errorf("departments.csv lacks %q:\n%s", row, csv)
		}
	}
	depts := readFile(t, dir, "departments.mf.hcl")
	if strings.Count(depts, "department \"") != 4 || !strings.Contains(depts, `parent   = department.level3[each.value.parent].id`) {
		t.Errorf("departments.mf.hcl should hold one for_each block per level:\n%s", depts)
	}
	if a := readFile(t, dir, "accounts.csv"); !strings.Contains(a, "anna@nested.example,Anna Schmidt,") || !strings.Contains(a, "li@nested.example,李娜,前端_组") {
		t.Errorf("accounts.csv should name departments by key:\n%s", a)
	}
	if p := readFile(t, dir, "policies.mf.hcl"); !strings.Contains(p, `department.level2["lab_alpha"].id`) || !strings.Contains(p, `department.level1["北京_总部"].id`) {
		t.Errorf("policies.mf.hcl should refer to department instances:\n%s", p)
	}
	mustRun(t, dir, 0, "fmt", "-check")
	mustRun(t, dir, 0, "validate")
	plan := mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(plan.stdout, "Plan: 19 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("the plan over the CSV export is not adoption only:\n%s", plan)
	}
	if !strings.Contains(plan.stdout, `department.level4["germany_austria_switzerland"]`) {
		t.Errorf("the plan does not adopt the fourth level:\n%s", plan)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if r := mustRun(t, dir, 0, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("the applied export does not converge:\n%s", r)
	}

	// A new row is one new department, under its parent one level up.
	good := csv
	writeFile(t, dir, "departments.csv", good+"nordics,4,\"Nordics, Baltics\",export_sales_overseas_emea,\n")
	r = mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(r.stdout, `department.level4["nordics"] will be created`) || !strings.Contains(r.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.") {
		t.Errorf("a new row should plan one department:\n%s", r)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	emea := ""
	for _, it := range sandboxItems(t, org, "department") {
		if it.Attrs.Str("name") == "EMEA" && it.Attrs.Str("parent") != "" {
			for _, p := range sandboxItems(t, org, "department") {
				if p.ID == it.Attrs.Str("parent") && p.Attrs.Str("name") == "Export Sales, Overseas" {
					emea = it.ID
				}
			}
		}
	}
	found := false
	for _, it := range sandboxItems(t, org, "department") {
		if it.Attrs.Str("name") == "Nordics, Baltics" {
			found = it.Attrs.Str("parent") == emea && emea != ""
		}
	}
	if !found {
		t.Errorf("Nordics, Baltics was not created under Export Sales / EMEA: %+v", sandboxItems(t, org, "department"))
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	good = readFile(t, dir, "departments.csv")

	// Rows the blocks cannot place stop the plan with the row's value in the message.
	for _, c := range []struct{ row, want string }{
		{"iberia,5,Iberia,nordics,\n", `with r.level as "5"`},
		{"iberia,0,Iberia,,\n", `with r.level as "0"`},
		{"iberia,top,Iberia,,\n", "a number is required"},
		{"iberia,2,Iberia,nowhere,\n", `each.value.parent as "nowhere"`},
		{"iberia,3,Iberia,sales,\n", `each.value.parent as "sales"`},
		{"sales,2,Sales,sales,\n", `Two different items produced the key "sales"`},
		{"iberia,2,,sales,\n", "Invalid department name"},
	} {
		writeFile(t, dir, "departments.csv", good+c.row)
		r := run(t, dir, "plan")
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("row %q: want exit 1 with %q, got %s", c.row, c.want, r)
		}
	}
	writeFile(t, dir, "departments.csv", good)
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")

	// departments.csv is one of export's files: kept unless -force.
	if r := mustRun(t, dir, 1, "export", "-format", "csv"); !strings.Contains(r.stderr, "departments.csv") {
		t.Errorf("export over departments.csv is not refused:\n%s", r)
	}
	if got := readFile(t, dir, "departments.csv"); got != good {
		t.Errorf("a refused export changed departments.csv:\n%s", got)
	}
}
