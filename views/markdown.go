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

// RenderMarkdown writes a plan as GitHub-flavoured Markdown for a pull-request
// comment: a headline, a table of changes by type and action, then one collapsed
// <details> section per type with each instance's attribute changes as a diff.
// Sensitive values are never shown.
func RenderMarkdown(w io.Writer, p *planner.Plan) {
	add, change, destroy := p.Counts()
	if !p.HasChanges() {
		fmt.Fprintln(w, "### mailform plan: no changes")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "The live objects match the configuration.")
		markdownFindings(w, p.Findings)
		return
	}
	fmt.Fprintf(w, "### mailform plan: %d to add, %d to change, %d to destroy\n\n", add, change, destroy)
	byType := map[string][]*planner.Change{}
	for _, c := range p.Changes {
		if c.Action == planner.NoOp && !c.Adopt && c.Reason == "" {
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
	for _, t := range types {
		cs := byType[t]
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

// markdownChange writes one change as diff lines: + for added values, - for removed
// ones, ! for a sensitive value that changes, # for a note.
func markdownChange(w io.Writer, c *planner.Change) {
	t := model.Lookup(c.Type)
	switch {
	case c.Action == planner.NoOp && c.Adopt:
		fmt.Fprintf(w, "# %s: exists live (id %s), will be recorded in state\n", c.Address, c.ID)
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
	}
	switch c.Action {
	case planner.Create:
		for _, a := range t.Attrs {
			if v, ok := c.After[a.Name]; ok && v != nil {
				fmt.Fprintf(w, "+     %s = %s\n", a.Name, formatAttr(a, v))
			}
		}
	case planner.Delete:
		for _, a := range t.Attrs {
			if v, ok := c.Before[a.Name]; ok && v != nil && !isZero(v) {
				fmt.Fprintf(w, "-     %s = %s\n", a.Name, formatAttr(a, v))
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
