package main

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/views"
)

func newVerifyCmd() *cobra.Command {
	var v varFlags
	var server string
	var asJSON bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Ask the authoritative DNS servers whether the declared records are live as configured",
		Long: "verify asks the authoritative servers of every declared zone — the -server given, the\n" +
			"rfc2136 provider's server, or the zone's NS records — for each declared RRset, without\n" +
			"recursion. Exit 0 when all match, 2 when any is missing or different, 1 on errors.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := open(&v)
			if err != nil {
				return err
			}
			defer w.Close()
			insts, diags := planner.DesiredInstances(w.Config, w.Vars, w.Providers)
			if err := report(diags, w.Config.Files); err != nil {
				return err
			}
			rs := planner.Verify(context.Background(), insts, w.Providers, planner.VerifyOptions{Server: server, Timeout: timeout})
			if asJSON {
				if err := views.WriteJSON(cmd.OutOrStdout(), views.VerifyToJSON(rs)); err != nil {
					return fail("%v", err)
				}
			} else {
				views.RenderVerify(cmd.OutOrStdout(), rs, views.Colors{On: colorOn(os.Stdout)})
			}
			s := views.VerifySummary(rs)
			switch {
			case s.Errors > 0:
				return &exitError{code: 1}
			case s.Missing+s.Different+s.TTLDiffers > 0:
				return &exitError{code: 2}
			}
			return nil
		},
	}
	v.add(cmd)
	cmd.Flags().StringVar(&server, "server", "", "ask this server (HOST:PORT) for every zone instead of the provider's server or the zone's NS")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a machine-readable report")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for one answer")
	return cmd
}
