package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// load decodes one file of configuration, failing the test on errors.
func load(t *testing.T, src string) *Config {
	t.Helper()
	c, diags := LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	return c
}

// loadErr decodes sources and returns the error diagnostics as one string.
func loadErr(t *testing.T, sources map[string]string) string {
	t.Helper()
	b := map[string][]byte{}
	for n, s := range sources {
		b[n] = []byte(s)
	}
	_, diags := LoadSources(t.TempDir(), b)
	if !diags.HasErrors() {
		t.Fatalf("want errors, got none")
	}
	return diagText(diags)
}

// diagText renders diagnostics with their subjects, to assert on places too.
func diagText(diags hcl.Diagnostics) string {
	var sb strings.Builder
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		sb.WriteString(d.Summary + ": " + d.Detail)
		if d.Subject != nil {
			sb.WriteString(" @" + d.Subject.String())
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func TestLoadReadsEveryConfigFile(t *testing.T) {
	c, diags := Load("testdata/two")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(c.Sources) != 2 || c.Sources["a.mf.hcl"] == nil || c.Sources["b.mf.hcl"] == nil {
		t.Errorf("sources = %v, want a.mf.hcl and b.mf.hcl only", keys(c.Sources))
	}
	if len(c.Resources) != 2 || c.Resource("domain.corp") == nil || c.Resource("account.alice") == nil {
		t.Errorf("resources = %d, want domain.corp and account.alice", len(c.Resources))
	}
	if v := c.Variables["pw"]; v == nil || !v.Sensitive {
		t.Errorf("variable pw = %+v, want a sensitive variable", v)
	}
	if c.Dir != "testdata/two" {
		t.Errorf("Dir = %q", c.Dir)
	}
}

func TestLoadErrors(t *testing.T) {
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "main.tf"), []byte(`x = 1`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
	}{
		{"no config files", empty, "No configuration files"},
		{"missing directory", filepath.Join(empty, "nope"), "Cannot read configuration directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, diags := Load(tt.dir)
			if c != nil || !diags.HasErrors() {
				t.Fatalf("Load(%s) = %v, %v; want an error", tt.dir, c, diags)
			}
			if got := diags[0].Summary; got != tt.want {
				t.Errorf("summary = %q, want %q", got, tt.want)
			}
			if !strings.Contains(diags[0].Detail, "-chdir") {
				t.Errorf("detail %q does not say what to do", diags[0].Detail)
			}
		})
	}
}

func TestLoadSourcesDuplicates(t *testing.T) {
	tests := []struct {
		name    string
		sources map[string]string
		want    []string
	}{
		{
			name: "resource in two files",
			sources: map[string]string{
				"a.mf.hcl": "domain \"corp\" { name = \"example.com\" }\n",
				"b.mf.hcl": "\n\ndomain \"corp\" { name = \"example.org\" }\n",
			},
			want: []string{"Duplicate resource", "domain.corp is already declared at a.mf.hcl:1", "@b.mf.hcl:3"},
		},
		{
			name: "variable",
			sources: map[string]string{
				"a.mf.hcl": "variable \"x\" {}\n",
				"b.mf.hcl": "variable \"x\" {}\n",
			},
			want: []string{"Duplicate variable", "variable x is already declared at a.mf.hcl:1", "@b.mf.hcl:1"},
		},
		{
			name: "local",
			sources: map[string]string{
				"a.mf.hcl": "locals { x = 1 }\n",
				"b.mf.hcl": "locals {\n  x = 2\n}\n",
			},
			want: []string{"Duplicate local value", "local value x is already declared at a.mf.hcl:1", "@b.mf.hcl:2"},
		},
		{
			name: "provider",
			sources: map[string]string{
				"a.mf.hcl": "provider \"sandbox\" { alias = \"x\" }\n",
				"b.mf.hcl": "provider \"sandbox\" { alias = \"x\" }\n",
			},
			want: []string{"Duplicate provider", "provider sandbox.x is already declared at a.mf.hcl:1", "@b.mf.hcl:1"},
		},
		{
			name: "mailform block",
			sources: map[string]string{
				"a.mf.hcl": "mailform {}\n",
				"b.mf.hcl": "mailform {}\n",
			},
			want: []string{"Duplicate mailform block", "already declared at a.mf.hcl:1", "@b.mf.hcl:1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadErr(t, tt.sources)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("errors %q lack %q", got, w)
				}
			}
		})
	}
}

// Two providers of one kind without aliases clash; with distinct aliases they do not.
func TestProviderNames(t *testing.T) {
	c := load(t, `
provider "sandbox" {}
provider "sandbox" { alias = "b" }
provider "rfc2136" {
  alias  = "corp"
  server = "127.0.0.1:53"
}
`)
	var names []string
	for _, p := range c.Providers {
		names = append(names, p.Name())
	}
	if got := strings.Join(names, " "); got != "sandbox sandbox.b rfc2136.corp" {
		t.Errorf("provider names = %q", got)
	}
	// The body beyond alias is kept for the provider to decode.
	attrs, _ := c.Providers[2].Config.JustAttributes()
	if _, ok := attrs["server"]; !ok || len(attrs) != 1 {
		t.Errorf("rfc2136.corp config attributes = %v, want server only", attrs)
	}
	got := loadErr(t, map[string]string{"a.mf.hcl": `provider "sandbox" { alias = "not valid" }`})
	if !strings.Contains(got, "Invalid provider alias") {
		t.Errorf("errors = %q, want Invalid provider alias", got)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
