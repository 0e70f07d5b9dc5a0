package views

import (
	"fmt"
	"io"

	"github.com/mailform/mailform/planner"
)

// RenderRefreshOnly prints a refresh-only plan: the outside changes that applying it
// records in state.
func RenderRefreshOnly(w io.Writer, r *planner.DriftReport, col Colors) {
	if !r.HasDrift() {
		fmt.Fprintln(w, "No changes. The state matches the live objects: there is nothing to record.")
		return
	}
	fmt.Fprintf(w, "%s\n\n", col.Bold("Objects have changed outside of mailform:"))
	for _, it := range r.Items {
		renderDriftItem(w, it, col)
	}
	fmt.Fprintf(w, "\nThis is a refresh-only plan: applying it records %s in state as %s live, and changes no live object. "+
		"Where the configuration still differs, the next plan will change the live objects back; update the configuration to keep them.\n", changesPhrase(len(r.Items)), isAre(len(r.Items)))
}

// RenderRefreshOnlyHint tells a drift report's reader how to accept the outside
// changes it found, when there are some that state can accept.
func RenderRefreshOnlyHint(w io.Writer, r *planner.DriftReport) {
	n := 0
	for _, it := range r.Items {
		if planner.Acceptable(it) {
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(w, "To accept the %s into state without touching live objects (after copying them into the configuration, if they are to stay), run: mailform apply -refresh-only\n", outsidePhrase(n))
	}
}

// changesPhrase is "this change" or "these N changes".
func changesPhrase(n int) string {
	if n == 1 {
		return "this change"
	}
	return fmt.Sprintf("these %d changes", n)
}

// outsidePhrase is "outside change" or "N outside changes".
func outsidePhrase(n int) string {
	if n == 1 {
		return "outside change"
	}
	return fmt.Sprintf("%d outside changes", n)
}

func isAre(n int) string {
	if n == 1 {
		return "it is"
	}
	return "they are"
}
