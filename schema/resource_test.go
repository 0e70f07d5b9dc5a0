package schema

import (
	"sort"
	"strings"
	"testing"
)

func TestResourceMetaArguments(t *testing.T) {
	c := load(t, `
provider "rfc2136" {
  alias  = "corp"
  server = "127.0.0.1:53"
}
department "sales" { name = "Sales" }
account "staff" {
  for_each   = toset(["a@example.com"])
  email      = each.key
  name       = "x"
  depends_on = [department.sales, domain.corp]
  lifecycle {
    prevent_destroy = true
    ignore_changes  = [name, "position"]
  }
}
dns_record "mx" {
  provider = rfc2136.corp
  zone     = "example.com"
  name     = "@"
  type     = "MX"
  records  = ["5 mx.example.com."]
}
dns_record "a" {
  provider = sandbox
  zone     = "example.com"
  name     = "a"
  type     = "A"
  records  = ["192.0.2.1"]
  lifecycle { ignore_changes = all }
}
domain "corp" { name = "example.com" }
`)
	staff := c.Resource("account.staff")
	if staff.ForEach == nil {
		t.Error("for_each not kept")
	}
	var deps []string
	for _, d := range staff.DependsOn {
		a, diags := addrFromTraversal(d, false)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		deps = append(deps, a)
	}
	if got := strings.Join(deps, " "); got != "department.sales domain.corp" {
		t.Errorf("depends_on = %q, want department.sales domain.corp", got)
	}
	lc := staff.Lifecycle
	if !lc.PreventDestroy || lc.IgnoreAll || len(lc.IgnoreChanges) != 2 || !lc.IgnoreChanges["name"] || !lc.IgnoreChanges["position"] {
		t.Errorf("lifecycle = %+v, want prevent_destroy and ignore_changes name, position", lc)
	}
	if p := c.Resource("dns_record.mx").Provider; p != "rfc2136.corp" {
		t.Errorf("mx provider = %q, want rfc2136.corp", p)
	}
	a := c.Resource("dns_record.a")
	if a.Provider != "sandbox" || !a.Lifecycle.IgnoreAll || a.Lifecycle.PreventDestroy {
		t.Errorf("dns_record.a = provider %q, lifecycle %+v", a.Provider, a.Lifecycle)
	}
	if p := c.Resource("domain.corp").Provider; p != "" {
		t.Errorf("domain provider = %q, want none", p)
	}
	// References feed the graph: for_each, attributes and depends_on.
	var refs []string
	for _, tr := range staff.Traversals() {
		refs = append(refs, tr.RootName())
	}
	sort.Strings(refs)
	if got := strings.Join(refs, " "); got != "department domain each" {
		t.Errorf("traversal roots = %q, want department domain each", got)
	}
}

func TestResourceMetaArgumentErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"count refused", `account "a" {
  count = 2
  email = "a@example.com"
  name  = "A"
}`, "use for_each with a map or set of strings instead of count"},
		{"quoted provider", `domain "a" {
  provider = "sandbox"
  name     = "example.com"
}`, "provider takes a provider name without quotes"},
		{"provider too deep", `domain "a" {
  provider = sandbox.a.b
  name     = "example.com"
}`, "Invalid provider reference"},
		{"ignore_changes unknown attribute", `domain "a" {
  name = "example.com"
  lifecycle { ignore_changes = [colour] }
}`, "ignore_changes lists attribute names of domain (name)"},
		{"prevent_destroy not bool", `domain "a" {
  name = "example.com"
  lifecycle { prevent_destroy = "yes please" }
}`, "Unsuitable value type"},
		{"depends_on a string", `domain "a" {
  name       = "example.com"
  depends_on = ["domain.b"]
}`, "A single static variable reference is required"},
		{"bad resource name", `domain "1a" { name = "example.com" }`, "Invalid resource name"},
		{"unknown block type", `mailbox "a" {}`, `Blocks of type "mailbox" are not expected here`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadErr(t, map[string]string{"a.mf.hcl": tt.src}); !strings.Contains(got, tt.want) {
				t.Errorf("errors = %q, want %q", got, tt.want)
			}
		})
	}
}
