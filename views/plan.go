// Package views renders everything mailform shows a person or a script: plans,
// diagnostics, apply progress. The engine returns data; only this package prints.
package views

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
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

// RenderPlan writes a plan in the Terraform style: the providers it was made against,
// a legend of the symbols it uses, one block per changed instance (a blank line
// between them) with its attribute-level changes aligned at "=", then the summary.
func RenderPlan(w io.Writer, p *planner.Plan, col Colors) {
	names := departmentNames(p)
	if p.HasChanges() {
		renderHeader(w, p, col)
	}
	for _, m := range p.Moves {
		fmt.Fprintf(w, "  # %s has moved to %s\n\n", m.From, m.To)
	}
	for _, c := range p.Changes {
		if c.Action == planner.NoOp {
			switch {
			case c.Adopt:
				fmt.Fprintf(w, "  # %s exists live (id %s) and will be recorded in state\n", c.Address, c.ID)
				renderBaseline(w, c)
				fmt.Fprintln(w)
			case c.Restate:
				fmt.Fprintf(w, "  # %s: prevent_destroy = %v will be recorded in state\n\n", c.Address, c.PreventDestroy)
			case len(c.Rehash) > 0:
				fmt.Fprintf(w, "  # %s: the stored hash of its %s will be upgraded to argon2id in state (nothing changes live)\n\n", c.Address, strings.Join(c.Rehash, ", "))
			case c.Reason != "":
				fmt.Fprintf(w, "  # %s: %s\n", c.Address, c.Reason)
			case c.Scope != nil && c.Scope.Was != nil:
				fmt.Fprintf(w, "  # %s is unchanged but now %s\n\n", c.Address, ScopeText(c.Scope))
			}
			continue
		}
		renderChange(w, c, col, names)
		fmt.Fprintln(w)
	}
	for _, wn := range p.Warnings {
		fmt.Fprintf(w, "\n%s %s\n", col.Yellow("Warning:"), wn)
	}
	renderFindings(w, p.Findings, col)
	renderOutputChanges(w, p.OutputChanges, col)
	if !p.HasChanges() {
		if p.Refreshed {
			fmt.Fprintln(w, "No changes. The live objects match the configuration.")
		} else {
			fmt.Fprintln(w, "No changes. The configuration matches the state (live objects were not read: -refresh=false).")
		}
		return
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s %s.\n", col.Bold("Plan:"), PlanSummary(p))
}

// PlanSummary is the counts of the Plan: line: "1 to import, 2 to add, 0 to change,
// 0 to destroy", the imports (objects found live that state will record) only when
// there are some, as Terraform does.
func PlanSummary(p *planner.Plan) string {
	add, change, destroy := p.Counts()
	s := fmt.Sprintf("%d to add, %d to change, %d to destroy", add, change, destroy)
	if n := imports(p); n > 0 {
		s = fmt.Sprintf("%d to import, %s", n, s)
	}
	return s
}

// imports counts the objects a plan adopts into state.
func imports(p *planner.Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Adopt {
			n++
		}
	}
	return n
}

// legend is every action symbol with what it means, in Terraform's order.
var legend = []struct {
	action planner.Action
	text   string
}{
	{planner.Create, "create"},
	{planner.Update, "update in place"},
	{planner.Delete, "destroy"},
	{planner.Replace, "destroy and then create replacement"},
}

