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

// varFlags are -var and -var-file, shared by the commands that evaluate, kept in
// command-line order because a later option wins over an earlier one of either kind.
type varFlags struct {
	args []schema.VarArg
}

func (v *varFlags) add(cmd *cobra.Command) {
	cmd.Flags().Var(varArgFlag{v, false}, "var", "set a variable: -var name=value (repeatable)")
	cmd.Flags().Var(varArgFlag{v, true}, "var-file", "read variables from a *.mfvars.hcl file (repeatable)")
}

func (v varFlags) inputs() schema.VarInputs { return schema.VarInputs{Args: v.args} }

// varArgFlag appends one -var or -var-file option to the shared ordered list.
type varArgFlag struct {
	v    *varFlags
	file bool
}

func (f varArgFlag) String() string { return "" }

func (f varArgFlag) Set(s string) error {
	f.v.args = append(f.v.args, schema.VarArg{File: f.file, Value: s})
	return nil
}

func (f varArgFlag) Type() string { return "stringArray" }

// report prints diagnostics to stderr and returns an exit error when any is an error.
func report(diags hcl.Diagnostics, files map[string]*hcl.File) error {
	views.RenderDiags(os.Stderr, views.SortDiags(diags), files, views.Colors{On: colorOn(os.Stderr)})
	if diags.HasErrors() {
		return &exitError{code: 1}
	}
	return nil
}

func filesOf(w *workspace.Workspace) map[string]*hcl.File {
	if w == nil {
		return nil
	}
	return configFiles(w.Config)
}

// configFiles is the parsed files of cfg for diagnostics, nil for no configuration.
func configFiles(cfg *schema.Config) map[string]*hcl.File {
	if cfg == nil {
		return nil
	}
	return cfg.Files
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
