package export

import (
	"bytes"
	"encoding/csv"
	"sort"
	"strconv"
	"strings"
	"unicode"

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
		b.SetAttributeRaw(a.Name, raw(csvExpr(typ, a, w.csv["accounts.csv"] != nil, w.csv["departments.csv"] != nil)))
	}
}

// csvDepartments writes departments.csv, one row per department, and one
// department block per depth of the tree ("level1", "level2", …) that reads the rows
// of that depth: one for_each block cannot refer to its own instances, so a row
// names its parent by key and the block of the next depth up resolves it. The row
// key is the name, lower-cased with runs of other characters than letters and
// digits as one "_", qualified by the parent's key where departments share it;
// accounts.csv and groups.csv name departments by it through local.department_ids.
func (w *writer) csvDepartments() {
	nodes := w.deptTree(true)
	if len(nodes) == 0 {
		return
	}
	shared := map[string]int{}
	for _, n := range nodes {
		shared[rowKey(n.r.Attrs.Str("name"))]++
	}
	l := newLabeler()
	depth, order := 0, false
	for _, n := range nodes {
		k := rowKey(n.r.Attrs.Str("name"))
		cands := []string{k}
		if n.parent != nil && k != "" {
			// A name that several departments share is qualified in all of them, so
			// that no key depends on the order the provider lists them in.
			if shared[k] > 1 {
				cands = nil
			}
			cands = append(cands, n.parent.label+"_"+k)
		}
		n.label = l.take("department", cands...)
		// Policies refer to the instance: department.level2["emea"].id.
		w.remember("department", n.r.ID, level(n.depth)+"\x00"+n.label)
		depth = max(depth, n.depth)
		order = order || n.r.Attrs.Int("order") != 0
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	header := []string{"key", "level", "name", "parent"}
	if order {
		header = append(header, "order")
	}
	cw.Write(header)
	for _, n := range nodes {
		// The top level keeps a parent that is not exported as its id.
		parent := n.r.Attrs.Str("parent")
		if n.parent != nil {
			parent = n.parent.label
		}
		row := []string{n.label, strconv.Itoa(n.depth), n.r.Attrs.Str("name"), parent}
		if order {
			row = append(row, cell(w, model.Department.Attr("order"), n.r.Attrs["order"]))
		}
		cw.Write(row)
	}
	cw.Flush()
	if w.csv == nil {
		w.csv = map[string][]byte{}
	}
	w.csv["departments.csv"] = buf.Bytes()
	w.counts["departments.csv"] = len(nodes)

	f := w.file(fileOf["department"])
	w.commentTo(f, "One block per level of the tree, each reading the rows of its level from")
	w.commentTo(f, "departments.csv; a row names its parent by key, one level up.")
	f.Body().AppendNewline()
	blocks := make([]string, depth)
	ids := make([]string, depth)
	for i := range blocks {
		blocks[i] = strconv.Quote(level(i + 1))
		ids[i] = "{ for k, d in department." + level(i+1) + " : k => d.id },\n"
	}
	locals := f.Body().AppendNewBlock("locals", nil).Body()
	// The index is the check that every level has a block: a row of a deeper level
	// stops the plan here instead of being left out.
	locals.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte("# The rows by key, each with the block of its level: a level without a\n# block below stops the plan (add one like the last).\n")}})
	locals.SetAttributeRaw("departments", raw("{\n"+`for r in csvdecode(file("departments.csv")) : r.key => merge(r, {`+"\n"+
		`block = [`+strings.Join(blocks, ", ")+`][r.level - 1]`+"\n})\n}"))
	locals.AppendNewline()
	locals.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte("# Every department id by key, for the department columns of the CSV files.\n")}})
	locals.SetAttributeRaw("department_ids", raw("merge(\n"+strings.Join(ids, "")+")"))
	locals.AppendNewline()
	// lookup(local.department_ids, …) would be unknown for every row while one new
	// department's id is: each account and group would show as changing.
	locals.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte("# Which keys those are, known before apply even while a new department's id is not.\n")}})
	locals.SetAttributeRaw("department_keys", raw("{ for k, id in local.department_ids : k => true }"))
	f.Body().AppendNewline()
	for d := 1; d <= depth; d++ {
		b := w.block("department", level(d))
		b.SetAttributeRaw("for_each", raw(`{ for k, r in local.departments : k => r if r.block == "`+level(d)+`" }`))
		b.SetAttributeRaw("name", raw("each.value.name"))
		if d == 1 {
			b.SetAttributeRaw("parent", raw(`each.value.parent != "" ? each.value.parent : null`))
		} else {
			b.SetAttributeRaw("parent", raw("department."+level(d-1)+"[each.value.parent].id"))
		}
		if order {
			b.SetAttributeRaw("order", raw(`each.value.order != "" ? tonumber(each.value.order) : null`))
		}
	}
}

// level is the label of the department block of one depth.
func level(depth int) string { return "level" + strconv.Itoa(depth) }

// rowKey is a name as a row key: lower-case letters and digits of any script, other
// runs as one "_" between them. Keys are space-free, so lists of them fit one cell.
func rowKey(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
			continue
		}
		under = true
	}
	return b.String()
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
					// The row key of departments.csv, without its block.
					_, out[i], _ = strings.Cut(l, "\x00")
				}
			}
		}
		return strings.Join(out, " ")
	}
	return ""
}

// csvExpr is the expression that reads attribute a from the row each.value;
// accounts and departments tell whether account.staff and local.department_ids
// exist to refer to.
func csvExpr(typ string, a *model.Attr, accounts, departments bool) string {
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
	case csvRefs[a.Name] && departments:
		// A key of departments.csv, else a department id as it is. can(…[d]) rather
		// than lookup(…, d, false): a function call walks every element of its
		// arguments for marks, so lookup made each row cost the whole map (315 s
		// to plan the export of 50,000 accounts and 1,000 departments).
		val = `[for d in split(" ", ` + col + `) : can(local.department_keys[d]) ? local.department_ids[d] : d]`
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
