package planner

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/schema"
)

const secretsConfig = `provider "rfc2136" {
  server     = "127.0.0.1:53"
  key_name   = "k"
  key_secret = var.tsig_secret
}
variable "tsig_secret" {}
variable "via_local" {}
variable "rows" {}
variable "sens" {
  sensitive = true
  default   = "Default-Secret-1"
}
variable "harmless" { default = "x" }
locals {
  pw      = var.via_local
  literal = "Local-Literal-9"
}
domain "d" { name = "example.com" }
account "a" {
  email    = "a@example.com"
  name     = var.harmless
  password = local.pw
}
account "b" {
  email    = "b@example.com"
  name     = "B"
  password = "Literal-Passw0rd"
}
account "c" {
  email    = "c@example.com"
  name     = "C"
  password = local.literal
}
account "rows" {
  for_each = var.rows
  email    = each.key
  name     = "R"
  password = each.value
}
account "s" {
  email    = "s@example.com"
  name     = "S"
  password = var.sens
}
account "none" {
  email    = "n@example.com"
  name     = "N"
  password = null
}
provider "sandbox" {}
`

func TestFindSecrets(t *testing.T) {
	desired(t, `provider "sandbox" {}`) // registers the providers, rfc2136 among them
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(secretsConfig)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	s := FindSecrets(cfg)
	var vars []string
	for n := range s.Vars {
		vars = append(vars, n)
	}
	sort.Strings(vars)
	if want := []string{"rows", "sens", "tsig_secret", "via_local"}; !slices.Equal(vars, want) {
		t.Errorf("sensitive variables = %v, want %v", vars, want)
	}
	var lits []string
	for _, l := range s.Literals {
		lits = append(lits, l.What+"@"+l.Range.String())
	}
	if want := []string{"local.literal@main.mf.hcl:16,13-30", "account.b password@main.mf.hcl:27,14-32"}; !slices.Equal(lits, want) {
		t.Errorf("literal secrets = %v, want %v", lits, want)
	}
	warns := LiteralSecretWarnings(s)
	if len(warns) != 2 || warns[1].Severity != hcl.DiagWarning || !strings.Contains(warns[1].Detail, "On main.mf.hcl line 27, the value of account.b password is written literally") || !strings.Contains(warns[1].Detail, "sensitive = true") {
		t.Errorf("warnings = %v", warns)
	}
	red, files := redactSources(cfg.Sources, s.Withheld)
	out := string(red["main.mf.hcl"])
	for _, secret := range []string{"Default-Secret-1", "Local-Literal-9", "Literal-Passw0rd"} {
		if strings.Contains(out, secret) {
			t.Errorf("the redacted source still holds %q", secret)
		}
	}
	if !slices.Equal(files, []string{"main.mf.hcl"}) || strings.Count(out, withholdPlaceholder) != 3 || !strings.Contains(out, `default = "x"`) {
		t.Errorf("redacted (%v):\n%s", files, out)
	}
	if _, d := schema.LoadSources(t.TempDir(), red); d.HasErrors() {
		t.Errorf("the redacted source does not load: %s", d.Error())
	}
}

