package main

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/enforce/live"
	policysrv "github.com/mailform/mailform/enforce/policy"
	"github.com/mailform/mailform/providers/postfix"
)

func newPolicyServerCmd() *cobra.Command {
	var cfg policysrv.Config
	var listen, metrics, logFormat string
	cmd := &cobra.Command{
		Use:   "policy-server",
		Short: "Enforce send_restriction and group senders rules as a Postfix policy service",
		Long: `policy-server answers Postfix's SMTP access policy delegation requests
(check_policy_service inet:ADDR in smtpd_recipient_restrictions and
smtpd_end_of_data_restrictions) with the rules the postfix provider applied:
send_restriction (external recipients, max_recipients, max_attachment_mb against the
message size) and group senders. It reloads the rules when the database announces a
change (LISTEN/NOTIFY) and every --refresh; while the database cannot be read it
answers --default-action and logs why. SIGTERM or SIGINT stops it after the requests
being answered. Counters of decisions are served at http://METRICS/metrics.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.DatabaseURL == "" {
				cfg.DatabaseURL = os.Getenv(postfix.DatabaseURLEnv)
			}
			log, err := live.NewLogger(cmd.ErrOrStderr(), logFormat, "info")
			if err != nil {
				return fail("--log-format %q: use text or json", logFormat)
			}
			cfg.Log = log
			srv, err := policysrv.New(cfg)
			if err != nil {
				return fail("%v", err)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fail("--listen: %v", err)
			}
			ctx, stop := live.SignalContext(context.Background())
			defer stop()
			ms, err := live.ListenMetrics(metrics, srv.Registry())
			if err != nil {
				ln.Close()
				return fail("--metrics-listen: %v", err)
			}
			ms.Serve()
			defer ms.Close()
			if ms != nil {
				cfg.Log.Info("metrics", "url", "http://"+ms.Addr().String()+"/metrics")
			}
			cfg.Log.Info("policy server listening", "addr", ln.Addr().String(), "database", srv.Where(),
				"default_action", strings.ToUpper(cfg.DefaultAction), "refresh", cfg.Refresh.String())
			err = srv.Run(ctx, ln)
			if err != nil && !errors.Is(err, net.ErrClosed) {
				return fail("%v", err)
			}
			cfg.Log.Info("policy server stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:10040", "address Postfix connects to (check_policy_service inet:ADDR)")
	f.StringVar(&metrics, "metrics-listen", "127.0.0.1:10041", "address of the /metrics endpoint (Prometheus text format); empty: none")
	f.StringVar(&cfg.DatabaseURL, "database-url", "", "PostgreSQL connection string of the mail database (default $"+postfix.DatabaseURLEnv+"); never printed")
	f.StringVar(&cfg.DefaultAction, "default-action", "defer_if_permit", "answer while the rules cannot be read: defer_if_permit, defer, dunno, reject or \"4xx/5xx text\"")
	f.DurationVar(&cfg.Refresh, "refresh", time.Minute, "read the rules again this often even without a change notification")
	f.DurationVar(&cfg.Retry, "retry", 5*time.Second, "wait this long before reconnecting to a failed database")
	f.DurationVar(&cfg.ConnectTimeout, "connect-timeout", 5*time.Second, "give up one connection attempt to the database after this long")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", 10*time.Minute, "close a Postfix connection that sends no request for this long")
	f.StringVar(&logFormat, "log-format", "text", "log format on standard error: text or json")
	return cmd
}
