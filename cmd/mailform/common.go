package main

import (
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

// varFlags are -var and -var-file, shared by the commands that evaluate.
type varFlags struct {
	vars  []string
	files []string
}

func (v *varFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&v.vars, "var", nil, "set a variable: -var name=value (repeatable)")
	cmd.Flags().StringArrayVar(&v.files, "var-file", nil, "read variables from a *.mfvars.hcl file (repeatable)")
}

func (v varFlags) inputs() schema.VarInputs { return schema.VarInputs{Vars: v.vars, Files: v.files} }

// report prints diagnostics to stderr and returns an exit error when any is an error.
func report(diags hcl.Diagnostics, files map[string]*hcl.File) error {
	views.RenderDiags(os.Stderr, diags, files, views.Colors{On: colorOn(os.Stderr)})
	if diags.HasErrors() {
		return &exitError{code: 1}
	}
	return nil
}

func filesOf(w *workspace.Workspace) map[string]*hcl.File {
	if w == nil || w.Config == nil {
		return nil
	}
	return w.Config.Files
}

// open opens the current directory as a workspace and reports its diagnostics.
func open(v *varFlags) (*workspace.Workspace, error) {
	w, diags := workspace.Open(".", v.inputs())
	if err := report(diags, filesOf(w)); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// lock takes the state lock for an operation and returns its release.
func lock(w *workspace.Workspace, op string, timeout time.Duration) (func(), error) {
	info := state.NewLockInfo(op)
	if err := w.Backend.Lock(info, timeout); err != nil {
		return nil, &exitError{1, "Error: " + err.Error()}
	}
	return func() {
		if err := w.Backend.Unlock(info.ID); err != nil {
			fmt.Fprintln(os.Stderr, "Warning: releasing the state lock:", err)
		}
	}, nil
}

func fail(format string, args ...any) error {
	return &exitError{1, "Error: " + fmt.Sprintf(format, args...)}
}
