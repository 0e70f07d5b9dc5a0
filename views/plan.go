// Package views renders everything mailform shows a person or a script: plans,
// diagnostics, apply progress. The engine returns data; only this package prints.
package views

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
)

// Colors turns ANSI colour on or off.
type Colors struct{ On bool }

func (c Colors) wrap(code, s string) string {
	if !c.On {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Green, Red, Yellow and Bold colour s when colour is on.
func (c Colors) Green(s string) string  { return c.wrap("32", s) }
func (c Colors) Red(s string) string    { return c.wrap("31", s) }
func (c Colors) Yellow(s string) string { return c.wrap("33", s) }
func (c Colors) Bold(s string) string   { return c.wrap("1", s) }

func (c Colors) action(a planner.Action, s string) string {
	switch a {
	case planner.Create:
		return c.Green(s)
	case planner.Delete:
		return c.Red(s)
	case planner.Update:
		return c.Yellow(s)
	case planner.Replace:
		return c.Red(s)
	}
	return s
}

// longString is the length above which a changed string is shown as a word diff.
const longString = 40

// RenderPlan writes a plan in the Terraform style: one block per changed instance
// with its attribute-level changes, then the summary line.
func RenderPlan(w io.Writer, p *planner.Plan, col Colors) {
	names := departmentNames(p)
	for _, m := range p.Moves {
		fmt.Fprintf(w, "  # %s has moved to %s\n", m.From, m.To)
	}
	shown := 0
	for _, c := range p.Changes {
		if c.Action == planner.NoOp {
			switch {
			case c.Adopt:
				fmt.Fprintf(w, "  # %s exists live (id %s) and will be recorded in state\n", c.Address, c.ID)
			case c.Restate:
				fmt.Fprintf(w, "  # %s: prevent_destroy = %v will be recorded in state\n", c.Address, c.PreventDestroy)
			case c.Reason != "":
				fmt.Fprintf(w, "  # %s: %s\n", c.Address, c.Reason)
			}
			continue
		}
		shown++
		renderChange(w, c, col, names)
	}
	for _, wn := range p.Warnings {
		fmt.Fprintf(w, "\n%s %s\n", col.Yellow("Warning:"), wn)
	}
	renderFindings(w, p.Findings, col)
	add, change, destroy := p.Counts()
	if !p.HasChanges() {
		if p.Refreshed {
			fmt.Fprintln(w, "No changes. The live objects match the configuration.")
		} else {
			fmt.Fprintln(w, "No changes. The configuration matches the state (live objects were not read: -refresh=false).")
		}
		return
	}
	fmt.Fprintf(w, "\n%s %d to add, %d to change, %d to destroy.\n", col.Bold("Plan:"), add, change, destroy)
}

// renderFindings writes the configuration warnings kept with a plan, each with the
// rule, where it points and what to do.
func renderFindings(w io.Writer, fs []planner.Finding, col Colors) {
	for _, f := range fs {
		fmt.Fprintf(w, "\n%s %s\n", col.Yellow("Warning:"), findingTitle(f))
		if f.File != "" {
			fmt.Fprintf(w, "  on %s line %d\n", f.File, f.Line)
		}
		if f.Detail != "" {
			fmt.Fprintf(w, "  %s\n", f.Detail)
		}
	}
}

// findingTitle is a finding's rule and summary: "[SPF-NO-ALL] …".
func findingTitle(f planner.Finding) string {
	if f.Rule == "" {
		return f.Summary
	}
	return "[" + f.Rule + "] " + f.Summary
}

func renderChange(w io.Writer, c *planner.Change, col Colors, names map[string]string) {
	verb := map[planner.Action]string{
		planner.Create: "will be created", planner.Update: "will be updated in place",
		planner.Replace: "must be replaced", planner.Delete: "will be destroyed",
	}[c.Action]
	switch {
	case c.Offboard == "freeze":
		verb = "will be frozen and offboarded"
	case c.Offboard == "delete":
		verb = "will be destroyed: its offboarding is due"
	case c.Action == planner.Update && statusTo(c, "frozen"):
		verb = "will be frozen"
	}
	fmt.Fprintf(w, "  # %s %s\n", col.Bold(c.Address), verb)
	if c.Reason != "" {
		fmt.Fprintf(w, "  # (%s)\n", c.Reason)
	}
	if c.Adopt {
		fmt.Fprintf(w, "  # (found live with id %s; it will be recorded in state)\n", c.ID)
	}
	sym := col.action(c.Action, c.Action.Symbol())
	name, _, _ := strings.Cut(c.Label, "[")
	fmt.Fprintf(w, "  %s %s %q {\n", sym, c.Type, name)
	t := model.Lookup(c.Type)
	switch c.Action {
	case planner.Create:
		for _, a := range t.Attrs {
			v, ok := c.After[a.Name]
			if !ok || v == nil {
				continue
			}
			fmt.Fprintf(w, "      %s %s = %s\n", col.Green("+"), a.Name, formatRef(a, v, names))
		}
	case planner.Delete:
		for _, a := range t.Attrs {
			v, ok := c.Before[a.Name]
			if !ok || v == nil || isZero(v) {
				continue
			}
			fmt.Fprintf(w, "      %s %s = %s\n", col.Red("-"), a.Name, formatRef(a, v, names))
		}
	default:
		for _, ch := range c.Attrs {
			a := t.Attr(ch.Name)
			mark := col.Yellow("~")
			suffix := ""
			if ch.ForcesReplacement {
				suffix = col.Red(" # forces replacement")
			}
			if ch.Sensitive {
				fmt.Fprintf(w, "      %s %s = (sensitive)%s\n", mark, ch.Name, suffix)
				continue
			}
			if bs, ok := ch.Before.(string); ok {
				if as, ok := ch.After.(string); ok && (len(bs) > longString || len(as) > longString) {
					fmt.Fprintf(w, "      %s %s = %s%s\n", mark, ch.Name, WordDiff(bs, as, col), suffix)
					continue
				}
			}
			if a != nil && a.Kind.IsCollection() {
				renderSetChange(w, ch, col, suffix, names)
				continue
			}
			fmt.Fprintf(w, "      %s %s = %s -> %s%s\n", mark, ch.Name, formatRef(a, ch.Before, names), formatRef(a, ch.After, names), suffix)
		}
	}
	fmt.Fprintln(w, "    }")
}

func statusTo(c *planner.Change, v string) bool {
	for _, a := range c.Attrs {
		if a.Name == "status" && a.After == v {
			return true
		}
	}
	return false
}

// renderSetChange shows a collection change as the elements added and removed, with
// long elements (TXT values) as word diffs when one replaces another.
func renderSetChange(w io.Writer, ch model.AttrChange, col Colors, suffix string, names map[string]string) {
	before, _ := ch.Before.([]string)
	if model.IsUnknown(ch.After) {
		fmt.Fprintf(w, "      %s %s = (known after apply)%s\n", col.Yellow("~"), ch.Name, suffix)
		return
	}
	after, _ := ch.After.([]string)
	inB, inA := map[string]bool{}, map[string]bool{}
	for _, s := range before {
		inB[s] = true
	}
	for _, s := range after {
		inA[s] = true
	}
	var removed, added []string
	for _, s := range before {
		if !inA[s] {
			removed = append(removed, s)
		}
	}
	for _, s := range after {
		if !inB[s] {
			added = append(added, s)
		}
	}
	fmt.Fprintf(w, "      %s %s = [%s\n", col.Yellow("~"), ch.Name, suffix)
	if len(removed) == 1 && len(added) == 1 && (len(removed[0]) > longString || len(added[0]) > longString) {
		fmt.Fprintf(w, "          %s %s\n", col.Yellow("~"), WordDiff(removed[0], added[0], col))
	} else {
		for _, s := range removed {
			fmt.Fprintf(w, "          %s %s\n", col.Red("-"), refString(ch.Name, s, names))
		}
		for _, s := range added {
			fmt.Fprintf(w, "          %s %s\n", col.Green("+"), refString(ch.Name, s, names))
		}
	}
	fmt.Fprintln(w, "        ]")
}

// WordDiff shows how b became a, word by word: [-removed-]{+added+}.
func WordDiff(b, a string, col Colors) string {
	dmp := diffmatchpatch.New()
	wb, wa, lines := dmp.DiffLinesToRunes(splitWords(b), splitWords(a))
	diffs := dmp.DiffCharsToLines(dmp.DiffMainRunes(wb, wa, false), lines)
	var sb strings.Builder
	sb.WriteByte('"')
	for _, d := range diffs {
		text := strings.ReplaceAll(d.Text, "\n", "")
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			sb.WriteString(text)
		case diffmatchpatch.DiffDelete:
			sb.WriteString(col.Red("[-" + text + "-]"))
		case diffmatchpatch.DiffInsert:
			sb.WriteString(col.Green("{+" + text + "+}"))
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// splitWords puts each word and each run of spaces on a line of its own, so the
// line-mode diff works on words.
func splitWords(s string) string {
	var sb strings.Builder
	prevSpace := false
	for i, r := range s {
		sp := r == ' ' || r == ';'
		if i > 0 && sp != prevSpace {
			sb.WriteByte('\n')
		}
		sb.WriteRune(r)
		prevSpace = sp
	}
	return sb.String()
}

func isZero(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	}
	return false
}

// departmentAttrs hold department ids, which plans show with the department's address.
var departmentAttrs = map[string]bool{"departments": true, "parent": true, "member_departments": true}

// departmentNames maps the ids of the departments in a plan to their addresses, so a
// reviewer reads "3" (department.sales) instead of a bare id.
func departmentNames(p *planner.Plan) map[string]string {
	names := map[string]string{}
	for _, c := range p.Changes {
		if c.Type == "department" && c.ID != "" {
			names[c.ID] = c.Address
		}
	}
	return names
}

// refString quotes s, with the department it names when attr holds department ids.
func refString(attr, s string, names map[string]string) string {
	if n, ok := names[s]; ok && departmentAttrs[attr] {
		return fmt.Sprintf("%q (%s)", s, n)
	}
	return fmt.Sprintf("%q", s)
}

// formatRef is formatAttr with department ids named.
func formatRef(a *model.Attr, v any, names map[string]string) string {
	if a == nil || !departmentAttrs[a.Name] || len(names) == 0 {
		return formatAttr(a, v)
	}
	switch x := v.(type) {
	case string:
		return refString(a.Name, x, names)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = refString(a.Name, s, names)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return formatAttr(a, v)
}

func formatAttr(a *model.Attr, v any) string {
	if a != nil && a.Sensitive && v != nil {
		return "(sensitive)"
	}
	return model.FormatValue(v)
}

// JSONPlan is the machine-readable plan printed by plan -json (docs/plan-json.md).
type JSONPlan struct {
	FormatVersion string         `json:"format_version"`
	Lineage       string         `json:"lineage"`
	Serial        uint64         `json:"serial"`
	Summary       JSONSummary    `json:"summary"`
	Moves         []planner.Move `json:"moves,omitempty"`
	Changes       []JSONChange   `json:"resource_changes"`
	// Findings are the configuration's warnings (lint rules), always present.
	Findings []planner.Finding `json:"findings"`
}

// JSONSummary counts the changes.
type JSONSummary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

// JSONChange is one instance's change in the JSON plan.
type JSONChange struct {
	Address  string           `json:"address"`
	Type     string           `json:"type"`
	Provider string           `json:"provider"`
	Action   string           `json:"action"`
	Adopt    bool             `json:"adopt,omitempty"`
	Reason   string           `json:"reason,omitempty"`
	Before   map[string]any   `json:"before,omitempty"`
	After    map[string]any   `json:"after,omitempty"`
	Changed  []JSONAttrChange `json:"changed_attributes,omitempty"`
}

// JSONAttrChange is one attribute's change.
type JSONAttrChange struct {
	Name   string `json:"name"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// ToJSON converts a plan into its JSON view: sensitive values become "(sensitive)" and
// unknown ones "(known after apply)".
func ToJSON(p *planner.Plan) JSONPlan {
	add, change, destroy := p.Counts()
	jp := JSONPlan{FormatVersion: "1", Lineage: p.Lineage, Serial: p.Serial, Summary: JSONSummary{add, change, destroy}, Moves: p.Moves, Changes: []JSONChange{},
		Findings: append([]planner.Finding{}, p.Findings...)}
	for _, c := range p.Changes {
		t := model.Lookup(c.Type)
		jc := JSONChange{Address: c.Address, Type: c.Type, Provider: c.Provider, Action: string(c.Action), Adopt: c.Adopt, Reason: c.Reason,
			Before: jsonObject(t.Attrs, c.Before), After: jsonObject(t.Attrs, c.After)}
		for _, a := range c.Attrs {
			ac := JSONAttrChange{Name: a.Name, Before: jsonValue(a.Before), After: jsonValue(a.After)}
			if a.Sensitive {
				ac.Before, ac.After = "(sensitive)", "(sensitive)"
			}
			jc.Changed = append(jc.Changed, ac)
		}
		jp.Changes = append(jp.Changes, jc)
	}
	sort.SliceStable(jp.Changes, func(i, j int) bool { return jp.Changes[i].Address < jp.Changes[j].Address })
	return jp
}

func jsonObject(attrs []*model.Attr, o model.Object) map[string]any {
	if o == nil {
		return nil
	}
	out := map[string]any{}
	for _, a := range attrs {
		v, ok := o[a.Name]
		if !ok || v == nil {
			continue
		}
		if a.Sensitive {
			out[a.Name] = "(sensitive)"
			continue
		}
		if a.Kind == model.KindBlock {
			if b, ok := v.(model.Object); ok {
				out[a.Name] = jsonObject(a.Block, b)
				continue
			}
		}
		out[a.Name] = jsonValue(v)
	}
	return out
}

func jsonValue(v any) any {
	if model.IsUnknown(v) {
		return "(known after apply)"
	}
	return v
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
