package export

import (
	"bytes"
	"encoding/csv"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// csvRefs are the CSV columns of department ids, written as department labels and
// read back through local.department_ids.
var csvRefs = map[string]bool{"departments": true, "member_departments": true}

// csvAccounts writes accounts.csv and the account "staff" block that reads it.
func (w *writer) csvAccounts() {
	w.csvBlocks("account", model.Account, "staff", "accounts.csv")
}

// csvGroups writes groups.csv and the group "list" block that reads it; members
// refer to account.staff where they are exported accounts, so a group waits for
// the accounts it lists.
func (w *writer) csvGroups() {
	w.csvBlocks("group", model.Group, "list", "groups.csv")
}

// csvBlocks writes one CSV row per live object of typ and the for_each block that
// reads the file. A column is written only when some row has a value in it; an
// empty cell means the attribute is left out, as an absent attribute would be.
func (w *writer) csvBlocks(typ string, t *model.Type, label, file string) {
	objs := append([]providers.Remote(nil), w.t.Objects[typ]...)
	if len(objs) == 0 {
		return
	}
	sort.SliceStable(objs, func(i, j int) bool { return objs[i].Attrs.Str("email") < objs[j].Attrs.Str("email") })
	var cols []*model.Attr
	for _, a := range t.Attrs {
		if a.Computed || a.WriteOnly || a.Engine || a.Kind == model.KindBlock {
			continue
		}
		for _, r := range objs {
			if cell(w, a, r.Attrs[a.Name]) != "" {
				cols = append(cols, a)
				break
			}
		}
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	header := make([]string, len(cols))
	for i, a := range cols {
		header[i] = a.Name
	}
	cw.Write(header)
	for _, r := range objs {
		row := make([]string, len(cols))
		for i, a := range cols {
			row[i] = cell(w, a, r.Attrs[a.Name])
		}
		cw.Write(row)
		// Policies refer to the instance: account.staff["alice@example.com"].email.
		w.remember(typ, r.Attrs.Str("email"), label+"\x00"+r.Attrs.Str("email"))
	}
	cw.Flush()
	if w.csv == nil {
		w.csv = map[string][]byte{}
	}
	w.csv[file] = buf.Bytes()
	w.counts[file] = len(objs)

	b := w.block(typ, label)
	b.SetAttributeRaw("for_each", raw(`{ for r in csvdecode(file("`+file+`")) : r.email => r }`))
	for _, a := range cols {
		b.SetAttributeRaw(a.Name, raw(csvExpr(typ, a, w.csv["accounts.csv"] != nil)))
	}
}

// departmentIDs writes local.department_ids, the department blocks by label, which
// the CSV columns of department labels read.
func (w *writer) departmentIDs() {
	if len(w.labels["department"]) == 0 {
		return
	}
	f := w.file(fileOf["department"])
	f.Body().AppendNewline()
	labels := make([]string, 0, len(w.labels["department"]))
	for _, l := range w.labels["department"] {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var sb strings.Builder
	sb.WriteString("{\n")
	for _, l := range labels {
		sb.WriteString(l + " = department." + l + ".id\n")
	}
	sb.WriteString("}")
	f.Body().AppendNewBlock("locals", nil).Body().SetAttributeRaw("department_ids", raw(sb.String()))
}

// cell is an attribute value as a CSV cell: collections joined with spaces,
// department ids as their labels, defaults and empty values as "".
func cell(w *writer, a *model.Attr, v any) string {
	if v == nil || model.IsUnknown(v) || (a.Default != nil && model.Equal(v, a.Default)) {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = s
			if csvRefs[a.Name] {
				if l, ok := w.labels["department"][s]; ok {
					out[i] = l
				}
			}
		}
		return strings.Join(out, " ")
	}
	return ""
}

// csvExpr is the expression that reads attribute a from the row each.value;
// accounts tells whether account.staff exists to refer to.
func csvExpr(typ string, a *model.Attr, accounts bool) string {
	col := "each.value." + a.Name
	if a.Required {
		return col
	}
	var val string
	switch {
	case a.Kind == model.KindBool:
		val = col + ` == "true"`
	case a.Kind == model.KindInt:
		val = "tonumber(" + col + ")"
	case csvRefs[a.Name]:
		val = `[for d in split(" ", ` + col + `) : lookup(local.department_ids, d, d)]`
	case accounts && typ == "group" && (a.Name == "members" || a.Name == "allowed_senders"):
		// A reference to the account keeps a group's update after the account's create.
		val = `[for m in split(" ", ` + col + `) : try(account.staff[m].email, m)]`
	case a.Kind.IsCollection():
		val = `split(" ", ` + col + `)`
	default:
		val = col
	}
	return col + ` != "" ? ` + val + ` : null`
}

// raw turns HCL source into tokens for SetAttributeRaw.
func raw(src string) hclwrite.Tokens {
	toks, _ := hclsyntax.LexExpression([]byte(src), "", hcl.InitialPos)
	out := make(hclwrite.Tokens, 0, len(toks))
	for _, t := range toks {
		if t.Type == hclsyntax.TokenEOF {
			continue
		}
		out = append(out, &hclwrite.Token{Type: t.Type, Bytes: t.Bytes})
	}
	return out
}
