package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// varDir writes a configuration and extra files into a fresh directory and loads it.
func varDir(t *testing.T, src string, files map[string]string) *Config {
	t.Helper()
	dir := t.TempDir()
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, diags := LoadSources(dir, map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return c
}

func TestVariableValuesPrecedence(t *testing.T) {
	const src = `variable "x" { default = "default" }`
	file := func(c *Config) string { return filepath.Join(c.Dir, "f.mfvars.hcl") }
	tests := []struct {
		name  string
		files map[string]string
		env   []string
		args  func(c *Config) []VarArg
		want  string
	}{
		{name: "default", want: "default"},
		{name: "environment over default", env: []string{"MAILFORM_VAR_x=env", "MAILFORM_VAR_y=ignored", "PATH=/bin"}, want: "env"},
		{name: "auto file over environment", env: []string{"MAILFORM_VAR_x=env"},
			files: map[string]string{"a.auto.mfvars.hcl": `x = "auto"`}, want: "auto"},
		{name: "later auto file wins", files: map[string]string{"a.auto.mfvars.hcl": `x = "a"`, "b.auto.mfvars.hcl": `x = "b"`}, want: "b"},
		{name: "-var-file over auto file", files: map[string]string{"a.auto.mfvars.hcl": `x = "auto"`, "f.mfvars.hcl": `x = "file"`},
			args: func(c *Config) []VarArg { return []VarArg{{File: true, Value: file(c)}} }, want: "file"},
		{name: "-var after -var-file wins", files: map[string]string{"f.mfvars.hcl": `x = "file"`},
			args: func(c *Config) []VarArg { return []VarArg{{File: true, Value: file(c)}, {Value: "x=cli"}} }, want: "cli"},
		{name: "-var-file after -var wins", files: map[string]string{"f.mfvars.hcl": `x = "file"`},
			args: func(c *Config) []VarArg { return []VarArg{{Value: "x=cli"}, {File: true, Value: file(c)}} }, want: "file"},
		{name: "last -var wins", args: func(*Config) []VarArg { return []VarArg{{Value: "x=one"}, {Value: "x=two"}} }, want: "two"},
		{name: "value holding =", args: func(*Config) []VarArg { return []VarArg{{Value: "x=a=b"}} }, want: "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := varDir(t, src, tt.files)
			in := VarInputs{Environ: append([]string{}, tt.env...)}
			if tt.args != nil {
				in.Args = tt.args(c)
			}
			vals, diags := c.VariableValues(in)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := vals["x"].AsString(); got != tt.want {
				t.Errorf("x = %q, want %q", got, tt.want)
			}
		})
	}
}

