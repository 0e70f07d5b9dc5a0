package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/providers/postfix"
)

func newPostfixCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "postfix",
		Short: "Work with the database of a self-hosted Postfix + Dovecot server",
	}
	cmd.AddCommand(newPostfixMigrateCmd())
	return cmd
}

func newPostfixMigrateCmd() *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the mail database's tables (safe to run again)",
		Long: "Creates the PostfixAdmin-compatible tables that are missing and mailform's own tables, " +
			"and applies every schema migration not yet recorded. The database comes from --database-url " +
			"or $" + postfix.DatabaseURLEnv + ".",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				url = os.Getenv(postfix.DatabaseURLEnv)
			}
			if url == "" {
				return &exitError{1, "Error: no database; pass --database-url or set $" + postfix.DatabaseURLEnv}
			}
			applied, where, err := postfix.MigrateURL(context.Background(), url)
			if err != nil {
				return &exitError{1, "Error: " + err.Error()}
			}
			out := cmd.OutOrStdout()
			if len(applied) == 0 {
				fmt.Fprintf(out, "The %s is up to date (schema version %d).\n", where, postfix.SchemaVersion())
				return nil
			}
			fmt.Fprintf(out, "Migrated the %s to schema version %d (applied %v).\n", where, postfix.SchemaVersion(), applied)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "database-url", "", "PostgreSQL connection string of the mail database (default $"+postfix.DatabaseURLEnv+")")
	return cmd
}
