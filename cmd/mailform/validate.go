package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/workspace"
)

func newValidateCmd() *cobra.Command {
	var v varFlags
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration and lint its DNS without contacting providers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// validate never contacts a provider, so it needs no credentials.
			w, diags := workspace.OpenOffline(".", v.inputs())
			if err := report(diags, filesOf(w)); err != nil {
				w.Close()
				return err
			}
			defer w.Close()
			if err := report(planner.Validate(w.Config, w.Vars, w.Providers), w.Config.Files); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Success! The configuration is valid.")
			return nil
		},
	}
	v.add(cmd)
	return cmd
}