// renderHeader names the provider targets (so a sandbox plan never looks like a
// production one) and explains the symbols the plan uses.
func renderHeader(w io.Writer, p *planner.Plan, col Colors) {
	if len(p.Targets) > 0 {
		var ts []string
		for _, t := range p.Targets {
			ts = append(ts, targetText(t))
		}
		fmt.Fprintf(w, "Planned against: %s\n\n", strings.Join(ts, "; "))
	}
	if rv := reverted(p); len(rv) > 0 {
		fmt.Fprintln(w, "Objects have changed outside mailform; this plan changes them back:")
		for _, r := range rv {
			fmt.Fprintf(w, "    %s\n", r)
		}
		fmt.Fprintln(w)
	}
	used := map[planner.Action]bool{}
	for _, c := range p.Changes {
		used[c.Action] = true
	}
	var lines []string
	for _, l := range legend {
		if used[l.action] {
			lines = append(lines, fmt.Sprintf("%s %s", col.action(l.action, fmt.Sprintf("%3s", l.action.Symbol())), l.text))
		}
	}
	if len(lines) > 0 {
		fmt.Fprintln(w, "Resource actions are indicated with the following symbols:")
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "mailform will perform the following actions:")
		fmt.Fprintln(w)
	}
}

// targetText describes one provider target: "sandbox (dir = .sandbox)".
func targetText(t planner.Target) string {
	if len(t.Settings) == 0 {
		return t.Name
	}
	var parts []string
	for _, s := range t.Settings {
		parts = append(parts, s[0]+" = "+s[1])
	}
	return t.Name + " (" + strings.Join(parts, ", ") + ")"
}

// reverted lists, per change, the attributes someone changed outside mailform that
// the plan sets back to the configuration.
func reverted(p *planner.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if len(c.Reverts) > 0 {
			out = append(out, fmt.Sprintf("%s: %s", c.Address, strings.Join(c.Reverts, ", ")))
		}
	}
	return out
}

// renderFindings writes the configuration warnings kept with a plan, each with the
// rule, where it points and what to do.
func renderFindings(w io.Writer, fs []planner.Finding, col Colors) {
	for _, f := range fs {
		fmt.Fprintf(w, "%s %s\n", col.Yellow("Warning:"), findingTitle(f))
		if f.File != "" {
			fmt.Fprintf(w, "  on %s line %d\n", f.File, f.Line)
		}
		if f.Detail != "" {
			fmt.Fprintf(w, "  %s\n", f.Detail)
		}
		fmt.Fprintln(w)
	}
}

// findingTitle is a finding's rule and summary: "[SPF-NO-ALL] …".
func findingTitle(f planner.Finding) string {
	if f.Rule == "" {
		return f.Summary
	}
	return "[" + f.Rule + "] " + f.Summary
}

// attrLine is one attribute of a rendered block: the mark, the name (padded to the
// block's widest so the "=" align) and the rest of the line; more lines follow a
// collection that opens with "[".
type attrLine struct {
	mark, name, value string
	more              []string
}

// identifying returns the attributes that say which object an update is about:
// the identity (email; zone, name and type), or the id and name of a department.
func identifying(t *model.Type) []string {
	if len(t.Identity) > 0 {
		return t.Identity
	}
	if t.Attr("id") != nil {
		return []string{"id", "name"}
	}
	return nil
}

