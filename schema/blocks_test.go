package schema

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestSettingsBlock(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		pct, min    int
		ignore      []string
		backendKind string
		wantErr     string
	}{
		{name: "defaults", src: `mailform {}`, pct: 20, min: 10},
		{name: "thresholds", src: `mailform {
  mass_change_percent = 5
  mass_change_min     = 3
}`, pct: 5, min: 3},
		{name: "drift ignore", src: `mailform {
  drift { ignore = ["account.ceo", "group.all.members"] }
}`, pct: 20, min: 10, ignore: []string{"account.ceo", "group.all.members"}},
		{name: "local backend", src: `mailform {
  backend "local" { path = "x.state" }
}`, pct: 20, min: 10, backendKind: "local"},
		{name: "percent above 100", src: `mailform { mass_change_percent = 101 }`, wantErr: "Invalid mass_change_percent"},
		{name: "negative percent", src: `mailform { mass_change_percent = -1 }`, wantErr: "Invalid mass_change_percent"},
		{name: "percent not a number", src: `mailform { mass_change_percent = "many" }`, wantErr: "Unsuitable value type"},
		{name: "unknown backend", src: `mailform {
  backend "s3" {}
}`, wantErr: `The backend "s3" does not exist`},
		{name: "two backends", src: `mailform {
  backend "local" {}
  backend "local" {}
}`, wantErr: "Duplicate backend block"},
		{name: "unknown attribute", src: `mailform { colour = "red" }`, wantErr: "Unsupported argument"},
		{name: "drift ignore not a list", src: `mailform {
  drift { ignore = 3 }
}`, wantErr: "Unsuitable value type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr != "" {
				if got := loadErr(t, map[string]string{"a.mf.hcl": tt.src}); !strings.Contains(got, tt.wantErr) {
					t.Errorf("errors = %q, want %q", got, tt.wantErr)
				}
				return
			}
			s := load(t, tt.src).Settings
			if s.MassChangePercent != tt.pct || s.MassChangeMin != tt.min {
				t.Errorf("thresholds = %d%%/%d, want %d%%/%d", s.MassChangePercent, s.MassChangeMin, tt.pct, tt.min)
			}
			if strings.Join(s.DriftIgnore, ",") != strings.Join(tt.ignore, ",") {
				t.Errorf("drift ignore = %v, want %v", s.DriftIgnore, tt.ignore)
			}
			kind := ""
			if s.Backend != nil {
				kind = s.Backend.Kind
			}
			if kind != tt.backendKind {
				t.Errorf("backend = %q, want %q", kind, tt.backendKind)
			}
		})
	}
	if c := load(t, `domain "x" { name = "example.com" }`); c.Settings != nil {
		t.Errorf("Settings = %+v without a mailform block, want nil", c.Settings)
	}
}

