package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// globals are the flags every command shares.
type globals struct {
	chdir   string
	noColor bool
}

var g globals

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "mailform",
		Short:         "Manage a company's email setup as code",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if g.chdir != "" {
				if err := os.Chdir(g.chdir); err != nil {
					return &exitError{1, "Error: -chdir: " + err.Error()}
				}
			}
			return nil
		},
	}
	// --version and -v, as Terraform and most CLIs answer them.
	root.Version = versionString()
	root.SetVersionTemplate("mailform {{.Version}}\n")
	root.PersistentFlags().StringVar(&g.chdir, "chdir", "", "switch to this directory before doing anything else")
	root.PersistentFlags().BoolVar(&g.noColor, "no-color", false, "never print colour")
	root.AddCommand(newValidateCmd(), newFmtCmd(), newPlanCmd(), newApplyCmd(), newShowCmd(),
		newStateCmd(), newForceUnlockCmd(), newVersionCmd(), newVerifyCmd())
	root.AddCommand(newDriftCmd())
	root.AddCommand(newSandboxCmd())
	root.AddCommand(newOffboardCmd())
	root.AddCommand(newExportCmd(), newImportCmd())
	root.AddCommand(newDocsCmd())
	root.AddCommand(newPostfixCmd())
	root.AddCommand(newLogsCmd(), newAuditCmd())
	root.AddCommand(newPolicyServerCmd())
	root.AddCommand(newOutputCmd(), newWorkspaceCmd())
	root.AddCommand(newMilterCmd())
	return root
}

// colorOn reports whether w is a terminal and colour is allowed.
func colorOn(w io.Writer) bool {
	if g.noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
