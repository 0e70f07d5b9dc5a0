package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/export"
	"github.com/mailform/mailform/planner"
	"github.com/mailform/mailform/schema"
)

func newExportCmd() *cobra.Command {
	var vf varFlags
	var out string
	var zones []string
	var force bool
	var format string
	cmd := &cobra.Command{
		Use:   "export [-out DIR] [-format hcl|csv]",
		Short: "Write configuration for every live object of the configured providers",
		Long: `export reads every live collection of the providers configured in the current
directory (a directory with just provider and domain blocks is enough) and writes one
file per kind of resource into -out DIR: domains, departments, accounts, groups, dns
and policies (*.mf.hcl). Departments, accounts and groups refer to each other by
reference, never by provider id, and passwords are never written.

Running plan in DIR with the same providers then adopts every object: each one
"will be recorded in state" and nothing is created, changed or destroyed.
Existing files are never overwritten unless -force is given.

-format csv writes departments, accounts and groups as departments.csv,
accounts.csv and groups.csv (one row per object) with the for_each blocks that read
them (one per type; for departments one per level of the tree, since a block cannot
refer to its own instances), for tenants where one block per mailbox would mean tens
of thousands of blocks; DNS records and policies stay blocks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "hcl" && format != "csv" {
				return fail("-format=%s: use hcl or csv", format)
			}
			w, err := open(&vf)
			if err != nil {
				return err
			}
			defer w.Close()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			t, diags := planner.ReadTenant(ctx, planner.TenantOptions{Config: w.Config, Vars: w.Vars, Providers: w.Providers, Zones: zones})
			if err := report(diags, w.Config.Files); err != nil {
				return err
			}
			if err := refuseOverwrite(out, force); err != nil {
				return err
			}
			cfg := w.Config
			if same, err := sameDir(".", out); err != nil {
				return fail("-out %s: %v", out, err)
			} else if !same {
				if cfg, err = loadTarget(out, force); err != nil {
					return err
				}
			}
			target := readTarget(cfg, force)
			if err := target.refuseDuplicates(out); err != nil {
				return err
			}
			files := export.Files(t, export.Options{SkipDomains: target.domains, CSV: format == "csv"})
			if err := writeExport(out, files); err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			for _, f := range files {
				unit := "block"
				if strings.HasSuffix(f.Name, ".csv") {
					unit = "row"
				}
				if f.Count != 1 {
					unit += "s"
				}
				fmt.Fprintf(stdout, "Wrote %s (%d %s)\n", filepath.Join(out, f.Name), f.Count, unit)
			}
			for _, typ := range sortedKeys(t.Skipped) {
				fmt.Fprintf(stdout, "Skipped %s: %s.\n", typ, t.Skipped[typ])
			}
			if !target.providers {
				fmt.Fprintf(stdout, "\n%s has no provider block: copy your provider blocks there before running plan.\n", out)
			}
			if !inAutomation() {
				fmt.Fprintf(stdout, "\nNext: run mailform plan in %s; every object should show as \"will be recorded in state\" and nothing else.\n", out)
			}
			return nil
		},
	}
	vf.add(cmd)
	cmd.Flags().StringVar(&out, "out", ".", "directory to write the files into (created if missing)")
	cmd.Flags().StringArrayVar(&zones, "zone", nil, "DNS zone to export (repeatable; default: the declared domains)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing files")
	cmd.Flags().StringVar(&format, "format", "hcl", "hcl: one block per object; csv: departments, accounts and groups as CSV files read by for_each")
	return cmd
}

// targetConfig is what the directory being written to already declares.
type targetConfig struct {
	declared  map[string][]string
	domains   []string
	providers bool
}

// refuseDuplicates refuses a directory that already declares resources other than
// domains: export writes every live object, so each of those would be declared twice.
func (tc targetConfig) refuseDuplicates(dir string) error {
	var addrs []string
	for typ, as := range tc.declared {
		if typ != "domain" {
			addrs = append(addrs, as...)
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	sort.Strings(addrs)
	more := ""
	if len(addrs) > 3 {
		more = fmt.Sprintf(" and %d more", len(addrs)-3)
		addrs = addrs[:3]
	}
	return fail("%s already declares %s%s; export writes a block for every live object, so they would be declared twice. Export into a directory holding only provider and domain blocks (-out DIR), or adopt single objects with mailform import.", dirName(dir), strings.Join(addrs, ", "), more)
}

// loadTarget loads the configuration already in dir, or returns nil when there is none.
// With force the files export is about to overwrite are not read: an earlier export of
// a big tenant would otherwise be parsed whole only to be ignored.
func loadTarget(dir string, force bool) (*schema.Config, error) {
	matches, _ := filepath.Glob(filepath.Join(dir, "*"+schema.FileSuffix))
	overwritten := map[string]bool{}
	if force {
		for _, n := range export.FileNames() {
			overwritten[n] = true
		}
	}
	sources := map[string][]byte{}
	for _, m := range matches {
		if overwritten[filepath.Base(m)] {
			continue
		}
		b, err := schema.ReadInput(m, dir)
		if err != nil {
			return nil, fail("%v", err)
		}
		sources[filepath.Base(m)] = b
	}
	if len(sources) == 0 {
		return nil, nil
	}
	cfg, diags := schema.LoadSources(dir, sources)
	if diags.HasErrors() {
		var files map[string]*hcl.File
		if cfg != nil {
			files = cfg.Files
		}
		return nil, report(diags, files)
	}
	return cfg, nil
}

// readTarget finds what the target configuration declares. With force, the files
// export is about to overwrite do not count. Domain names are taken where they are
// literals.
func readTarget(cfg *schema.Config, force bool) targetConfig {
	tc := targetConfig{declared: map[string][]string{}}
	if cfg == nil {
		return tc
	}
	overwritten := map[string]bool{}
	if force {
		for _, n := range export.FileNames() {
			overwritten[n] = true
		}
	}
	tc.providers = len(cfg.Providers) > 0
	for _, r := range cfg.Resources {
		if overwritten[filepath.Base(r.DeclRange.Filename)] {
			continue
		}
		tc.declared[r.Type] = append(tc.declared[r.Type], r.Addr())
		if r.Type != "domain" {
			continue
		}
		attrs, _ := r.Body.JustAttributes()
		if a, ok := attrs["name"]; ok {
			if v, d := a.Expr.Value(nil); !d.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
				tc.domains = append(tc.domains, v.AsString())
			}
		}
	}
	return tc
}

// refuseOverwrite refuses, before anything is written, a directory that holds a file
// export writes, unless force is given.
func refuseOverwrite(dir string, force bool) error {
	if force {
		return nil
	}
	var exist []string
	for _, n := range export.FileNames() {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			exist = append(exist, n)
		}
	}
	if len(exist) > 0 {
		return fail("%s already holds %s; export does not overwrite files. Move them away, choose another -out, or pass -force.", dirName(dir), strings.Join(exist, ", "))
	}
	return nil
}

// dirName names a directory in a message.
func dirName(dir string) string {
	if dir == "." || dir == "" {
		return "this directory"
	}
	return dir
}

// writeExport writes the files into dir, creating it if needed.
func writeExport(dir string, files []export.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail("creating %s: %v", dir, err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Content, 0o644); err != nil {
			return fail("writing %s: %v", filepath.Join(dir, f.Name), err)
		}
	}
	return nil
}

// sameDir reports whether two paths name one directory; a missing b is not a.
func sameDir(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
