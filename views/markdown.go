package views

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
)

// markdownColumns are the actions of the summary table, in column order.
var markdownColumns = []struct {
	title string
	count func(c *planner.Change) bool
}{
	{"Add", func(c *planner.Change) bool { return c.Action == planner.Create }},
	{"Change", func(c *planner.Change) bool { return c.Action == planner.Update }},
	{"Replace", func(c *planner.Change) bool { return c.Action == planner.Replace }},
	{"Destroy", func(c *planner.Change) bool { return c.Action == planner.Delete }},
	{"Adopt", func(c *planner.Change) bool { return c.Adopt }},
}

// MarkdownLimit is the most characters RenderMarkdown writes: a GitHub comment holds
// 65,536, and the rest is left for a CI job's own lines.
var MarkdownLimit = 60000

// RenderMarkdown writes a plan as GitHub-flavoured Markdown for a pull-request
// comment: a headline, the provider targets, the findings, a table of changes by
// type and action, then one collapsed <details> section per type with each
// instance's attribute changes as a diff. Sensitive values are never shown. A plan
// whose comment would pass MarkdownLimit keeps the table and the riskiest changes
// (deletes, replaces, freezes and offboarding, DNS, reverted outside changes) in
// full and counts the rest, pointing at the full plan.
func RenderMarkdown(w io.Writer, p *planner.Plan) {
	var full strings.Builder
	renderMarkdown(&full, p, nil)
	if full.Len() <= MarkdownLimit {
		io.WriteString(w, full.String())
		return
	}
	var risky []*planner.Change
	for _, c := range p.Changes {
		if riskyChange(c) {
			risky = append(risky, c)
		}
	}
	// Keep as many of the risky changes as fit, dropping from the end.
	for n := len(risky); ; n = n * 3 / 4 {
		var b strings.Builder
		renderMarkdown(&b, p, &summarised{keep: risky[:n], total: full.Len(), dropped: len(risky) - n})
		if b.Len() <= MarkdownLimit || n == 0 {
			io.WriteString(w, b.String())
			return
		}
	}
}

// summarised is how a plan too long for a comment is cut down: the changes kept in
// full, the length of the full rendering, and how many risky changes did not fit.
type summarised struct {
	keep    []*planner.Change
	total   int
	dropped int
}

// riskyChange reports whether a reviewer must see a change even in a summarised
// plan: it loses data, locks someone out, changes mail routing, or undoes someone's
// edit.
func riskyChange(c *planner.Change) bool {
	switch {
	case c.Action == planner.Delete, c.Action == planner.Replace:
		return true
	case c.Offboard != "" && c.Offboard != "pending" && c.Offboard != "done":
		return true
	case c.Action == planner.Update && (statusTo(c, "frozen") || statusTo(c, "departed")):
		return true
	case c.Type == "dns_record" && c.Action != planner.NoOp:
		return true
	case len(c.Reverts) > 0:
		return true
	}
	return false
}

