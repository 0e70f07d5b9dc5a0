package planner

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// baselineModule is a small company baseline: a department, an admin account in it
// and the MX record, parametrised by domain.
const baselineModule = `
variable "domain" { type = string }
variable "admins" {
  type    = set(string)
  default = ["admin"]
}
domain "this" { name = var.domain }
department "staff" { name = "Staff ${var.domain}" }
account "admin" {
  for_each    = var.admins
  email       = "${each.key}@${var.domain}"
  name        = "Admin of ${var.domain}"
  departments = [department.staff.id]
}
dns_record "mx" {
  zone    = var.domain
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}
output "department_name" { value = department.staff.name }
output "admin_emails" { value = [for a in account.admin : a.email] }
`

// planModules plans the configuration files (paths relative to the root module)
// against live objects and state.
func planModules(t *testing.T, files map[string]string, live map[string]map[string]model.Object, st *state.State, opts ...func(*Options)) (*Plan, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := loadModules(t, files)
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	if live == nil {
		live = map[string]map[string]model.Object{}
	}
	if st == nil {
		st = state.New()
	}
	p := &memProvider{t: t, objs: live}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	o := Options{Config: cfg, State: st, Providers: ps, Refresh: true, Now: planNow}
	for _, f := range opts {
		f(&o)
	}
	return MakePlan(context.Background(), o)
}

func loadModules(t *testing.T, files map[string]string) (*schema.Config, hcl.Diagnostics) {
	t.Helper()
	src := map[string][]byte{}
	for n, s := range files {
		src[n] = []byte(s)
	}
	return schema.LoadSources(t.TempDir(), src)
}

func changeByAddr(p *Plan, addr string) *Change {
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	return nil
}

