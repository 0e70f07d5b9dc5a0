package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
	"github.com/mailform/mailform/workspace"
)

func newWorkspaceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workspace",
		Short: "Manage workspaces: separate states of one configuration (docs/workspaces.md)",
	}
	cmd.AddCommand(newWorkspaceListCmd(), newWorkspaceShowCmd(), newWorkspaceNewCmd(), newWorkspaceSelectCmd(), newWorkspaceDeleteCmd())
	return cmd
}

// workspaces loads the configuration in the working directory and returns its
// backend's workspaces and the selected one.
func workspaces() (state.Workspaces, string, error) {
	cfg, diags := schema.Load(".")
	if diags.HasErrors() {
		return nil, "", report(diags, configFiles(cfg))
	}
	ws, diags := workspace.Stores(".", cfg)
	if err := report(diags, cfg.Files); err != nil {
		return nil, "", err
	}
	cur, _, err := workspace.Current(".")
	if err != nil {
		return nil, "", fail("%v", err)
	}
	return ws, cur, nil
}

func newWorkspaceListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the workspaces; the selected one is marked with *",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, cur, err := workspaces()
			if err != nil {
				return err
			}
			names, err := ws.List()
			if err != nil {
				return fail("%v", err)
			}
			for _, n := range names {
				mark := " "
				if n == cur {
					mark = "*"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", mark, n)
			}
			return nil
		},
	}
}

func newWorkspaceShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Print the selected workspace",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cur, _, err := workspace.Current(".")
			if err != nil {
				return fail("%v", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), cur)
			return nil
		},
	}
}

// selectName remembers name in the working directory, warning when
// MAILFORM_WORKSPACE overrides it.
func selectName(name string) error {
	if err := workspace.Select(".", name); err != nil {
		return fail("%v", err)
	}
	if env := os.Getenv(workspace.EnvWorkspace); env != "" && env != name {
		fmt.Fprintf(os.Stderr, "Warning: %s=%s is set and overrides the selection while it is set.\n", workspace.EnvWorkspace, env)
	}
	return nil
}

func newWorkspaceNewCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "new NAME",
		Short: "Create a workspace with an empty state and select it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, _, err := workspaces()
			if err != nil {
				return err
			}
			if err := state.CreateWorkspace(ws, args[0]); err != nil {
				return fail("%v", err)
			}
			if err := selectName(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created and switched to workspace %q. Its state is empty: mailform plan shows what applying the configuration here would create.\n", args[0])
			return nil
		},
	}
}

func newWorkspaceSelectCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "select NAME",
		Short: "Select a workspace",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, _, err := workspaces()
			if err != nil {
				return err
			}
			names, err := ws.List()
			if err != nil {
				return fail("%v", err)
			}
			found := false
			for _, n := range names {
				found = found || n == args[0]
			}
			if !found {
				return fail("workspace %q does not exist;%s create it with: mailform workspace new %s", args[0], schema.DidYouMean(args[0], names), args[0])
			}
			if err := selectName(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Switched to workspace %q.\n", args[0])
			return nil
		},
	}
}

func newWorkspaceDeleteCmd() *cobra.Command {
	var force bool
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a workspace's state (refused while it manages objects, unless -force)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, cur, err := workspaces()
			if err != nil {
				return err
			}
			name := args[0]
			if name == cur {
				return fail("workspace %q is the selected workspace and cannot be deleted; select another first: mailform workspace select default", name)
			}
			err = state.DeleteWorkspace(ws, name, force, lockTimeout)
			var notEmpty *state.NotEmptyError
			switch {
			case errors.As(err, &notEmpty):
				return fail("%v", err)
			case err != nil:
				names, _ := ws.List()
				if ok, _ := state.Exists(ws, name); !ok && name != state.DefaultWorkspace {
					return fail("%v;%s mailform workspace list shows the workspaces", err, schema.DidYouMean(name, names))
				}
				return fail("%v", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted workspace %q.\n", name)
			if force {
				fmt.Fprintln(cmd.OutOrStdout(), "Its live objects, if any, were not deleted: mailform no longer tracks them.")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "delete even though the state still manages objects (they stay live, untracked)")
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", 0, "wait this long for the workspace's state lock")
	return cmd
}

// wsName is the name of a workspace as a plan or configuration records it.
func wsName(name string) string {
	if name == "" {
		return state.DefaultWorkspace
	}
	return name
}
