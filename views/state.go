package views

import (
	"fmt"
	"io"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/state"
)

// RenderStateResource prints one state entry with its attributes; hashed secrets
// print as (sensitive).
func RenderStateResource(w io.Writer, r *state.Resource) {
	fmt.Fprintf(w, "# %s (provider %s, id %s)\n", r.Address, r.Provider, r.ID)
	if r.Pending != "" {
		fmt.Fprintf(w, "# pending %s: not confirmed; the next plan looks it up\n", r.Pending)
	}
	if r.FrozenAt != nil {
		fmt.Fprintf(w, "# frozen at %s\n", r.FrozenAt.Format("2006-01-02 15:04 MST"))
	}
	t := model.Lookup(r.Type)
	if t == nil {
		return
	}
	for _, a := range t.Attrs {
		v, ok := r.Attrs[a.Name]
		if !ok || v == nil {
			continue
		}
		fmt.Fprintf(w, "    %s = %s\n", a.Name, formatAttr(a, v))
	}
	fmt.Fprintln(w)
}
