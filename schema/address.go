package schema

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
)

// InstanceAddr formats the address of a resource instance: `type.name` or
// `type.name["key"]`.
func InstanceAddr(typ, name string, key *string) string {
	if key == nil {
		return typ + "." + name
	}
	return typ + "." + name + "[" + strconv.Quote(*key) + "]"
}

// SplitAddr splits an instance address into its resource address ("type.name") and key
// (nil when there is none).
func SplitAddr(addr string) (resource string, key *string) {
	i := strings.IndexByte(addr, '[')
	if i < 0 {
		return addr, nil
	}
	k, err := strconv.Unquote(strings.TrimSuffix(addr[i+1:], "]"))
	if err != nil {
		return addr, nil
	}
	return addr[:i], &k
}

// ParseAddr parses a user-typed instance address such as `account.alice` or
// `account.staff["bob@example.com"]` and returns it in canonical form.
func ParseAddr(s string) (string, error) {
	tr, diags := hclsyntax.ParseTraversalAbs([]byte(s), "address", hcl.InitialPos)
	if diags.HasErrors() {
		return "", fmt.Errorf("%q is not a resource address like account.alice or account.staff[\"key\"]", s)
	}
	a, d := addrFromTraversal(tr, true)
	if d.HasErrors() {
		return "", fmt.Errorf("%q: %s", s, d[0].Detail)
	}
	return a, nil
}

// addrFromTraversal turns `type.name` or `type.name["key"]` into an address string.
func addrFromTraversal(tr hcl.Traversal, allowKey bool) (string, hcl.Diagnostics) {
	bad := func(detail string) (string, hcl.Diagnostics) {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid resource address",
			Detail: detail, Subject: tr.SourceRange().Ptr()}}
	}
	if len(tr) < 2 {
		return bad("A resource address has the form type.name, for example account.alice.")
	}
	typ := tr.RootName()
	if model.Lookup(typ) == nil {
		return bad(fmt.Sprintf("%q is not a resource type. The types are: %s.", typ, strings.Join(model.TypeNames(), ", ")))
	}
	attr, ok := tr[1].(hcl.TraverseAttr)
	if !ok {
		return bad("A resource address has the form type.name, for example account.alice.")
	}
	if len(tr) == 2 {
		return typ + "." + attr.Name, nil
	}
	idx, ok := tr[2].(hcl.TraverseIndex)
	if !ok || len(tr) > 3 || !allowKey {
		return bad(`A resource address has the form type.name or type.name["key"].`)
	}
	if idx.Key.Type() != cty.String {
		return bad(`An instance key is a string, as in account.staff["alice@example.com"].`)
	}
	k := idx.Key.AsString()
	return InstanceAddr(typ, attr.Name, &k), nil
}
