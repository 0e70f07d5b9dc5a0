package export

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
)

// refs says which attributes hold another object's id or address, and of which type:
// the exported files refer to that object's block instead of repeating the value, so
// a later create follows the dependency. Group-in-group membership stays literal,
// because two groups that contain each other would make a reference cycle.
var refs = map[string]string{
	"department.parent":            "department",
	"account.departments":          "department",
	"group.members":                "account",
	"group.member_departments":     "department",
	"group.allowed_senders":        "account",
	"send_restriction.accounts":    "account",
	"send_restriction.departments": "department",
	"send_restriction.groups":      "group",
	"backup_rule.destination":      "account",
	"backup_rule.accounts":         "account",
	"backup_rule.departments":      "department",
}

// refAttr is the attribute a reference to each type reads.
var refAttr = map[string]string{"department": "id", "account": "email", "group": "email"}

// attrs writes the attributes of o in declaration order. Computed, write-only
// (passwords) and engine-managed values are never written, and neither are empty
// values and defaults.
func (w *writer) attrs(b *hclwrite.Body, t *model.Type, attrs []*model.Attr, o model.Object) {
	for _, a := range attrs {
		if a.Computed || a.WriteOnly || a.Engine {
			continue
		}
		v := o[a.Name]
		if v == nil || model.IsUnknown(v) || (a.Default != nil && model.Equal(v, a.Default)) {
			continue
		}
		switch x := v.(type) {
		case string:
			if x != "" {
				b.SetAttributeRaw(a.Name, w.value(t.Name, a.Name, x))
			}
		case int64:
			b.SetAttributeValue(a.Name, cty.NumberIntVal(x))
		case bool:
			b.SetAttributeValue(a.Name, cty.BoolVal(x))
		case []string:
			if len(x) == 0 {
				continue
			}
			elems := make([]hclwrite.Tokens, len(x))
			for i, s := range x {
				elems[i] = w.value(t.Name, a.Name, s)
			}
			b.SetAttributeRaw(a.Name, list(elems))
		case model.Object:
			if a.Kind != model.KindBlock || !hasValue(a.Block, x) {
				continue
			}
			nb := b.AppendNewBlock(a.Name, nil)
			w.attrs(nb.Body(), t, a.Block, x)
		}
	}
}

// hasValue reports whether a nested block holds anything worth writing.
func hasValue(attrs []*model.Attr, o model.Object) bool {
	for _, a := range attrs {
		v := o[a.Name]
		if v != nil && !model.Equal(v, nil) && (a.Default == nil || !model.Equal(v, a.Default)) {
			return true
		}
	}
	return false
}

// value is a reference to the exported block that s names, or s as a literal.
func (w *writer) value(typ, attr, s string) hclwrite.Tokens {
	if target := refs[typ+"."+attr]; target != "" {
		if label, ok := w.labels[target][s]; ok {
			tr := hcl.Traversal{hcl.TraverseRoot{Name: target}, hcl.TraverseAttr{Name: label}}
			if name, key, ok := strings.Cut(label, "\x00"); ok {
				// An instance of a for_each block (export -format csv): staff["key"].
				tr = hcl.Traversal{hcl.TraverseRoot{Name: target}, hcl.TraverseAttr{Name: name}, hcl.TraverseIndex{Key: cty.StringVal(key)}}
			}
			return hclwrite.TokensForTraversal(append(tr, hcl.TraverseAttr{Name: refAttr[target]}))
		}
	}
	return hclwrite.TokensForValue(cty.StringVal(s))
}

// list writes a short list on one line and a longer one an element per line.
func list(elems []hclwrite.Tokens) hclwrite.Tokens {
	if len(elems) <= 3 {
		return hclwrite.TokensForTuple(elems)
	}
	nl := &hclwrite.Token{Type: hclsyntax.TokenNewline, Bytes: []byte("\n")}
	toks := hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte("[")}, nl}
	for _, e := range elems {
		toks = append(toks, e...)
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte(",")}, nl)
	}
	return append(toks, &hclwrite.Token{Type: hclsyntax.TokenCBrack, Bytes: []byte("]")})
}

func ctyString(s string) cty.Value { return cty.StringVal(s) }
