package planner

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestOutputChanges: each output is compared with what state stores; a secret is
// never stored, and a sensitive value never appears in a change.
func TestOutputChanges(t *testing.T) {
	prior, err := StateOutputs([]Output{
		{Name: "same", Value: cty.NumberIntVal(2)},
		{Name: "changed", Value: cty.StringVal("a")},
		{Name: "gone", Value: cty.StringVal("x")},
		{Name: "pw", Value: cty.StringVal("Secret-1"), Sensitive: true, Secret: true},
		{Name: "hidden", Value: cty.StringVal("h1"), Sensitive: true},
		{Name: "unknown", Value: cty.UnknownVal(cty.String)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := prior["unknown"]; ok {
		t.Error("an unknown output was stored")
	}
	if pw := prior["pw"]; !pw.Withheld || string(pw.Value) != "null" {
		t.Errorf("the secret output is stored as %+v", pw)
	}
	if v, err := DecodeOutput(prior["changed"]); err != nil || v.AsString() != "a" {
		t.Errorf("DecodeOutput = %v, %v", v, err)
	}
	planned := []Output{
		{Name: "same", Value: cty.NumberIntVal(2)},
		{Name: "changed", Value: cty.StringVal("b")},
		{Name: "pw", Value: cty.StringVal("Secret-2"), Sensitive: true, Secret: true},
		{Name: "hidden", Value: cty.StringVal("h2"), Sensitive: true},
		{Name: "new", Value: cty.UnknownVal(cty.String)},
	}
	got := map[string]OutputChange{}
	for _, c := range OutputChanges(planned, prior) {
		got[c.Name] = c
	}
	for name, want := range map[string]Action{"same": NoOp, "changed": Update, "gone": Delete, "pw": NoOp, "hidden": Update, "new": Create} {
		if got[name].Action != want {
			t.Errorf("%s: %s, want %s", name, got[name].Action, want)
		}
	}
	if c := got["changed"]; string(c.Before) != `"a"` || string(c.After) != `"b"` {
		t.Errorf("changed: %s -> %s", c.Before, c.After)
	}
	if !got["new"].AfterUnknown {
		t.Error("new is not known after apply")
	}
	b, _ := json.Marshal(got)
	for _, secret := range []string{"Secret-", "h1", "h2"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("output changes show %q: %s", secret, b)
		}
	}
}