// A saved plan holds neither sensitive variable values nor the secrets written in
// the configuration; apply needs the values again and the files as planned.
func TestPlanFileWithholdsSecrets(t *testing.T) {
	dir := t.TempDir()
	src := `
variable "plain_pw" {}
variable "sens" {
  sensitive = true
  default   = "Default-Secret-1"
}
variable "name" {}
domain "d" { name = "example.com" }
account "a" {
  email    = "a@example.com"
  name     = var.name
  password = var.plain_pw
}
account "b" {
  email    = "b@example.com"
  name     = "B"
  password = "Literal-Passw0rd"
}
account "s" {
  email    = "s@example.com"
  name     = "S"
  password = var.sens
}
`
	os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(src), 0o600)
	cfg, diags := schema.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	vars := map[string]cty.Value{"plain_pw": cty.StringVal("Plain-Var-Secret"), "sens": cty.StringVal("Default-Secret-1"), "name": cty.StringVal("Alice")}
	pf := filepath.Join(dir, "p.mfplan")
	if err := WritePlanFile(pf, &Plan{}, cfg, vars); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(pf)
	for _, secret := range []string{"Plain-Var-Secret", "Default-Secret-1", "Literal-Passw0rd"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the plan file holds %q", secret)
		}
	}
	if !strings.Contains(string(b), "Alice") {
		t.Error("the plan file lacks the plain variable")
	}
	p, rcfg, rvars, err := ReadPlanFile(pf, dir)
	if err != nil {
		t.Fatal(err)
	}
	// The sensitive variable had its default: only plain_pw must be given again.
	if !slices.Equal(p.WithheldVars, []string{"plain_pw"}) || rvars["name"].AsString() != "Alice" || len(rvars) != 1 {
		t.Errorf("withheld = %v, variables = %v", p.WithheldVars, rvars)
	}
	if got := MissingWithheldVars(p, rcfg.GivenVariables(schema.VarInputs{Environ: []string{}})); !slices.Equal(got, []string{"plain_pw"}) {
		t.Errorf("missing = %v", got)
	}
	if got := MissingWithheldVars(p, rcfg.GivenVariables(schema.VarInputs{Environ: []string{"MAILFORM_VAR_plain_pw=x"}})); len(got) != 0 {
		t.Errorf("missing with the variable given = %v", got)
	}
	if !strings.Contains(string(rcfg.Sources["main.mf.hcl"]), "Literal-Passw0rd") {
		t.Error("apply did not read the withheld literal from the configuration file")
	}
	// The file changed since the plan: refused.
	os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(strings.Replace(src, `"B"`, `"Bee"`, 1)), 0o600)
	if _, _, _, err := ReadPlanFile(pf, dir); err == nil || !strings.Contains(err.Error(), "main.mf.hcl changed since the plan was made. Run plan again") {
		t.Errorf("a changed file: %v", err)
	}
	// Only the secret changed: that is what apply reads, by design.
	os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(strings.Replace(src, "Literal-Passw0rd", "Other-Passw0rd", 1)), 0o600)
	if _, c, _, err := ReadPlanFile(pf, dir); err != nil || !strings.Contains(string(c.Sources["main.mf.hcl"]), "Other-Passw0rd") {
		t.Errorf("a changed secret: %v", err)
	}
	os.Remove(filepath.Join(dir, "main.mf.hcl"))
	if _, _, _, err := ReadPlanFile(pf, dir); err == nil || !strings.Contains(err.Error(), "does not hold the secrets written in main.mf.hcl") {
		t.Errorf("a missing file: %v", err)
	}
}

func TestFindSecretsBackendPassword(t *testing.T) {
	for conn, secret := range map[string]bool{
		"host=db dbname=mailform user=mf password=hunter2": true,
		"postgres://mf:hunter2@db/mailform":                true,
		"host=db dbname=mailform user=mf sslmode=require":  false,
		"postgres://mf@db/mailform":                        false,
	} {
		cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte("mailform {\n  backend \"pg\" {\n    conn_str = \"" + conn + "\"\n  }\n}\n")})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		s := FindSecrets(cfg)
		if got := len(s.Literals) == 1 && len(s.Withheld) == 1; got != secret {
			t.Errorf("%q: secret found = %v (%+v), want %v", conn, got, s.Literals, secret)
		}
	}
}

// An output of a secret is shown as (sensitive) even without sensitive = true.
func TestOutputsOfSecretsAreSensitive(t *testing.T) {
	src := secretsConfig + `
output "key" { value = var.tsig_secret }
output "via_local" { value = upper(local.pw) }
output "literal" { value = local.literal }
output "name" { value = var.harmless }
`
	desired(t, `provider "sandbox" {}`)
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	vars := map[string]cty.Value{"tsig_secret": cty.StringVal("k"), "via_local": cty.StringVal("p"), "rows": cty.EmptyObjectVal,
		"sens": cty.StringVal("s"), "harmless": cty.StringVal("h")}
	outs, diags := Outputs(Options{Config: cfg, Vars: vars})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := map[string]bool{"key": true, "via_local": true, "literal": true, "name": false}
	for _, o := range outs {
		if o.Sensitive != want[o.Name] {
			t.Errorf("output %s sensitive = %v, want %v", o.Name, o.Sensitive, want[o.Name])
		}
	}
	if len(outs) != 4 {
		t.Errorf("%d outputs", len(outs))
	}
}

func TestReadPlanFileRefusesNonRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "p.mfplan")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPlan(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("ReadPlan of a FIFO: %v", err)
	}
}