func TestModuleInputsAndOutputs(t *testing.T) {
	p, diags := planModules(t, map[string]string{
		"main.mf.hcl": `
module "base" {
  source = "./modules/base"
  domain = "example.com"
  admins = ["it", "boss"]
}
group "all" {
  email   = "all@example.com"
  name    = module.base.department_name
  members = module.base.admin_emails
}
`,
		"modules/base/main.mf.hcl": baselineModule,
	}, nil, nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := []string{
		`create group.all`,
		`create module.base.account.admin["boss"]`,
		`create module.base.account.admin["it"]`,
		`create module.base.department.staff`,
		`create module.base.dns_record.mx`,
		`create module.base.domain.this`,
	}
	if got := changed(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	g := changeByAddr(p, "group.all")
	if g.After["name"] != "Staff example.com" {
		t.Errorf("group name from the module's output = %v", g.After["name"])
	}
	if m := g.After["members"]; !reflect.DeepEqual(m, []string{"boss@example.com", "it@example.com"}) {
		t.Errorf("group members from the module's output = %v", m)
	}
	a := changeByAddr(p, `module.base.account.admin["it"]`)
	if a.After["email"] != "it@example.com" || a.Label != `admin["it"]` {
		t.Errorf("account in module: email %v label %q", a.After["email"], a.Label)
	}
	if !reflect.DeepEqual(a.Deps, []string{"module.base.department.staff"}) {
		t.Errorf("account in module waits for %v, want its module's department", a.Deps)
	}
}

func TestModuleForEachAndNested(t *testing.T) {
	p, diags := planModules(t, map[string]string{
		"main.mf.hcl": `
locals {
  subsidiaries = { hk = "hk.example.com", sg = "sg.example.com" }
}
module "subsidiary" {
  for_each = local.subsidiaries
  source   = "./modules/subsidiary"
  domain   = each.value
}
`,
		"modules/subsidiary/main.mf.hcl": `
variable "domain" { type = string }
module "base" {
  source = "../base"
  domain = var.domain
}
output "staff" { value = module.base.department_name }
`,
		"modules/base/main.mf.hcl": baselineModule,
	}, nil, nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.Address)
	}
	for _, want := range []string{
		`module.subsidiary["hk"].module.base.account.admin["admin"]`,
		`module.subsidiary["hk"].module.base.department.staff`,
		`module.subsidiary["sg"].module.base.dns_record.mx`,
	} {
		if changeByAddr(p, want) == nil {
			t.Errorf("no change for %s; changes: %v", want, got)
		}
	}
	if len(p.Changes) != 8 {
		t.Errorf("%d changes, want 8 (4 per subsidiary): %v", len(p.Changes), got)
	}
	hk := changeByAddr(p, `module.subsidiary["hk"].module.base.account.admin["admin"]`)
	if hk.After["email"] != "admin@hk.example.com" {
		t.Errorf("hk admin email = %v", hk.After["email"])
	}
	if !reflect.DeepEqual(hk.Deps, []string{`module.subsidiary["hk"].module.base.department.staff`}) {
		t.Errorf("hk admin waits for %v, want only hk's department", hk.Deps)
	}
	sg := changeByAddr(p, `module.subsidiary["sg"].module.base.department.staff`)
	if sg.After["name"] != "Staff sg.example.com" {
		t.Errorf("sg department = %v", sg.After["name"])
	}

	// -target a module instance plans only that instance.
	p, diags = planModules(t, map[string]string{
		"main.mf.hcl": `
module "subsidiary" {
  for_each = toset(["hk.example.com", "sg.example.com"])
  source   = "./modules/base"
  domain   = each.key
}
`,
		"modules/base/main.mf.hcl": baselineModule,
	}, nil, nil, func(o *Options) { o.Targets = []string{`module.subsidiary["hk.example.com"]`} })
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, c := range p.Changes {
		if !strings.HasPrefix(c.Address, `module.subsidiary["hk.example.com"].`) {
			t.Errorf("-target module.subsidiary[\"hk.example.com\"] planned %s", c.Address)
		}
	}
	if len(p.Changes) != 4 {
		t.Errorf("-target planned %d changes, want 4", len(p.Changes))
	}
	// -target one resource of a module instance keeps what it depends on.
	_, diags = planModules(t, map[string]string{
		"main.mf.hcl":              "module \"m\" {\n  source = \"./modules/base\"\n  domain = \"example.com\"\n}",
		"modules/base/main.mf.hcl": baselineModule,
	}, nil, nil, func(o *Options) { o.Targets = []string{`module.m.account.nobody`} })
	if !diags.HasErrors() || !strings.Contains(diagText(diags), "Target matches nothing") {
		t.Errorf("a target naming nothing in a module: %v", diags)
	}
}

// Moving the drift fixture's accounts into a module with one moved block per block
// plans no live change: only the state addresses move.
func TestMovedIntoAndOutOfModule(t *testing.T) {
	live, st := driftFixture()
	files := map[string]string{
		"main.mf.hcl": `
domain "corp" { name = "example.com" }
department "sales" { name = "Sales" }
module "people" {
  source = "./modules/people"
  sales  = department.sales.id
}
dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com."]
}
moved {
  from = account.alice
  to   = module.people.account.alice
}
moved {
  from = account.bob
  to   = module.people.account.bob
}
`,
		"modules/people/main.mf.hcl": `
variable "sales" { type = string }
account "alice" {
  email       = "alice@example.com"
  name        = "Alice"
  departments = [var.sales]
  password    = "s3cret-Passw0rd"
}
account "bob" {
  email = "bob@example.com"
  name  = "Bob"
}
`,
	}
	p, diags := planModules(t, files, live, st)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := changed(p); len(got) != 0 {
		t.Errorf("moving into a module plans live changes:\n%s", strings.Join(got, "\n"))
	}
	wantMoves := []Move{{From: "account.alice", To: "module.people.account.alice"}, {From: "account.bob", To: "module.people.account.bob"}}
	if !reflect.DeepEqual(p.Moves, wantMoves) {
		t.Errorf("moves = %v, want %v", p.Moves, wantMoves)
	}

	// And back out: state already holds the module addresses.
	moved := st.Clone()
	for _, m := range wantMoves {
		if err := moved.Move(m.From, m.To); err != nil {
			t.Fatal(err)
		}
	}
	p, diags = planModules(t, map[string]string{"main.mf.hcl": driftConfig + `
moved {
  from = module.people.account.alice
  to   = account.alice
}
moved {
  from = module.people.account.bob
  to   = account.bob
}
`}, live, moved)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := changed(p); len(got) != 0 {
		t.Errorf("moving out of a module plans live changes:\n%s", strings.Join(got, "\n"))
	}
	if len(p.Moves) != 2 {
		t.Errorf("moves out of the module = %v", p.Moves)
	}
}

// A moved block naming a for_each block without a key moves every instance.
func TestMovedForEachBlockIntoModule(t *testing.T) {
	live, st := driftFixture()
	for _, a := range []string{"account.alice", "account.bob"} {
		r := st.Find(a)
		email := r.Attrs.Str("email")
		if err := st.Move(a, `account.staff["`+email+`"]`); err != nil {
			t.Fatal(err)
		}
	}
	p, diags := planModules(t, map[string]string{
		"main.mf.hcl": `
domain "corp" { name = "example.com" }
department "sales" { name = "Sales" }
dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com."]
}
module "people" {
  source = "./modules/people"
  sales  = department.sales.id
}
moved {
  from = account.staff
  to   = module.people.account.staff
}
`,
		"modules/people/main.mf.hcl": `
variable "sales" { type = string }
locals {
  people = {
    "alice@example.com" = { name = "Alice", departments = [var.sales], password = "s3cret-Passw0rd" }
    "bob@example.com"   = { name = "Bob", departments = null, password = null }
  }
}
account "staff" {
  for_each    = local.people
  email       = each.key
  name        = each.value.name
  departments = each.value.departments
  password    = each.value.password
}
`,
	}, live, st)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := changed(p); len(got) != 0 {
		t.Errorf("moving a for_each block into a module plans live changes:\n%s", strings.Join(got, "\n"))
	}
	if len(p.Moves) != 2 || p.Moves[0].To != `module.people.account.staff["alice@example.com"]` {
		t.Errorf("moves = %v", p.Moves)
	}
}

func TestModuleDiagnostics(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"error inside a module names its file, line and call chain", map[string]string{
			"main.mf.hcl": `
module "subsidiary" {
  for_each = toset(["hk"])
  source   = "./modules/sub"
  domain   = "${each.key}.example.com"
}`,
			"modules/sub/main.mf.hcl": `
variable "domain" { type = string }
account "a" {
  email = "a@${var.domain}"
  name  = var.domian
}`,
		}, []string{"modules/sub/main.mf.hcl:5", `There is no variable "domian"`, "Did you mean \"domain\"", "In module.subsidiary (main.mf.hcl:2)"}},
		{"an evaluation error names the module instance", map[string]string{
			"main.mf.hcl": `
module "subsidiary" {
  for_each = toset(["hk"])
  source   = "./modules/sub"
  domain   = "${each.key}.example.com"
}`,
			"modules/sub/main.mf.hcl": `
variable "domain" { type = string }
account "a" {
  email = "a@${var.domain}"
  name  = "A"
  quota = "lots"
}`,
		}, []string{"modules/sub/main.mf.hcl:6", `In module.subsidiary["hk"] (main.mf.hcl:2)`}},
		{"unknown argument", map[string]string{
			"main.mf.hcl":   "module \"m\" {\n  source = \"./m\"\n  domain = \"x.com\"\n  domian = \"y\"\n}",
			"m/main.mf.hcl": `variable "domain" {}`,
		}, []string{"main.mf.hcl:4", "Unsupported module argument", `no variable "domian"`}},
		{"missing argument", map[string]string{
			"main.mf.hcl":   "\nmodule \"m\" {\n  source = \"./m\"\n}",
			"m/main.mf.hcl": "variable \"domain\" {}\n",
		}, []string{"main.mf.hcl:2", "Missing module argument", `"domain"`, "m/main.mf.hcl:1"}},
		{"wrong type", map[string]string{
			"main.mf.hcl":   "module \"m\" {\n  source = \"./m\"\n  n = \"many\"\n}",
			"m/main.mf.hcl": "variable \"n\" { type = number }\n",
		}, []string{"main.mf.hcl:3", "Invalid value for module variable n"}},
		{"missing source directory", map[string]string{
			"main.mf.hcl": "module \"m\" {\n  source = \"./modules/nope\"\n}",
		}, []string{"main.mf.hcl:2", "Module source not found", "modules/nope", "calling module's directory"}},
		{"registry source", map[string]string{
			"main.mf.hcl": "module \"m\" {\n  source = \"hashicorp/consul/aws\"\n}",
		}, []string{"main.mf.hcl:2", "Unsupported module source"}},
		{"cycle between module directories", map[string]string{
			"main.mf.hcl":   "module \"a\" {\n  source = \"./a\"\n}",
			"a/main.mf.hcl": "module \"b\" {\n  source = \"../b\"\n}",
			"b/main.mf.hcl": "module \"a\" {\n  source = \"../a\"\n}",
		}, []string{"Module cycle", "b/main.mf.hcl:2", "module.a → module.b → module.a"}},
		{"cycle between module values", map[string]string{
			"main.mf.hcl": `
module "a" {
  source = "./m"
  x      = module.b.y
}
module "b" {
  source = "./m"
  x      = module.a.y
}`,
			"m/main.mf.hcl": "variable \"x\" {}\noutput \"y\" { value = var.x }\n",
		}, []string{"Reference cycle", "module.a", "module.b"}},
		{"provider in a module", map[string]string{
			"main.mf.hcl":   "module \"m\" {\n  source = \"./m\"\n}",
			"m/main.mf.hcl": "provider \"sandbox\" {}\n",
		}, []string{"m/main.mf.hcl:1", "provider block in a module", "root module's providers"}},
		{"undeclared output", map[string]string{
			"main.mf.hcl":   "module \"m\" {\n  source = \"./m\"\n}\ndomain \"d\" { name = module.m.nmae }",
			"m/main.mf.hcl": "output \"name\" { value = \"example.com\" }\n",
		}, []string{"main.mf.hcl:4", `has no output "nmae"`, `Did you mean "name"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := loadModules(t, tt.files)
			if !diags.HasErrors() {
				p := &memProvider{t: t, objs: map[string]map[string]model.Object{}}
				ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
				_, diags = MakePlan(context.Background(), Options{Config: cfg, State: state.New(), Providers: ps, Now: planNow})
			}
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			var text []string
			for _, d := range diags {
				s := d.Summary + ": " + d.Detail
				if d.Subject != nil {
					s = d.Subject.String() + ": " + s
				}
				text = append(text, s)
			}
			all := strings.Join(text, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, all)
				}
			}
		})
	}
}