func TestVariableBlock(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		typ       cty.Type
		def       cty.Value
		sensitive bool
		desc      string
		nValid    int
		wantErr   string
	}{
		{name: "required, any type", src: `variable "v" {}`, typ: cty.DynamicPseudoType, def: cty.NilVal},
		{name: "typed default converted", src: `variable "v" {
  type    = number
  default = "42"
}`, typ: cty.Number, def: cty.NumberIntVal(42)},
		{name: "list of strings", src: `variable "v" {
  type    = list(string)
  default = ["a", "b"]
}`, typ: cty.List(cty.String), def: cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{name: "sensitive with description", src: `variable "v" {
  type        = string
  sensitive   = true
  description = "the initial password"
}`, typ: cty.String, def: cty.NilVal, sensitive: true, desc: "the initial password"},
		{name: "validations", src: `variable "v" {
  type = string
  validation {
    condition     = length(var.v) > 3
    error_message = "too short"
  }
  validation {
    condition     = var.v != "x"
    error_message = "not x"
  }
}`, typ: cty.String, def: cty.NilVal, nValid: 2},
		{name: "default of the wrong type", src: `variable "v" {
  type    = number
  default = "many"
}`, wantErr: "Invalid default value for variable"},
		{name: "bad type expression", src: `variable "v" { type = strin }`, wantErr: "Invalid type specification"},
		{name: "bad name", src: `variable "1v" {}`, wantErr: "Invalid variable name"},
		{name: "validation without message", src: `variable "v" {
  validation { condition = true }
}`, wantErr: `The argument "error_message" is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr != "" {
				if got := loadErr(t, map[string]string{"a.mf.hcl": tt.src}); !strings.Contains(got, tt.wantErr) {
					t.Errorf("errors = %q, want %q", got, tt.wantErr)
				}
				return
			}
			v := load(t, tt.src).Variables["v"]
			if !v.Type.Equals(tt.typ) {
				t.Errorf("type = %s, want %s", v.Type.FriendlyName(), tt.typ.FriendlyName())
			}
			if tt.def == cty.NilVal {
				if v.Default != cty.NilVal {
					t.Errorf("default = %#v, want none", v.Default)
				}
			} else if v.Default == cty.NilVal || !v.Default.RawEquals(tt.def) {
				t.Errorf("default = %#v, want %#v", v.Default, tt.def)
			}
			if v.Sensitive != tt.sensitive || v.Description != tt.desc || len(v.Validations) != tt.nValid {
				t.Errorf("variable = sensitive %v, description %q, %d validations", v.Sensitive, v.Description, len(v.Validations))
			}
		})
	}
}

func TestLocalsAndOutputs(t *testing.T) {
	c := load(t, `
locals {
  domain = "example.com"
  admins = ["a", "b"]
}
locals { other = 1 }
output "count" {
  value       = length(local.admins)
  description = "how many"
  sensitive   = true
}
output "plain" { value = local.domain }
`)
	if len(c.Locals) != 3 || c.Locals["domain"] == nil || c.Locals["admins"] == nil || c.Locals["other"] == nil {
		t.Errorf("locals = %v", keys(c.Locals))
	}
	if len(c.Outputs) != 2 {
		t.Fatalf("outputs = %d, want 2", len(c.Outputs))
	}
	o := c.Outputs[0]
	if o.Name != "count" || o.Description != "how many" || !o.Sensitive || o.Expr == nil {
		t.Errorf("output count = %+v", o)
	}
	if p := c.Outputs[1]; p.Name != "plain" || p.Sensitive || p.Description != "" {
		t.Errorf("output plain = %+v", p)
	}
	if got := loadErr(t, map[string]string{"a.mf.hcl": `output "x" { description = "no value" }`}); !strings.Contains(got, `The argument "value" is required`) {
		t.Errorf("output without value: %q", got)
	}
}

func TestMovedBlock(t *testing.T) {
	tests := []struct {
		name, src, from, to, wantErr string
	}{
		{name: "rename", src: `moved {
  from = account.alice
  to   = account.alice_smith
}`, from: "account.alice", to: "account.alice_smith"},
		{name: "into for_each", src: `moved {
  from = account.alice
  to   = account.staff["alice@example.com"]
}`, from: "account.alice", to: `account.staff["alice@example.com"]`},
		{name: "type change refused", src: `moved {
  from = account.alice
  to   = group.alice
}`, wantErr: "Moved between resource types"},
		{name: "unknown type", src: `moved {
  from = mailbox.alice
  to   = account.alice
}`, wantErr: `"mailbox" is not a resource type`},
		{name: "quoted address", src: `moved {
  from = "account.alice"
  to   = account.bob
}`, wantErr: "A single static variable reference is required"},
		{name: "missing to", src: `moved { from = account.alice }`, wantErr: `The argument "to" is required`},
		{name: "numeric key", src: `moved {
  from = account.a[0]
  to   = account.b
}`, wantErr: "An instance key is a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr != "" {
				if got := loadErr(t, map[string]string{"a.mf.hcl": tt.src}); !strings.Contains(got, tt.wantErr) {
					t.Errorf("errors = %q, want %q", got, tt.wantErr)
				}
				return
			}
			c := load(t, tt.src)
			if len(c.Moved) != 1 || c.Moved[0].From != tt.from || c.Moved[0].To != tt.to {
				t.Errorf("moved = %+v, want %s → %s", c.Moved, tt.from, tt.to)
			}
		})
	}
}

func TestImportBlock(t *testing.T) {
	c := load(t, `import {
  to = account.staff["bob@example.com"]
  id = "bob@example.com"
}`)
	if len(c.Imports) != 1 || c.Imports[0].To != `account.staff["bob@example.com"]` {
		t.Fatalf("imports = %+v", c.Imports)
	}
	v, _ := c.Imports[0].ID.Value(nil)
	if v.AsString() != "bob@example.com" {
		t.Errorf("id = %#v", v)
	}
	for src, want := range map[string]string{
		`import { id = "x" }`: `The argument "to" is required`,
		`import {
  to = account.a.b.c
  id = "x"
}`: `has the form type.name or type.name["key"]`,
		`import {
  to = alias.a
  id = "x"
}`: `"alias" is not a resource type`,
	} {
		if got := loadErr(t, map[string]string{"a.mf.hcl": src}); !strings.Contains(got, want) {
			t.Errorf("%s: errors = %q, want %q", src, got, want)
		}
	}
}
