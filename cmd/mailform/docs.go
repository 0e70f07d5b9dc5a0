package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/refdocs"
)

func newDocsCmd() *cobra.Command {
	var out string
	var check bool
	cmd := &cobra.Command{
		Use:   "docs [-out DIR] [-check]",
		Short: "Write the reference pages of every resource type and provider from the schema",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pages, err := refdocs.Generate()
			if err != nil {
				return fail("%v", err)
			}
			names := make([]string, 0, len(pages))
			for n := range pages {
				names = append(names, n)
			}
			sort.Strings(names)
			var stale []string
			for _, n := range names {
				p := filepath.Join(out, filepath.FromSlash(n))
				if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, []byte(pages[n])) {
					continue
				}
				stale = append(stale, p)
				if check {
					continue
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return fail("%v", err)
				}
				if err := os.WriteFile(p, []byte(pages[n]), 0o644); err != nil {
					return fail("%v", err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			if check && len(stale) > 0 {
				return &exitError{2, "These reference pages are stale; run mailform docs -out " + out + ":\n  " + strings.Join(stale, "\n  ")}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", filepath.Join("docs", "reference"), "directory to write the pages to")
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; exit 2 and list the pages that differ from what the schema gives")
	return cmd
}