// renderBaseline says that an adopted object's secrets are left as they are live.
func renderBaseline(w io.Writer, c *planner.Change) {
	if len(c.Baseline) > 0 {
		fmt.Fprintf(w, "  # (%s: unknown live, not set; the configured value is recorded as the baseline, and only a change of it in the configuration sets it)\n", strings.Join(c.Baseline, ", "))
	}
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
	if c.Scope != nil {
		fmt.Fprintf(w, "  # (%s)\n", ScopeText(c.Scope))
	}
	if c.Adopt {
		fmt.Fprintf(w, "  # (found live with id %s; it will be recorded in state)\n", c.ID)
		renderBaseline(w, c)
	}
	if len(c.Reverts) > 0 {
		fmt.Fprintf(w, "  # (changed outside mailform: %s; this sets it back to the configuration)\n", strings.Join(c.Reverts, ", "))
	}
	sym := col.action(c.Action, c.Action.Symbol())
	name, _, _ := strings.Cut(c.Label, "[")
	fmt.Fprintf(w, "  %s %s %q {\n", sym, c.Type, name)
	t := model.Lookup(c.Type)
	rtype := c.After.Str("type")
	if rtype == "" {
		rtype = c.Before.Str("type")
	}
	var ls []attrLine
	hidden := 0
	switch c.Action {
	case planner.Create:
		for _, a := range t.Attrs {
			v, ok := c.After[a.Name]
			if !ok || v == nil {
				continue
			}
			ls = append(ls, attrLine{mark: col.Green("+"), name: a.Name, value: formatRef(a, sortRecords(a.Name, rtype, v), names)})
		}
	case planner.Delete:
		for _, a := range t.Attrs {
			v, ok := c.Before[a.Name]
			if !ok || v == nil || isZero(v) {
				continue
			}
			ls = append(ls, attrLine{mark: col.Red("-"), name: a.Name, value: formatRef(a, sortRecords(a.Name, rtype, v), names)})
		}
	default:
		changed := map[string]bool{}
		for _, ch := range c.Attrs {
			changed[ch.Name] = true
		}
		shown := map[string]bool{}
		for _, n := range identifying(t) {
			v := c.After[n]
			if v == nil || model.IsUnknown(v) {
				v = c.Before[n]
			}
			if changed[n] || v == nil || isZero(v) {
				continue
			}
			shown[n] = true
			ls = append(ls, attrLine{mark: " ", name: n, value: formatRef(t.Attr(n), v, names)})
		}
		for _, a := range t.Attrs {
			if v := c.After[a.Name]; !changed[a.Name] && !shown[a.Name] && v != nil && !isZero(v) && !a.WriteOnly {
				hidden++
			}
		}
		for _, ch := range c.Attrs {
			ls = append(ls, changeLine(t.Attr(ch.Name), ch, rtype, col, names))
		}
	}
	width := 0
	for _, l := range ls {
		if len(l.name) > width {
			width = len(l.name)
		}
	}
	for _, l := range ls {
		fmt.Fprintf(w, "      %s %-*s = %s\n", l.mark, width, l.name, l.value)
		for _, m := range l.more {
			fmt.Fprintln(w, m)
		}
	}
	if hidden > 0 {
		fmt.Fprintf(w, "        # (%d unchanged attribute%s hidden)\n", hidden, plural(hidden))
	}
	fmt.Fprintln(w, "    }")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// changeLine renders one attribute change of an update or replace.
func changeLine(a *model.Attr, ch model.AttrChange, rtype string, col Colors, names map[string]string) attrLine {
	l := attrLine{mark: col.Yellow("~"), name: ch.Name}
	suffix := ""
	if ch.ForcesReplacement {
		suffix = col.Red(" # forces replacement")
	}
	if ch.Sensitive {
		l.value = "(sensitive)" + suffix
		return l
	}
	if bs, ok := ch.Before.(string); ok {
		if as, ok := ch.After.(string); ok && (len(bs) > longString || len(as) > longString) {
			l.value = WordDiff(bs, as, col) + suffix
			return l
		}
	}
	if a != nil && a.Kind.IsCollection() {
		return setChangeLine(ch, rtype, col, suffix, names)
	}
	l.value = fmt.Sprintf("%s -> %s%s", formatRef(a, ch.Before, names), formatRef(a, ch.After, names), suffix)
	return l
}

func statusTo(c *planner.Change, v string) bool {
	for _, a := range c.Attrs {
		if a.Name == "status" && a.After == v {
			return true
		}
	}
	return false
}

// setChangeLine shows a collection change as the elements added and removed, with
// long elements (TXT values) as word diffs when one replaces another.
func setChangeLine(ch model.AttrChange, rtype string, col Colors, suffix string, names map[string]string) attrLine {
	l := attrLine{mark: col.Yellow("~"), name: ch.Name}
	if model.IsUnknown(ch.After) {
		l.value = "(known after apply)" + suffix
		return l
	}
	removed, added := setDelta(ch)
	removed, _ = sortRecords(ch.Name, rtype, removed).([]string)
	added, _ = sortRecords(ch.Name, rtype, added).([]string)
	l.value = "[" + suffix
	if len(removed) == 1 && len(added) == 1 && (len(removed[0]) > longString || len(added[0]) > longString) {
		l.more = append(l.more, fmt.Sprintf("          %s %s", col.Yellow("~"), WordDiff(removed[0], added[0], col)))
	} else {
		for _, s := range removed {
			l.more = append(l.more, fmt.Sprintf("          %s %s", col.Red("-"), refString(ch.Name, s, names)))
		}
		for _, s := range added {
			l.more = append(l.more, fmt.Sprintf("          %s %s", col.Green("+"), refString(ch.Name, s, names)))
		}
	}
	l.more = append(l.more, "        ]")
	return l
}

// sortRecords orders the records of an MX or SRV RRset by their numbers (preference;
// priority, weight, port) rather than as strings, so "5 mxbiz1" comes before
// "10 mxbiz2". Other values are returned as they are.
func sortRecords(attr, rtype string, v any) any {
	rs, ok := v.([]string)
	if attr != "records" || !ok || (rtype != "MX" && rtype != "SRV") {
		return v
	}
	nums := func(s string) []int {
		var out []int
		for _, f := range strings.Fields(s) {
			n, err := strconv.Atoi(f)
			if err != nil {
				break
			}
			out = append(out, n)
		}
		return out
	}
	out := append([]string(nil), rs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := nums(out[i]), nums(out[j])
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return out[i] < out[j]
	})
	return out
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
	// OutputChanges are how the root outputs change, by name (docs/plan-json.md).
	OutputChanges map[string]planner.OutputChange `json:"output_changes,omitempty"`
}

