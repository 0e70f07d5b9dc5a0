package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/enforce/live"
	"github.com/mailform/mailform/enforce/milter"
	"github.com/mailform/mailform/providers/postfix"
)

func newMilterCmd() *cobra.Command {
	cfg := milter.Config{}
	var url, logFormat, logLevel string
	cmd := &cobra.Command{
		Use:   "milter",
		Short: "Serve the backup rules to Postfix as a milter (adds the backup mailbox as a recipient)",
		Long: `Runs a Postfix milter that applies the backup_rule objects the postfix provider wrote
to the mail database: every message a rule matches gets the rule's backup mailbox as an
extra recipient, once however many rules match.

  outbound  the envelope sender is one of the rule's accounts or department members
            (or their aliases) and at least one recipient is outside the server's domains
  inbound   the sender is outside the server's domains and a recipient reaches a
            covered mailbox (directly, by alias or through a group)
  both      either; mail between the server's own addresses is neither

In Postfix's main.cf:

  smtpd_milters = inet:127.0.0.1:8891
  milter_default_action = tempfail

Rules changed by apply take effect at once (PostgreSQL LISTEN/NOTIFY) and at the latest
after --refresh. If the database goes away the milter keeps the rules it has; with none
loaded it answers --fail-action. Logs are structured (slog) on stderr; counters are on
--metrics-listen /metrics; SIGTERM or SIGINT stops it after open sessions end.
The database comes from --database-url or $` + postfix.DatabaseURLEnv + `, never printed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				url = os.Getenv(postfix.DatabaseURLEnv)
			}
			cfg.DatabaseURL = url
			log, err := live.NewLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			switch {
			case errors.Is(err, live.ErrLogLevel):
				return &exitError{1, "Error: --log-level " + logLevel + " is not one of debug, info, warn, error"}
			case err != nil:
				return &exitError{1, "Error: --log-format " + logFormat + " is not one of text, json"}
			}
			cfg.Log = log
			srv, err := milter.New(cfg)
			if err != nil {
				return &exitError{1, "Error: " + err.Error()}
			}
			ctx, stop := live.SignalContext(context.Background())
			defer stop()
			if err := srv.Run(ctx); err != nil {
				return &exitError{1, "Error: " + err.Error()}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:8891", "TCP address of the milter (Postfix: smtpd_milters = inet:HOST:PORT)")
	f.StringVar(&url, "database-url", "", "PostgreSQL connection string of the mail database (default $"+postfix.DatabaseURLEnv+")")
	f.StringVar(&cfg.Metrics, "metrics-listen", "127.0.0.1:9891", `HTTP address serving /metrics in Prometheus text format ("" for none)`)
	f.StringVar(&cfg.FailAction, "fail-action", "tempfail", "answer while no rules could be loaded: "+strings.Join(milter.FailActions, ", "))
	f.DurationVar(&cfg.Refresh, "refresh", time.Minute, "reload the rules at least this often, besides on every change notification")
	f.Int64Var(&cfg.MaxBody, "max-body", 64<<20, "read at most this many body bytes to look for attachments")
	f.DurationVar(&cfg.ConnectTimeout, "connect-timeout", 30*time.Second, "give up one connection attempt to the database after this long")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM, wait at most this long for open milter sessions")
	f.StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	f.StringVar(&logLevel, "log-level", "info", "least log level: debug, info, warn, error")
	return cmd
}
