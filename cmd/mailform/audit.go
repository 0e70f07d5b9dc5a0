package main

import (
	"maps"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/audit"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

func newAuditCmd() *cobra.Command {
	var vf varFlags
	var asJSON, asMarkdown bool
	var htmlFile string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check the applied setup and the log archive against policy",
		Long: `audit checks the applied configuration (state) and the log archive against the
built-in rules, with the thresholds and exceptions of the audit block: second factor,
restricted departments' send restriction and backup rule, accounts nobody logs into,
departed accounts, archive coverage and freshness, console-only settings changed per
the operation log, and the live mail DNS of each domain (MX, SPF, DKIM, DMARC; asked
of audit { dns_server } or the system's resolver, 5 s per query). Each finding has a rule id, a severity, the objects, the evidence
and what to do. -html FILE writes one self-contained page with charts.
Exit status: 0 no findings, 2 findings, 1 error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON && asMarkdown {
				return fail("choose one of -json and -markdown")
			}
			w, s, err := openArchive(&vf, true)
			if err != nil {
				return err
			}
			defer w.Close()
			if s != nil {
				defer s.Close()
			}
			st, err := w.Backend.Load()
			if err != nil {
				return fail("%v", err)
			}
			now, err := workspace.Now()
			if err != nil {
				return fail("%v", err)
			}
			in := audit.Input{Now: now, Policy: policy(w.Config.Audit)}
			audit.FromState(&in, st)
			ctx, stop := signalContext()
			defer stop()
			if s != nil {
				if err := audit.FromArchive(ctx, &in, s); err != nil {
					return fail("audit: reading the log archive: %v", err)
				}
			}
			for _, name := range slices.Sorted(maps.Keys(w.Providers.ByName)) {
				if ur, ok := w.Providers.ByName[name].(providers.UsageReporter); ok {
					u, err := ur.MailboxUsage(ctx)
					if err != nil {
						return fail("audit: mailbox usage from %s: %v", name, err)
					}
					in.Usage, in.UsageAvailable = append(in.Usage, u...), true
				}
			}
			if !in.Policy.Ignores("mail-dns") {
				audit.LookupDNS(ctx, &in, st, in.Policy.DNSServer, 5*time.Second)
			}
			rep := audit.Run(in)
			out := cmd.OutOrStdout()
			switch {
			case asJSON:
				err = views.WriteAuditJSON(out, rep)
			case asMarkdown:
				err = views.WriteAuditMarkdown(out, rep)
			default:
				views.RenderAudit(out, rep)
			}
			if err != nil {
				return fail("%v", err)
			}
			if htmlFile != "" {
				f, err := os.Create(htmlFile)
				if err != nil {
					return fail("%v", err)
				}
				if err := views.WriteAuditHTML(f, rep); err != nil {
					f.Close()
					return fail("writing %s: %v", htmlFile, err)
				}
				if err := f.Close(); err != nil {
					return fail("writing %s: %v", htmlFile, err)
				}
			}
			if len(rep.Findings) > 0 {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	vf.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the findings as JSON")
	cmd.Flags().BoolVar(&asMarkdown, "markdown", false, "print the findings as Markdown")
	cmd.Flags().StringVar(&htmlFile, "html", "", "also write a self-contained HTML report with charts to this file")
	return cmd
}

// policy is the audit block over the default policy.
func policy(a *schema.Audit) audit.Policy {
	p := audit.DefaultPolicy()
	if a == nil {
		return p
	}
	p.RestrictedDepartments, p.SecondFactorExceptions, p.Ignore = a.RestrictedDepartments, a.SecondFactorExceptions, a.Ignore
	p.DNSServer = a.DNSServer
	for _, v := range []struct {
		from *int
		to   *int
	}{{a.NoLoginDays, &p.NoLoginDays}, {a.ArchiveMinDays, &p.ArchiveMinDays}, {a.ArchiveMaxAgeDays, &p.ArchiveMaxAgeDays}} {
		if v.from != nil {
			*v.to = *v.from
		}
	}
	return p
}
