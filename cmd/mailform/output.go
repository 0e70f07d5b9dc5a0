package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

// storeOutputs records the outputs an apply evaluated in state.
func storeOutputs(writer *state.Writer, outs []planner.Output) error {
	so, err := planner.StateOutputs(outs)
	if err != nil {
		return fail("storing the outputs in state: %v", err)
	}
	if err := writer.Commit(func(s *state.State) { s.Outputs = so }); err != nil {
		return fail("storing the outputs in state: %v", err)
	}
	return nil
}

// saveChangedOutputs is apply with no resource changes: only when an output
// changed is state saved, with the new outputs, and they are printed.
func saveChangedOutputs(w *workspace.Workspace, st *state.State, p *planner.Plan, stdout io.Writer, col views.Colors) error {
	changed := false
	for _, c := range p.OutputChanges {
		changed = changed || c.Action != planner.NoOp
	}
	if !changed {
		return nil
	}
	outs, diags := planner.Outputs(planner.Options{Config: w.Config, Vars: w.Vars, State: st})
	if diags.HasErrors() {
		return report(diags, w.Config.Files)
	}
	so, err := planner.StateOutputs(outs)
	if err != nil {
		return fail("storing the outputs in state: %v", err)
	}
	st.Outputs = so
	if err := w.Backend.Save(st); err != nil {
		return fail("storing the outputs in state: %v", err)
	}
	fmt.Fprintf(stdout, "\n%s The new output values are stored in state; no live object was changed.\n", col.Green("Apply complete!"))
	views.RenderOutputs(stdout, outs, col)
	return nil
}

func newOutputCmd() *cobra.Command {
	var asJSON, raw bool
	cmd := &cobra.Command{
		Use:   "output [NAME]",
		Short: "Print the outputs the last apply stored in state",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON && raw {
				return fail("-json and -raw cannot be used together: choose one")
			}
			if raw && len(args) == 0 {
				return fail("-raw prints one output: give its name, as in mailform output -raw NAME")
			}
			w, diags := workspace.OpenOffline(".", schema.VarInputs{})
			if err := report(errorsOnly(diags), filesOf(w)); err != nil {
				w.Close()
				return err
			}
			defer w.Close()
			st, err := w.Backend.Load()
			if err != nil {
				return fail("%v", err)
			}
			if st.Serial == 0 && len(st.Resources) == 0 {
				return fail("no state yet in %s: run mailform apply first; outputs are stored by apply", describeBackend(w))
			}
			stdout := cmd.OutOrStdout()
			if len(args) == 0 {
				return printAllOutputs(stdout, st.Outputs, asJSON)
			}
			return printOutput(stdout, st.Outputs, args[0], asJSON, raw)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (sensitive values included)")
	cmd.Flags().BoolVar(&raw, "raw", false, "print one string, number or bool output as it is, without quotes, for scripts")
	return cmd
}

// describeBackend names where the state of w lives.
func describeBackend(w *workspace.Workspace) string {
	switch b := w.Backend.(type) {
	case interface{ Describe() string }:
		return b.Describe()
	case interface{ Path() string }:
		return b.Path()
	}
	return "the backend"
}

// jsonOutput is one output in `mailform output -json`.
type jsonOutput struct {
	Sensitive bool            `json:"sensitive"`
	Withheld  bool            `json:"withheld,omitempty"`
	Type      json.RawMessage `json:"type"`
	Value     json.RawMessage `json:"value"`
}

func printAllOutputs(w io.Writer, outs map[string]*state.OutputValue, asJSON bool) error {
	names := make([]string, 0, len(outs))
	for n := range outs {
		names = append(names, n)
	}
	sort.Strings(names)
	if asJSON {
		all := map[string]jsonOutput{}
		for _, n := range names {
			o := outs[n]
			all[n] = jsonOutput{Sensitive: o.Sensitive || o.Withheld, Withheld: o.Withheld, Type: o.Type, Value: o.Value}
		}
		return writeJSON(w, all)
	}
	if len(names) == 0 {
		fmt.Fprintln(os.Stderr, "Warning: no outputs found: the configuration has no output blocks, or apply has not stored them yet.")
		return nil
	}
	var list []planner.Output
	for _, n := range names {
		o := outs[n]
		v, err := planner.DecodeOutput(o)
		if err != nil {
			return fail("output %s in state does not decode: %v", n, err)
		}
		list = append(list, planner.Output{Name: n, Value: v, Sensitive: o.Sensitive || o.Withheld})
	}
	views.WriteOutputs(w, list)
	return nil
}

func printOutput(w io.Writer, outs map[string]*state.OutputValue, name string, asJSON, raw bool) error {
	o := outs[name]
	if o == nil {
		names := make([]string, 0, len(outs))
		for n := range outs {
			names = append(names, n)
		}
		msg := fmt.Sprintf("no output %q in state", name)
		if s := schema.DidYouMean(name, names); s != "" {
			msg += "." + s
		} else if len(names) == 0 {
			msg += "; the state holds no outputs (declare output blocks and run mailform apply)"
		} else {
			sort.Strings(names)
			msg += "; the outputs are: " + fmt.Sprint(names)
		}
		return fail("%s", msg)
	}
	if o.Withheld && (asJSON || raw) {
		return fail("output %q is made from a secret (a password, a provider secret or a sensitive variable); state never stores secrets in clear, so it cannot be printed: read the secret from where it comes from", name)
	}
	v, err := planner.DecodeOutput(o)
	if err != nil {
		return fail("output %s in state does not decode: %v", name, err)
	}
	switch {
	case asJSON:
		_, err := fmt.Fprintf(w, "%s\n", o.Value)
		return err
	case raw:
		if v.IsNull() {
			return fail("output %q is null: -raw has nothing to print", name)
		}
		switch v.Type() {
		case cty.String:
			_, err := io.WriteString(w, v.AsString())
			return err
		case cty.Number:
			_, err := fmt.Fprint(w, v.AsBigFloat().Text('f', -1))
			return err
		case cty.Bool:
			_, err := fmt.Fprint(w, v.True())
			return err
		}
		return fail("output %q is a %s: -raw prints only strings, numbers and bools; use mailform output -json %s", name, v.Type().FriendlyName(), name)
	case o.Sensitive || o.Withheld:
		fmt.Fprintln(w, "(sensitive)")
		fmt.Fprintf(os.Stderr, "Output %q is sensitive: mailform output -raw %s or -json %s prints its value.\n", name, name, name)
		return nil
	}
	views.WriteOutputValue(w, v)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