// Without Args, Vars and Files apply as every -var-file, then every -var.
func TestVariableValuesVarsAndFiles(t *testing.T) {
	c := varDir(t, `variable "x" {}
variable "y" {}`, map[string]string{"f.mfvars.hcl": "x = \"file\"\ny = \"file\""})
	vals, diags := c.VariableValues(VarInputs{Environ: []string{}, Vars: []string{"x=cli"}, Files: []string{filepath.Join(c.Dir, "f.mfvars.hcl")}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if vals["x"].AsString() != "cli" || vals["y"].AsString() != "file" {
		t.Errorf("x, y = %#v, %#v; want cli, file", vals["x"], vals["y"])
	}
}

func TestVariableValuesTypes(t *testing.T) {
	tests := []struct {
		name, decl, arg string
		env             string
		want            cty.Value
	}{
		{"number", "number", "n=42", "", cty.NumberIntVal(42)},
		{"negative number", "number", "n=-3", "", cty.NumberIntVal(-3)},
		{"bool", "bool", "n=true", "", cty.True},
		{"list", "list(string)", `n=["a", "b"]`, "", cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{"set", "set(string)", `n=["b", "a", "b"]`, "", cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{"map", "map(number)", `n={a = 1}`, "", cty.MapVal(map[string]cty.Value{"a": cty.NumberIntVal(1)})},
		{"string keeps brackets", "string", `n=["a"]`, "", cty.StringVal(`["a"]`)},
		{"untyped stays a string", "any", `n=42`, "", cty.StringVal("42")},
		{"number from the environment", "number", "", "MAILFORM_VAR_n=7", cty.NumberIntVal(7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := varDir(t, `variable "n" { type = `+tt.decl+` }`, nil)
			in := VarInputs{Environ: []string{}}
			if tt.arg != "" {
				in.Vars = []string{tt.arg}
			}
			if tt.env != "" {
				in.Environ = []string{tt.env}
			}
			vals, diags := c.VariableValues(in)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if !vals["n"].RawEquals(tt.want) {
				t.Errorf("n = %#v, want %#v", vals["n"], tt.want)
			}
		})
	}
	// A file gives typed values that convert like defaults.
	c := varDir(t, `variable "n" { type = number }`, map[string]string{"v.auto.mfvars.hcl": `n = "12"`})
	vals, diags := c.VariableValues(VarInputs{Environ: []string{}})
	if diags.HasErrors() || !vals["n"].RawEquals(cty.NumberIntVal(12)) {
		t.Errorf("n from file = %#v, %s", vals["n"], diags.Error())
	}
}

func TestVariableValuesErrors(t *testing.T) {
	const decl = `
variable "n" {
  type    = number
  default = 1
}
variable "domain" {
  type    = string
  default = "example.com"
  validation {
    condition     = can(regex("^[a-z.]+$", var.domain))
    error_message = "domain is lower-case letters and dots."
  }
}
`
	tests := []struct {
		name    string
		src     string
		in      func(dir string) VarInputs
		files   map[string]string
		want    string
		subject string // file the error points at, "" for none
	}{
		{name: "number from words", src: decl, in: func(string) VarInputs { return VarInputs{Vars: []string{"n=1 +"}} },
			want: `The value from -var n is not a valid number expression`},
		{name: "bool for number", src: decl, in: func(string) VarInputs { return VarInputs{Vars: []string{"n=true"}} },
			want: "The value does not fit the type number", subject: "main.mf.hcl"},
		{name: "list for bool", src: `variable "b" { type = bool }`, in: func(string) VarInputs { return VarInputs{Vars: []string{`b=["x"]`}} },
			want: "The value does not fit the type bool"},
		{name: "no equals sign", src: decl, in: func(string) VarInputs { return VarInputs{Vars: []string{"n"}} },
			want: `The option -var "n" is not of the form name=value`},
		{name: "undeclared -var", src: decl, in: func(string) VarInputs { return VarInputs{Vars: []string{"zone=x"}} },
			want: `-var gives a value for "zone", but no variable block declares it`},
		{name: "missing required", src: `variable "initial_password" { sensitive = true }`, in: func(string) VarInputs { return VarInputs{} },
			want: "Set it with -var initial_password=VALUE", subject: "main.mf.hcl"},
		{name: "validation fails", src: decl, in: func(string) VarInputs { return VarInputs{Vars: []string{"domain=Example.COM"}} },
			want: "domain is lower-case letters and dots.", subject: "main.mf.hcl"},
		{name: "missing -var-file", src: decl, in: func(dir string) VarInputs {
			return VarInputs{Files: []string{filepath.Join(dir, "nope.mfvars.hcl")}}
		}, want: "Check the -var-file path"},
		{name: "file value of the wrong type", src: decl, files: map[string]string{"v.auto.mfvars.hcl": `n = "many"`},
			in: func(string) VarInputs { return VarInputs{} }, want: "The value does not fit the type number", subject: "v.auto.mfvars.hcl"},
		{name: "file with a reference", src: decl, files: map[string]string{"v.auto.mfvars.hcl": `n = var.other`},
			in: func(string) VarInputs { return VarInputs{} }, want: "Variables not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := varDir(t, tt.src, tt.files)
			in := tt.in(c.Dir)
			in.Environ = []string{}
			_, diags := c.VariableValues(in)
			got := diagText(diags)
			if !strings.Contains(got, tt.want) {
				t.Fatalf("errors = %q, want %q", got, tt.want)
			}
			if tt.subject != "" {
				var found bool
				for _, d := range diags.Errs() {
					if hd, ok := d.(*hcl.Diagnostic); ok && hd.Subject != nil && strings.HasSuffix(hd.Subject.Filename, tt.subject) {
						found = true
					}
				}
				if !found {
					t.Errorf("no error points at %s: %q", tt.subject, got)
				}
			}
		})
	}
}

// A var file setting an undeclared variable only warns, and the rest still applies.
func TestVarFileUndeclaredWarns(t *testing.T) {
	c := varDir(t, `variable "x" {}`, map[string]string{"v.auto.mfvars.hcl": "x = \"a\"\nzone = \"b\""})
	vals, diags := c.VariableValues(VarInputs{Environ: []string{}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(diags) != 1 || diags[0].Severity != hcl.DiagWarning || !strings.Contains(diags[0].Detail, `"zone"`) {
		t.Errorf("diags = %v, want one warning naming zone", diags)
	}
	if vals["x"].AsString() != "a" {
		t.Errorf("x = %#v", vals["x"])
	}
}

// A bare word for a typed variable names the variable, not "Variables not allowed",
// and leaves no unknown value behind.
func TestVariableBareWord(t *testing.T) {
	c := varDir(t, `variable "n" { type = number }`, nil)
	vals, diags := c.VariableValues(VarInputs{Environ: []string{}, Vars: []string{"n=abc"}})
	got := diagText(diags)
	if !strings.Contains(got, "Invalid value for variable n: The value from -var n is not a valid number expression") {
		t.Errorf("errors = %q", got)
	}
	if _, ok := vals["n"]; ok {
		t.Errorf("n = %#v, want no value", vals["n"])
	}
}