// JSONSummary counts the changes.
type JSONSummary struct {
	// Import counts the objects found live that apply records in state.
	Import  int `json:"import"`
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

// JSONChange is one instance's change in the JSON plan.
type JSONChange struct {
	Address  string `json:"address"`
	Type     string `json:"type"`
	Provider string `json:"provider"`
	Action   string `json:"action"`
	Adopt    bool   `json:"adopt,omitempty"`
	// Baseline names an adopted object's secrets recorded from the configuration
	// without being set (their live values cannot be read).
	Baseline []string `json:"secret_baseline,omitempty"`
	// Rehash names the secrets whose stored hash apply upgrades in state only.
	Rehash []string `json:"rehash,omitempty"`
	Reason string   `json:"reason,omitempty"`
	// Reverts names the attributes changed outside mailform that the change sets back.
	Reverts []string `json:"reverts_outside,omitempty"`
	// AppliesTo is, for a send_restriction or backup_rule, who it covers.
	AppliesTo *planner.Scope   `json:"applies_to,omitempty"`
	Before    map[string]any   `json:"before,omitempty"`
	After     map[string]any   `json:"after,omitempty"`
	Changed   []JSONAttrChange `json:"changed_attributes,omitempty"`
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
	jp := JSONPlan{FormatVersion: "1", Lineage: p.Lineage, Serial: p.Serial, Summary: JSONSummary{imports(p), add, change, destroy}, Moves: p.Moves, Changes: []JSONChange{},
		Findings: append([]planner.Finding{}, p.Findings...)}
	for _, c := range p.Changes {
		t := model.Lookup(c.Type)
		jc := JSONChange{Address: c.Address, Type: c.Type, Provider: c.Provider, Action: string(c.Action), Adopt: c.Adopt, Baseline: c.Baseline, Rehash: c.Rehash, Reason: c.Reason, Reverts: c.Reverts,
			AppliesTo: c.Scope, Before: jsonObject(t.Attrs, c.Before), After: jsonObject(t.Attrs, c.After)}
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
	if len(p.OutputChanges) > 0 {
		jp.OutputChanges = map[string]planner.OutputChange{}
		for _, oc := range p.OutputChanges {
			jp.OutputChanges[oc.Name] = oc
		}
	}
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
