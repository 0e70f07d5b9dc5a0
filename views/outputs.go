package views

import (
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2/hclwrite"

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
