package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/views"
)

func newOffboardCmd() *cobra.Command {
	var f planFlags
	var handover string
	var retain int
	cmd := &cobra.Command{
		Use:   "offboard ADDRESS --handover-to ADDRESS [--retain-days N]",
		Short: "Mark an account as departed in the configuration and show the resulting plan",
		Long: "Rewrites the account's block (keeping comments and formatting) with status = \"departed\" and an\n" +
			"offboarding block, then prints the plan: the account is frozen at the next apply and deleted,\n" +
			"with its address moved to the handover account as an alias, once the retention has passed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if handover == "" {
				return fail("--handover-to is required: name the colleague whose mailbox receives the mail")
			}
			if retain < planner.RetainMin || retain > planner.RetainMax {
				fmt.Fprintf(os.Stderr, "Warning: --retain-days %d is outside the usual policy of %d to %d days.\n", retain, planner.RetainMin, planner.RetainMax)
			}
			edit, err := schema.OffboardAccount(".", args[0], handover, retain)
			if err != nil {
				return fail("%v", err)
			}
			out := cmd.OutOrStdout()
			if edit.CSV {
				fmt.Fprintf(out, "Updated the row of %s in %s: status departed, hand over to %s, delete after %d days.\n\n", args[0], edit.File, handover, retain)
			} else {
				fmt.Fprintf(out, "Updated %s in %s: status = \"departed\", hand over to %s, delete after %d days.\n\n", edit.Address, edit.File, handover, retain)
			}
			w, err := open(&f.varFlags)
			if err != nil {
				return err
			}
			defer w.Close()
			unlock, err := lock(w, "plan", f.lockTimeout)
			if err != nil {
				return err
			}
			defer unlock()
			p, err := makePlan(w, &f)
			if err != nil {
				return err
			}
			views.RenderPlan(out, p, views.Colors{On: colorOn(os.Stdout)})
			if edit.CSV && !offboards(p, args[0]) {
				fmt.Fprintf(os.Stderr, "\nWarning: the plan does not offboard %s: the account block does not read the CSV's status column. See \"When someone leaves\" in the README for the status and offboarding settings to add.\n", args[0])
			}
			fmt.Fprintln(out, "\nReview the change, commit it, and run mailform apply to freeze the account now.")
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&handover, "handover-to", "", "the account that receives the departed account's mail")
	cmd.Flags().IntVar(&retain, "retain-days", 30, "days to keep the frozen mailbox before deleting it")
	return cmd
}

// offboards reports whether the plan freezes or offboards the account with email.
func offboards(p *planner.Plan, email string) bool {
	for _, c := range p.Changes {
		if c.Type == "account" && c.Offboard != "" && strings.EqualFold(c.After.Str("email"), email) {
			return true
		}
	}
	return false
}
