package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"

	"github.com/mailform/mailform/schema"
)

func newFmtCmd() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [-check]",
		Short: "Rewrite configuration files in the canonical format",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, _ := filepath.Glob("*" + schema.FileSuffix)
			vars, _ := filepath.Glob("*.mfvars.hcl")
			files = append(files, vars...)
			sort.Strings(files)
			var unformatted []string
			var broken hcl.Diagnostics
			sources := map[string]*hcl.File{}
			for _, f := range files {
				src, err := schema.ReadInput(f, ".")
				if err != nil {
					return fail("%v", err)
				}
				diags := schema.CheckNesting(src, f, hcl.InitialPos, false)
				if !diags.HasErrors() {
					_, diags = hclsyntax.ParseConfig(src, f, hcl.InitialPos)
				}
				if diags.HasErrors() {
					// Every broken file is reported, with its source lines, and
					// the others are still formatted.
					broken = append(broken, diags...)
					sources[f] = &hcl.File{Bytes: src}
					continue
				}
				out := hclwrite.Format(src)
				if bytes.Equal(out, src) {
					continue
				}
				unformatted = append(unformatted, f)
				if !check {
					if err := os.WriteFile(f, out, 0o644); err != nil {
						return fail("%v", err)
					}
					fmt.Fprintln(cmd.OutOrStdout(), f)
				}
			}
			if broken.HasErrors() {
				return report(broken, sources)
			}
			if check && len(unformatted) > 0 {
				return &exitError{2, "These files are not formatted; run mailform fmt:\n  " + strings.Join(unformatted, "\n  ")}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "only check; exit 2 and list the files that need formatting")
	return cmd
}
