package planner

import (
	"slices"
	"testing"

	"github.com/mailform/mailform/schema"
)

// A resource that reaches another only through locals must still depend on it, or
// apply would create an account before the department whose id it needs.
func TestGraphDepsThroughLocals(t *testing.T) {
	src := []byte(`
department "top" {
  for_each = toset(["a", "b"])
  name     = each.key
}
locals {
  ids   = { for k, d in department.top : k => d.id }
  again = local.ids
}
account "x" {
  email       = "x@example.com"
  name        = "X"
  departments = [local.again["a"]]
}
`)
	cfg, diags := schema.LoadSources("/nowhere", map[string][]byte{"main.mf.hcl": src})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	g, diags := buildGraph(cfg)
	if diags.HasErrors() {
		t.Fatalf("graph: %s", diags.Error())
	}
	tests := []struct {
		node string
		want []string
	}{
		{"account.x", []string{"department.top", "local.again"}},
		{"local.again", []string{"local.ids"}},
		{"department.top", nil},
	}
	for _, tt := range tests {
		if got := g.nodes[tt.node].deps; !slices.Equal(got, tt.want) {
			t.Errorf("deps of %s = %v, want %v", tt.node, got, tt.want)
		}
	}
}
