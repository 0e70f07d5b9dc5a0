package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

func newValidateCmd() *cobra.Command {
	var v varFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration and lint its DNS without contacting providers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// validate never contacts a provider, so it needs no credentials.
			w, diags := workspace.OpenOffline(".", v.inputs())
			defer w.Close()
			if !diags.HasErrors() {
				diags = append(diags, planner.Validate(w.Config, w.Vars, w.Providers)...)
			}
			if asJSON {
				// Everything on stdout as one document; the exit code still says.
				if err := views.WriteJSON(cmd.OutOrStdout(), views.ValidationToJSON(views.SortDiags(diags))); err != nil {
					return fail("%v", err)
				}
				if diags.HasErrors() {
					return &exitError{code: 1}
				}
				return nil
			}
			if err := report(diags, filesOf(w)); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Success! The configuration is valid.")
			return nil
		},
	}
	v.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON (the shape of terraform validate -json) for editors and CI")
	return cmd
}
