package views

import (
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/planner"
)

// RenderOutputs prints output values after an apply; sensitive ones as (sensitive).
func RenderOutputs(w io.Writer, outs []planner.Output, col Colors) {
	if len(outs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n\n", col.Green("Outputs:"))
	for _, o := range outs {
		v := "(sensitive)"
		if !o.Sensitive {
			if !o.Value.IsWhollyKnown() {
				v = "(known after apply)"
			} else {
				val, _ := o.Value.Unmark()
				v = string(hclwrite.TokensForValue(val).Bytes())
			}
		}
		fmt.Fprintf(w, "%s = %s\n", o.Name, v)
	}
}

// renderOutputChanges prints, as Terraform does, the outputs a plan would change;
// nothing when none changes.
func renderOutputChanges(w io.Writer, cs []planner.OutputChange, col Colors) {
	var lines []string
	for _, c := range cs {
		v := "(known after apply)"
		switch {
		case c.Sensitive:
			v = "(sensitive)"
		case !c.AfterUnknown:
			v = string(c.After)
		}
		switch c.Action {
		case planner.Create:
			lines = append(lines, fmt.Sprintf("  %s %s = %s", col.Green("+"), c.Name, v))
		case planner.Update:
			before := "(sensitive)"
			if !c.Sensitive {
				before = string(c.Before)
			}
			lines = append(lines, fmt.Sprintf("  %s %s = %s -> %s", col.Yellow("~"), c.Name, before, v))
		case planner.Delete:
			lines = append(lines, fmt.Sprintf("  %s %s", col.Red("-"), c.Name))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "Changes to Outputs:")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
}

// WriteOutputs prints `name = value` lines, as `mailform output` does; sensitive
// values as (sensitive).
func WriteOutputs(w io.Writer, outs []planner.Output) {
	for _, o := range outs {
		v := "(sensitive)"
		if !o.Sensitive {
			val, _ := o.Value.Unmark()
			v = string(hclwrite.TokensForValue(val).Bytes())
		}
		fmt.Fprintf(w, "%s = %s\n", o.Name, v)
	}
}

// WriteOutputValue prints one value in HCL form.
func WriteOutputValue(w io.Writer, v cty.Value) {
	val, _ := v.UnmarkDeep()
	fmt.Fprintln(w, string(hclwrite.TokensForValue(val).Bytes()))
}
