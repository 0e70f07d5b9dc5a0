package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

func newShowCmd() *cobra.Command {
	var asJSON bool
	var format string
	cmd := &cobra.Command{
		Use:   "show [PLANFILE]",
		Short: "Show a saved plan, or the state",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "human" && format != "json" && format != "markdown" {
				return fail("-format=%s: use human, json or markdown", format)
			}
			asJSON = asJSON || format == "json"
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				p, err := planner.ReadPlan(args[0])
				if err != nil {
					return fail("%v", err)
				}
				if asJSON {
					return views.WriteJSON(out, views.ToJSON(p))
				}
				if format == "markdown" {
					views.RenderMarkdown(out, p)
					return nil
				}
				views.RenderPlan(out, p, views.Colors{On: colorOn(os.Stdout)})
				return nil
			}
			if format == "markdown" {
				return fail("-format=markdown shows a saved plan: mailform show -format=markdown PLANFILE")
			}
			st, err := loadState()
			if err != nil {
				return err
			}
			if asJSON {
				return views.WriteJSON(out, st)
			}
			if len(st.Resources) == 0 {
				fmt.Fprintln(out, "The state is empty.")
				return nil
			}
			for _, r := range st.Resources {
				views.RenderStateResource(out, r)
			}
			if len(st.Outputs) > 0 {
				// As terraform show: the root outputs after the resources, sensitive
				// ones hidden.
				fmt.Fprintln(out, "\nOutputs:")
				fmt.Fprintln(out)
				return printAllOutputs(out, st.Outputs, false)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&format, "format", "human", "output format: human, json or markdown (markdown needs a plan file)")
	return cmd
}

// loadState loads the state of the configuration in the current directory.
func loadState() (*stateT, error) {
	w, diags := workspace.Open(".", varFlags{}.inputs())
	defer w.Close()
	if w.Backend == nil {
		return nil, report(diags, filesOf(w))
	}
	st, err := w.Backend.Load()
	if err != nil {
		return nil, fail("%v", err)
	}
	return st, nil
}