func renderMarkdown(w io.Writer, p *planner.Plan, sum *summarised) {
	if !p.HasChanges() {
		fmt.Fprintln(w, "### mailform plan: no changes")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "The live objects match the configuration.")
		markdownFindings(w, p.Findings)
		return
	}
	fmt.Fprintf(w, "### mailform plan: %s\n\n", PlanSummary(p))
	if len(p.Targets) > 0 {
		var ts []string
		for _, t := range p.Targets {
			ts = append(ts, "`"+mdEscape(targetText(t))+"`")
		}
		fmt.Fprintf(w, "Planned against: %s\n\n", strings.Join(ts, ", "))
	}
	byType := map[string][]*planner.Change{}
	for _, c := range p.Changes {
		if c.Action == planner.NoOp && !c.Adopt && c.Reason == "" && len(c.Rehash) == 0 {
			continue
		}
		byType[c.Type] = append(byType[c.Type], c)
	}
	var types []string
	for _, t := range model.Types() {
		if len(byType[t.Name]) > 0 {
			types = append(types, t.Name)
		}
	}
	fmt.Fprint(w, "| Type |")
	for _, col := range markdownColumns {
		fmt.Fprintf(w, " %s |", col.title)
	}
	fmt.Fprint(w, "\n|---|")
	for range markdownColumns {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, t := range types {
		fmt.Fprintf(w, "| `%s` |", t)
		for _, col := range markdownColumns {
			n := 0
			for _, c := range byType[t] {
				if col.count(c) {
					n++
				}
			}
			fmt.Fprintf(w, " %d |", n)
		}
		fmt.Fprintln(w)
	}
	if len(p.Moves) > 0 {
		fmt.Fprintln(w)
		for _, m := range p.Moves {
			fmt.Fprintf(w, "- `%s` moves to `%s` (state only)\n", m.From, m.To)
		}
	}
	for _, wn := range p.Warnings {
		fmt.Fprintf(w, "\n> **Warning:** %s\n", wn)
	}
	markdownFindings(w, p.Findings)
	if rv := reverted(p); len(rv) > 0 {
		fmt.Fprintln(w, "\n**Changed outside mailform; this plan changes them back:**")
		fmt.Fprintln(w)
		for _, r := range rv {
			fmt.Fprintf(w, "- `%s`\n", mdEscape(r))
		}
	}
	if sum != nil {
		fmt.Fprintf(w, "\n> **This plan is summarised:** in full it is %d characters, more than a comment holds. "+
			"Deletes, replacements, freezes and offboarding, DNS changes and reverted outside changes are shown below; "+
			"the other changes are only counted in the table. Read the whole plan in the saved plan artifact with "+
			"`mailform show PLANFILE`.\n", sum.total)
		if sum.dropped > 0 {
			fmt.Fprintf(w, ">\n> %d more of those changes did not fit either; they are in the saved plan too.\n", sum.dropped)
		}
		kept := map[*planner.Change]bool{}
		for _, c := range sum.keep {
			kept[c] = true
		}
		for t, cs := range byType {
			var keep []*planner.Change
			for _, c := range cs {
				if kept[c] {
					keep = append(keep, c)
				}
			}
			byType[t] = keep
		}
	}
	for _, t := range types {
		cs := byType[t]
		if len(cs) == 0 {
			continue
		}
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].Address < cs[j].Address })
		fmt.Fprintf(w, "\n<details><summary><code>%s</code>: %s</summary>\n\n```diff\n", t, typeSummary(cs))
		for _, c := range cs {
			markdownChange(w, c)
		}
		fmt.Fprint(w, "```\n\n</details>\n")
	}
}

// markdownFindings writes the configuration warnings as quoted blocks, where the
// reviewer reads them before the changes.
func markdownFindings(w io.Writer, fs []planner.Finding) {
	for _, f := range fs {
		fmt.Fprintf(w, "\n> **Warning:** %s", mdEscape(findingTitle(f)))
		if f.File != "" {
			fmt.Fprintf(w, " (`%s` line %d)", f.File, f.Line)
		}
		fmt.Fprintln(w)
		if f.Detail != "" {
			fmt.Fprintf(w, "> %s\n", mdEscape(f.Detail))
		}
	}
}

