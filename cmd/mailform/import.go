package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/workspace"
)

func newImportCmd() *cobra.Command {
	var vf varFlags
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "import ADDRESS ID",
		Short: "Record an existing live object in state under a configured address",
		Long: `import finds the live object ID with the provider that serves ADDRESS and records it in
state there, with its live attributes, without changing it. ADDRESS must exist in the
configuration (write the block first). IDs: an account or group by its email address,
a department by its provider id, a dns_record by zone/name/TYPE (example.com/@/MX), a
domain by its name, a send_restriction or backup_rule by its name.
Afterwards run mailform plan: it shows where the configuration differs from the object.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := open(&vf)
			if err != nil {
				return err
			}
			defer w.Close()
			unlock, err := lock(w, "import", lockTimeout)
			if err != nil {
				return err
			}
			defer unlock()
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
			r, diags := planner.ImportObject(ctx, planner.ImportOptions{
				Config: w.Config, Vars: w.Vars, State: st, Providers: w.Providers,
				Address: args[0], ID: args[1], Now: now,
			})
			if err := report(diags, w.Config.Files); err != nil {
				return err
			}
			sw := state.NewWriter(w.Backend, st)
			serr := sw.Commit(func(s *state.State) { s.Set(r) })
			if cerr := sw.Close(); serr == nil {
				serr = cerr
			}
			if serr != nil {
				return fail("saving state: %v", serr)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Imported %s (provider %s, id %s).\n", r.Address, r.Provider, r.ID)
			for _, a := range model.Lookup(r.Type).Attrs {
				if a.WriteOnly && r.Attrs.Str(a.Name) != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "Its %s cannot be read and was not changed: the configured value is recorded as the baseline, and only a change of it in the configuration sets it.\n", a.Name)
				}
			}
			if !inAutomation() {
				fmt.Fprintln(cmd.OutOrStdout(), "Run mailform plan to see where the configuration differs from the live object.")
			}
			return nil
		},
	}
	vf.add(cmd)
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", 0, "wait this long for the state lock")
	return cmd
}
