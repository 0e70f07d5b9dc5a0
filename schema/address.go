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
	if plainKey(*key) {
		// What strconv.Quote gives, made in one allocation: it runs for every
		// instance of every for_each block.
		return typ + "." + name + `["` + *key + `"]`
	}
	return typ + "." + name + "[" + strconv.Quote(*key) + "]"
}

// plainKey reports whether strconv.Quote leaves every byte of k as it is: printable
// ASCII other than the quote and the backslash.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// ModuleInstanceAddr formats one step of a module path: `module.name` or
// `module.name["key"]`.
func ModuleInstanceAddr(name string, key *string) string {
	return InstanceAddr("module", name, key)
}

// SplitModule splits an address into its module instance path
// (`module.sub["hk"].module.team`, "" in the root module) and the rest
// (`account.staff["a@b"]`).
func SplitModule(addr string) (module, rest string) {
	i := 0
	for strings.HasPrefix(addr[i:], "module.") {
		j := i + len("module.")
		for j < len(addr) && addr[j] != '.' && addr[j] != '[' {
			j++
		}
		if j < len(addr) && addr[j] == '[' {
			end := quotedEnd(addr, j+1)
			if end < 0 || end >= len(addr) || addr[end] != ']' {
				return addr[:max(i-1, 0)], addr[i:]
			}
			j = end + 1
		}
		if j >= len(addr) || addr[j] != '.' {
			// A module address alone (module.sub["hk"]): no resource part.
			return addr, ""
		}
		i = j + 1
	}
	if i == 0 {
		return "", addr
	}
	return addr[:i-1], addr[i:]
}