// mdEscape keeps text from a finding on its line and from being read as HTML.
func mdEscape(s string) string {
	return strings.NewReplacer("\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// typeSummary counts one type's changes in words: "2 to add, 1 to change".
func typeSummary(cs []*planner.Change) string {
	var parts []string
	for _, col := range markdownColumns {
		n := 0
		for _, c := range cs {
			if col.count(c) {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n, strings.ToLower(col.title)))
		}
	}
	if len(parts) == 0 {
		return "state only"
	}
	return strings.Join(parts, ", ")
}

// markdownBaseline notes an adopted object's secrets, kept as they are live.
func markdownBaseline(w io.Writer, c *planner.Change) {
	if len(c.Baseline) > 0 {
		fmt.Fprintf(w, "#   %s: unknown live, not set; the configured value is recorded as the baseline\n", strings.Join(c.Baseline, ", "))
	}
}

// markdownChange writes one change as diff lines: + for added values, - for removed
// ones, ! for a sensitive value that changes, # for a note.
func markdownChange(w io.Writer, c *planner.Change) {
	t := model.Lookup(c.Type)
	switch {
	case c.Action == planner.NoOp && c.Adopt:
		fmt.Fprintf(w, "# %s: exists live (id %s), will be recorded in state\n", c.Address, c.ID)
		markdownBaseline(w, c)
		return
	case c.Action == planner.NoOp && c.Reason == "" && len(c.Rehash) > 0:
		fmt.Fprintf(w, "# %s: the stored hash of its %s will be upgraded in state\n", c.Address, strings.Join(c.Rehash, ", "))
		return
	case c.Action == planner.NoOp:
		fmt.Fprintf(w, "# %s: %s\n", c.Address, c.Reason)
		return
	}
	fmt.Fprintf(w, "%s %s (%s)\n", markdownMark(c.Action), c.Address, c.Action)
	if c.Reason != "" {
		fmt.Fprintf(w, "#   %s\n", c.Reason)
	}
	if c.Adopt {
		fmt.Fprintf(w, "#   found live with id %s; it will be recorded in state\n", c.ID)
		markdownBaseline(w, c)
	}
	if len(c.Reverts) > 0 {
		fmt.Fprintf(w, "#   changed outside mailform: %s; this sets it back\n", strings.Join(c.Reverts, ", "))
	}
	rtype := c.After.Str("type")
	if rtype == "" {
		rtype = c.Before.Str("type")
	}
	switch c.Action {
	case planner.Create:
		for _, a := range t.Attrs {
			if v, ok := c.After[a.Name]; ok && v != nil {
				fmt.Fprintf(w, "+     %s = %s\n", a.Name, formatAttr(a, sortRecords(a.Name, rtype, v)))
			}
		}
	case planner.Delete:
		for _, a := range t.Attrs {
			if v, ok := c.Before[a.Name]; ok && v != nil && !isZero(v) {
				fmt.Fprintf(w, "-     %s = %s\n", a.Name, formatAttr(a, sortRecords(a.Name, rtype, v)))
			}
		}
	default:
		for _, ch := range c.Attrs {
			a := t.Attr(ch.Name)
			note := ""
			if ch.ForcesReplacement {
				note = " # forces replacement"
			}
			if ch.Sensitive {
				fmt.Fprintf(w, "!     %s = (sensitive)%s\n", ch.Name, note)
				continue
			}
			if a != nil && a.Kind.IsCollection() && !model.IsUnknown(ch.After) {
				removed, added := setDelta(ch)
				fmt.Fprintf(w, "!     %s:%s\n", ch.Name, note)
				for _, s := range removed {
					fmt.Fprintf(w, "-         %q\n", s)
				}
				for _, s := range added {
					fmt.Fprintf(w, "+         %q\n", s)
				}
				continue
			}
			fmt.Fprintf(w, "-     %s = %s%s\n", ch.Name, formatAttr(a, ch.Before), note)
			fmt.Fprintf(w, "+     %s = %s\n", ch.Name, formatAttr(a, ch.After))
		}
	}
}

func markdownMark(a planner.Action) string {
	switch a {
	case planner.Create:
		return "+"
	case planner.Delete, planner.Replace:
		return "-"
	}
	return "!"
}

// setDelta returns the elements a collection change removes and adds.
func setDelta(ch model.AttrChange) (removed, added []string) {
	before, _ := ch.Before.([]string)
	after, _ := ch.After.([]string)
	inB, inA := map[string]bool{}, map[string]bool{}
	for _, s := range before {
		inB[s] = true
	}
	for _, s := range after {
		inA[s] = true
	}
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
	return removed, added
}
