package main

import (
	"context"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/mailform/mailform/logarchive"
	"github.com/mailform/mailform/views"
	"github.com/mailform/mailform/workspace"
)

func newLogsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Archive the service's logs beyond its month, verify, query and export them",
		Long: `The Exmail console keeps about one month of logs. logs pull archives them day by day
into the archive the logs block names (default: mailform.logs in the configuration
directory; archive "pg" { … } for PostgreSQL), so they can be kept as long as policy
asks (logs { retain_days = 400 }). Each archived day carries a hash chained to the
previous day, which logs verify recomputes.`,
	}
	cmd.AddCommand(newLogsPullCmd(), newLogsVerifyCmd(), newLogsQueryCmd("query"), newLogsQueryCmd("export"))
	return cmd
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// openArchive opens the workspace and its log archive: for writing (pull), or for
// reading, when a missing embedded archive is nil rather than created.
func openArchive(vf *varFlags, read bool) (*workspace.Workspace, logarchive.Store, error) {
	w, err := open(vf)
	if err != nil {
		return nil, nil, err
	}
	var s logarchive.Store
	var diags hcl.Diagnostics
	if read {
		s, diags = w.ReadArchive()
	} else {
		s, diags = w.OpenArchive()
	}
	if err := report(diags, w.Config.Files); err != nil {
		w.Close()
		return nil, nil, err
	}
	return w, s, nil
}

// readArchive is openArchive for reading where an archive must exist.
func readArchive(vf *varFlags) (*workspace.Workspace, logarchive.Store, error) {
	w, s, err := openArchive(vf, true)
	if err == nil && s == nil {
		w.Close()
		return nil, nil, fail("there is no log archive yet (%s); run mailform logs pull first", logarchive.DefaultFile)
	}
	return w, s, err
}

func newLogsPullCmd() *cobra.Command {
	var vf varFlags
	var until string
	var concurrency int
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Archive every complete day not yet archived (incremental, resumable)",
		Long: `pull fetches each day after the last archived one up to yesterday: log/mail,
log/operation, log/batchjob and one log/login call per account, paced by the
provider's rate limit. An interrupted pull resumes with the calls of the day still
missing. Days the API no longer answers (older than about a month) are archived as
gaps and reported. Exit status: 0 done (gaps are reported, not failures), 1 error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := open(&vf)
			if err != nil {
				return err
			}
			defer w.Close()
			src, _, err := w.LogSource()
			if err != nil {
				return fail("%v", err)
			}
			s, diags := w.OpenArchive()
			if err := report(diags, w.Config.Files); err != nil {
				return err
			}
			defer s.Close()
			now, err := workspace.Now()
			if err != nil {
				return fail("%v", err)
			}
			ctx, stop := signalContext()
			defer stop()
			out := cmd.OutOrStdout()
			var lastNote time.Time
			rep, err := logarchive.Pull(ctx, s, src, now, logarchive.PullOptions{Until: until, Concurrency: concurrency,
				Progress: func(d logarchive.Day, added int) { views.RenderPullDay(out, d, added) },
				Fetched: func(done, total int) {
					// A first pull of a large tenant makes many calls before it seals a day.
					if time.Since(lastNote) >= 10*time.Second && done < total {
						lastNote = time.Now()
						cmd.PrintErrf("logs pull: %d of %d calls made\n", done, total)
					}
				}})
			if err != nil {
				return fail("logs pull: %v (what was fetched is kept; run logs pull again to resume)", err)
			}
			pruned, before := 0, ""
			if l := w.Config.Logs; l != nil && l.RetainDays > 0 {
				before = logarchive.AddDays(now.In(views.LogLocation).Format("2006-01-02"), -l.RetainDays)
				if pruned, err = s.Prune(ctx, before); err != nil {
					return fail("logs pull: pruning days before %s: %v", before, err)
				}
			}
			views.RenderPullReport(out, rep, pruned, before)
			return nil
		},
	}
	vf.add(cmd)
	cmd.Flags().StringVar(&until, "until", "", "last day to pull (default yesterday)")
	cmd.Flags().IntVar(&concurrency, "concurrency", 4, "calls of a day in flight at once (the provider's rate limit still applies)")
	return cmd
}

func newLogsVerifyCmd() *cobra.Command {
	var vf varFlags
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute every archived day's hash and check the chain",
		Long:  `Exit status: 0 intact, 2 an edited row or a missing day found, 1 error.`,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, s, err := readArchive(&vf)
			if err != nil {
				return err
			}
			defer w.Close()
			defer s.Close()
			ctx, stop := signalContext()
			defer stop()
			rep, err := logarchive.Verify(ctx, s)
			if err != nil {
				return fail("logs verify: %v", err)
			}
			views.RenderLogsVerify(cmd.OutOrStdout(), rep)
			if len(rep.Problems) > 0 {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	vf.add(cmd)
	return cmd
}

// newLogsQueryCmd makes query (a table, or -format) and export (csv or jsonl): both
// stream the rows the filters select.
func newLogsQueryCmd(name string) *cobra.Command {
	var vf varFlags
	var f logarchive.Filter
	var status, format, outFile string
	cmd := &cobra.Command{
		Use:  name,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if status != "" {
				n, err := strconv.Atoi(status)
				if err != nil {
					return fail("-status %q is not a number", status)
				}
				f.Status = &n
			}
			for _, d := range []string{f.From, f.To} {
				if d != "" && !logarchive.ValidDate(d) {
					return fail("%q is not a date like 2026-01-31", d)
				}
			}
			if f.Kind != "" && !slices.Contains(logarchive.Kinds, f.Kind) {
				return fail("-kind %q is not one of mail, login, operation, batchjob", f.Kind)
			}
			w, s, err := readArchive(&vf)
			if err != nil {
				return err
			}
			defer w.Close()
			defer s.Close()
			out := cmd.OutOrStdout()
			if outFile != "" {
				file, err := os.Create(outFile)
				if err != nil {
					return fail("%v", err)
				}
				defer file.Close()
				out = file
			}
			lw, err := views.NewLogWriter(out, format)
			if err != nil {
				return fail("%v", err)
			}
			ctx, stop := signalContext()
			defer stop()
			start := time.Now()
			if err := logarchive.Query(ctx, s, f, lw.Write); err != nil {
				return fail("logs %s: %v", name, err)
			}
			if err := lw.Close(); err != nil {
				return fail("logs %s: %v", name, err)
			}
			if os.Getenv("MAILFORM_LOG") == "debug" {
				cmd.PrintErrf("logs %s took %s\n", name, time.Since(start))
			}
			return nil
		},
	}
	if name == "query" {
		cmd.Short = "Print the archived rows the filters select"
		cmd.Flags().StringVar(&format, "format", "table", "table, csv or jsonl")
	} else {
		cmd.Short = "Write the archived rows the filters select as CSV or JSON lines, streaming"
		cmd.Flags().StringVar(&format, "format", "csv", "csv or jsonl")
		cmd.Flags().StringVarP(&outFile, "out", "o", "", "write to this file instead of standard output")
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Account, "account", "", "rows that concern this address (sender, receiver, account, operand or operator)")
	fl.StringVar(&f.Kind, "kind", "", "mail, login, operation or batchjob")
	fl.StringVar(&f.From, "from", "", "first day, like 2026-01-31")
	fl.StringVar(&f.To, "to", "", "last day")
	fl.StringVar(&f.IP, "ip", "", "rows from this IP address")
	fl.StringVar(&status, "status", "", "rows with this status number")
	fl.StringVar(&f.Operator, "operator", "", "rows whose operator is this address")
	vf.add(cmd)
	return cmd
}