// quotedEnd returns the index just past the Go-quoted string starting at s[i], or -1.
func quotedEnd(s string, i int) int {
	if i >= len(s) || s[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// SplitAddr splits an instance address into its resource address (`type.name`, with
// its module path when it has one: `module.sub["hk"].type.name`) and key (nil when
// there is none).
func SplitAddr(addr string) (resource string, key *string) {
	mod, rest := SplitModule(addr)
	join := func(r string) string {
		if mod == "" {
			return r
		}
		return mod + "." + r
	}
	i := strings.IndexByte(rest, '[')
	if i < 0 {
		return addr, nil
	}
	k, err := strconv.Unquote(strings.TrimSuffix(rest[i+1:], "]"))
	if err != nil {
		return addr, nil
	}
	return join(rest[:i]), &k
}

// BlockAddr is the address of the configuration block an address belongs to: the
// module path without instance keys and the resource without its key, as in
// `module.sub.account.staff` for `module.sub["hk"].account.staff["a@b"]`.
func BlockAddr(addr string) string {
	r, _ := SplitAddr(addr)
	mod, rest := SplitModule(r)
	if mod == "" {
		return rest
	}
	return StaticModulePath(mod) + rest
}

// StaticModulePath turns a module instance path into the module's configuration
// prefix: `module.sub["hk"].module.team` → `module.sub.module.team.`.
func StaticModulePath(mod string) string {
	var b strings.Builder
	for mod != "" {
		mod = strings.TrimPrefix(mod, "module.")
		j := 0
		for j < len(mod) && mod[j] != '.' && mod[j] != '[' {
			j++
		}
		b.WriteString("module." + mod[:j] + ".")
		mod = mod[j:]
		if strings.HasPrefix(mod, "[") {
			end := quotedEnd(mod, 1)
			if end < 0 {
				break
			}
			mod = mod[end+1:]
		}
		mod = strings.TrimPrefix(mod, ".")
	}
	return b.String()
}

// ModuleAncestors lists the module instance paths a module instance path is made of,
// outermost first: `module.a["x"].module.b` → `module.a["x"]`, `module.a["x"].module.b`.
func ModuleAncestors(mod string) []string {
	var out []string
	i := 0
	for i < len(mod) && strings.HasPrefix(mod[i:], "module.") {
		j := i + len("module.")
		for j < len(mod) && mod[j] != '.' && mod[j] != '[' {
			j++
		}
		if j < len(mod) && mod[j] == '[' {
			end := quotedEnd(mod, j+1)
			if end < 0 {
				break
			}
			j = end + 1
		}
		out = append(out, mod[:j])
		i = j + 1
	}
	return out
}

// Within reports whether addr is target or lies inside it: an instance of the
// resource target, or a resource in the module (or module instance) target.
func Within(addr, target string) bool {
	if addr == target {
		return true
	}
	if tm, rest := SplitModule(target); tm != "" && rest == "" {
		am, _ := SplitModule(addr)
		return am == target || strings.HasPrefix(am, target+".") ||
			(!strings.HasSuffix(target, "]") && strings.HasPrefix(am, target+"["))
	}
	r, key := SplitAddr(addr)
	return key != nil && r == target
}

// ParseAddr parses a user-typed instance address such as `account.alice`,
// `account.staff["bob@example.com"]` or `module.sub["hk"].account.alice` and returns
// it in canonical form.
func ParseAddr(s string) (string, error) {
	return parseAddr(s, false)
}

// ParseTarget is ParseAddr that also accepts a module instance alone
// (`module.sub` or `module.sub["hk"]`), for -target.
func ParseTarget(s string) (string, error) {
	return parseAddr(s, true)
}

func parseAddr(s string, moduleOnly bool) (string, error) {
	tr, diags := hclsyntax.ParseTraversalAbs([]byte(s), "address", hcl.InitialPos)
	if diags.HasErrors() {
		return "", fmt.Errorf("%q is not a resource address like account.alice, account.staff[\"key\"] or module.sub[\"key\"].account.alice", s)
	}
	mod, rest, d := modulePrefix(tr)
	if !d.HasErrors() && len(rest) == 0 && mod != "" && moduleOnly {
		return mod, nil
	}
	if !d.HasErrors() {
		var a string
		a, d = addrFromTraversal(rest, true)
		if !d.HasErrors() {
			if mod != "" {
				a = mod + "." + a
			}
			return a, nil
		}
	}
	return "", fmt.Errorf("%q: %s", s, d[0].Detail)
}

// modulePrefix takes the `module.name` and `module.name["key"]` steps off the front of
// a traversal and returns them as a module instance path.
func modulePrefix(tr hcl.Traversal) (string, hcl.Traversal, hcl.Diagnostics) {
	var parts []string
	for len(tr) > 0 && tr.RootName() == "module" {
		bad := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid module address",
			Detail: `A module address has the form module.name or module.name["key"], as in module.subsidiary["hk"].account.alice.`, Subject: tr.SourceRange().Ptr()}}
		if len(tr) < 2 {
			return "", nil, bad
		}
		name, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			return "", nil, bad
		}
		var key *string
		tr = tr[2:]
		if len(tr) > 0 {
			if idx, ok := tr[0].(hcl.TraverseIndex); ok {
				if idx.Key.Type() != cty.String {
					return "", nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid module address",
						Detail: `A module instance key is a string, as in module.subsidiary["hk"].`, Subject: idx.SrcRange.Ptr()}}
				}
				k := idx.Key.AsString()
				key = &k
				tr = tr[1:]
			}
		}
		parts = append(parts, ModuleInstanceAddr(name.Name, key))
		if len(tr) > 0 {
			// What follows is relative: make it a traversal that starts with a root.
			if at, ok := tr[0].(hcl.TraverseAttr); ok {
				tr = append(hcl.Traversal{hcl.TraverseRoot{Name: at.Name, SrcRange: at.SrcRange}}, tr[1:]...)
			} else {
				return "", nil, bad
			}
		}
	}
	return strings.Join(parts, "."), tr, nil
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

// addrWithModule is addrFromTraversal for an address that may start with a module path.
func addrWithModule(tr hcl.Traversal) (string, hcl.Diagnostics) {
	mod, rest, d := modulePrefix(tr)
	if d.HasErrors() {
		return "", d
	}
	if len(rest) == 0 {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid resource address",
			Detail: `Give a resource inside the module, as in module.subsidiary["hk"].account.alice.`, Subject: tr.SourceRange().Ptr()}}
	}
	a, d := addrFromTraversal(rest, true)
	if d.HasErrors() || mod == "" {
		return a, d
	}
	return mod + "." + a, d
}
