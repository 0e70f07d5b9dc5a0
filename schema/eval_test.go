package schema

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// evalIn evaluates an expression with the configuration's functions and vars.
func evalIn(t *testing.T, c *Config, src string, vars map[string]cty.Value) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return expr.Value(&hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}, Functions: c.Functions()})
}

func TestFunctions(t *testing.T) {
	c := &Config{Dir: "testdata/files"}
	vars := map[string]cty.Value{
		"m":       cty.MapVal(map[string]cty.Value{"a": cty.StringVal("1")}),
		"unknown": cty.UnknownVal(cty.String),
	}
	tests := []struct {
		expr string
		want cty.Value
	}{
		{`length(csvdecode(file("staff.csv")))`, cty.NumberIntVal(2)},
		{`csvdecode(file("staff.csv"))[1].email`, cty.StringVal("bob@example.com")},
		{`{ for r in csvdecode(file("staff.csv")) : r.email => r.dept }["alice@example.com"]`, cty.StringVal("sales")},
		{`try(var.m["b"], "fallback")`, cty.StringVal("fallback")},
		{`try(var.m["a"], "fallback")`, cty.StringVal("1")},
		{`can(var.m["b"])`, cty.False},
		{`can(regex("^[a-z]+$", "abc"))`, cty.True},
		{`tolist(["b", "a"])`, cty.ListVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a")})},
		{`toset(["b", "a", "b"])`, cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{`length(toset(["b", "a", "b"]))`, cty.NumberIntVal(2)},
		{`lower("Alice@Example.COM")`, cty.StringVal("alice@example.com")},
		{`format("%s@%s", "a", "example.com")`, cty.StringVal("a@example.com")},
		{`tonumber("5")`, cty.NumberIntVal(5)},
	}
	for _, tt := range tests {
		got, diags := evalIn(t, c, tt.expr, vars)
		if diags.HasErrors() {
			t.Errorf("%s: %s", tt.expr, diags.Error())
			continue
		}
		if !got.RawEquals(tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.expr, got, tt.want)
		}
	}
	// file() resolves against the configuration directory, not the working directory,
	// and a missing file says so.
	_, diags := evalIn(t, c, `file("testdata/files/staff.csv")`, vars)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "paths are relative to the configuration directory") {
		t.Errorf("file() of a path outside Dir: %v", diags)
	}
	abs, _ := evalIn(t, &Config{Dir: "/nonexistent"}, `file("`+mustAbs(t, "testdata/files/staff.csv")+`")`, vars)
	if !strings.HasPrefix(abs.AsString(), "email,name,dept\n") {
		t.Errorf("file() of an absolute path = %q", abs.AsString())
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestForEachKeys(t *testing.T) {
	str := cty.StringVal
	tests := []struct {
		name    string
		val     cty.Value
		keys    string
		each    map[string]cty.Value
		wantErr string
	}{
		{name: "map", val: cty.MapVal(map[string]cty.Value{"b": str("2"), "a": str("1")}), keys: "a b",
			each: map[string]cty.Value{"a": str("1"), "b": str("2")}},
		{name: "object", val: cty.ObjectVal(map[string]cty.Value{"x": cty.NumberIntVal(1), "y": cty.True}), keys: "x y",
			each: map[string]cty.Value{"x": cty.NumberIntVal(1), "y": cty.True}},
		{name: "set of strings", val: cty.SetVal([]cty.Value{str("b"), str("a")}), keys: "a b",
			each: map[string]cty.Value{"a": str("a"), "b": str("b")}},
		{name: "empty map", val: cty.MapValEmpty(cty.String), keys: ""},
		{name: "empty set of unknown element type, as toset([])", val: cty.SetValEmpty(cty.DynamicPseudoType), keys: ""},
		{name: "sensitive map", val: cty.MapVal(map[string]cty.Value{"a": str("1")}).Mark("sensitive"), keys: "a",
			each: map[string]cty.Value{"a": str("1")}},
		{name: "list refused", val: cty.ListVal([]cty.Value{str("a")}), wantErr: "wrap it in toset(...)"},
		{name: "tuple refused", val: cty.TupleVal([]cty.Value{str("a")}), wantErr: "not a list"},
		{name: "null", val: cty.NullVal(cty.Map(cty.String)), wantErr: "for_each is null"},
		{name: "unknown", val: cty.UnknownVal(cty.Map(cty.String)), wantErr: "known only after apply"},
		{name: "set with an unknown element", val: cty.SetVal([]cty.Value{cty.UnknownVal(cty.String)}), wantErr: "known only after apply"},
		{name: "object with an unknown attribute deep inside", val: cty.ObjectVal(map[string]cty.Value{
			"x": cty.ObjectVal(map[string]cty.Value{"a": str("1"), "b": cty.ListVal([]cty.Value{cty.UnknownVal(cty.String)})}),
			"y": cty.ObjectVal(map[string]cty.Value{"a": str("2"), "b": cty.ListValEmpty(cty.String)}),
		}), wantErr: "known only after apply"},
		{name: "map with a sensitive unknown element", val: cty.MapVal(map[string]cty.Value{"a": cty.UnknownVal(cty.String).Mark("sensitive")}),
			wantErr: "known only after apply"},
		{name: "list with an unknown element", val: cty.ListVal([]cty.Value{cty.UnknownVal(cty.String)}), wantErr: "known only after apply"},
		{name: "set of numbers", val: cty.SetVal([]cty.Value{cty.NumberIntVal(1)}), wantErr: "this set holds number"},
		{name: "string", val: str("a"), wantErr: "not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expr := hcl.StaticExpr(tt.val, hcl.Range{Filename: "main.mf.hcl", Start: hcl.Pos{Line: 3}})
			keys, each, diags := ForEachKeys(expr, nil)
			if tt.wantErr != "" {
				if keys != nil || !diags.HasErrors() || !strings.Contains(diags[0].Detail, tt.wantErr) {
					t.Fatalf("ForEachKeys = %v, %v; want error %q", keys, diags, tt.wantErr)
				}
				if diags[0].Subject == nil || diags[0].Subject.Start.Line != 3 {
					t.Errorf("error subject = %v, want the for_each expression", diags[0].Subject)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := strings.Join(keys, " "); got != tt.keys {
				t.Errorf("keys = %q, want %q", got, tt.keys)
			}
			if len(each) != len(tt.each) {
				t.Errorf("each = %v, want %v", each, tt.each)
			}
			for k, v := range tt.each {
				if !each[k].RawEquals(v) {
					t.Errorf("each[%q] = %#v, want %#v", k, each[k], v)
				}
			}
		})
	}
}
