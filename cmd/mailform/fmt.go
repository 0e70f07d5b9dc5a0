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
	"github.com/mailform/mailform/views"
)

func newFmtCmd() *cobra.Command {
	var check, diff bool
	cmd := &cobra.Command{
		Use:   "fmt [-check] [-diff] [FILE or DIR...]",
		Short: "Rewrite configuration files in the canonical format",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := fmtFiles(args)
			if err != nil {
				return err
			}
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
				if diff {
					views.WriteUnifiedDiff(cmd.OutOrStdout(), f, string(src), string(out))
				}
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
	cmd.Flags().BoolVar(&diff, "diff", false, "print the formatting changes as a unified diff")
	return cmd
}

// fmtFiles lists the files fmt works on: the configuration and variable files of
// each directory argument (the current one without arguments) and each file named.
func fmtFiles(args []string) ([]string, error) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fail("%v", err)
		}
		if !st.IsDir() {
			files = append(files, a)
			continue
		}
		cfg, _ := filepath.Glob(filepath.Join(a, "*"+schema.FileSuffix))
		vars, _ := filepath.Glob(filepath.Join(a, "*.mfvars.hcl"))
		files = append(files, cfg...)
		files = append(files, vars...)
	}
	for i, f := range files {
		files[i] = filepath.Clean(f)
	}
	sort.Strings(files)
	return files, nil
}
