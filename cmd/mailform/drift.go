package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

func newDriftCmd() *cobra.Command {
	var vf varFlags
	var asJSON bool
	var ignore []string
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Report changes made outside mailform, configuration not yet applied, and unmanaged live objects (read-only)",
		Long: `drift compares the live objects with the last applied state, the configuration with
the last applied state, and the live collections with both, and reports the three
kinds of difference separately. It never writes the state or a provider.
Exit status: 0 no drift, 2 drift, 1 error (an unreachable provider is an error, never drift).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := open(&vf)
			if err != nil {
				return err
			}
			defer w.Close()
			// No state lock: drift must neither wait for nor block an apply, and the
			// backend saves by atomic rename, so an unlocked read is always a whole state.
			st, err := w.Backend.Load()
			if err != nil {
				return fail("%v", err)
			}
			now, err := workspace.Now()
			if err != nil {
				return fail("%v", err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			rp := &readProgress{w: os.Stderr, running: map[string]time.Time{}, interval: stillInterval()}
			stopTicker := rp.tick()
			rep, diags := planner.DetectDrift(ctx, planner.DriftOptions{
				Config: w.Config, Vars: w.Vars, State: st, Providers: w.Providers, Ignore: ignore, Now: now, Reads: rp.event,
			})
			stopTicker()
			if err := report(diags, w.Config.Files); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := views.WriteJSON(out, views.DriftToJSON(rep)); err != nil {
					return fail("%v", err)
				}
			} else {
				views.RenderDrift(out, rep, views.Colors{On: colorOn(os.Stdout)}, !inAutomation())
				if !inAutomation() {
					views.RenderRefreshOnlyHint(out, rep)
				}
			}
			if rep.HasDrift() {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	vf.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (docs/drift-json.md)")
	cmd.Flags().StringArrayVar(&ignore, "ignore", nil, "never report this address, resource or address.attribute (repeatable)")
	return cmd
}
