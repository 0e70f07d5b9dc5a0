package milter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/d--j/go-milter/mailfilter"

	"github.com/mailform/mailform/enforce/live"
	"github.com/mailform/mailform/providers/postfix"
)

// FailActions are the answers the milter can give while it has no rules.
var FailActions = []string{"tempfail", "accept", "reject"}

// Config is what `mailform milter` is started with.
type Config struct {
	// Listen is the milter's TCP address (Postfix: smtpd_milters = inet:HOST:PORT).
	Listen string
	// DatabaseURL is the postfix provider's database; never logged.
	DatabaseURL string
	// Metrics is the HTTP address of /metrics; "" serves none.
	Metrics string
	// FailAction answers messages while no rules could be loaded: tempfail, accept
	// or reject.
	FailAction string
	// Refresh is the longest time between two loads of the rules.
	Refresh time.Duration
	// MaxBody is the most body bytes read to look for attachments; a longer body
	// is judged on its first MaxBody bytes.
	MaxBody int64
	// Retry is the first wait before reconnecting to the database (doubling up to
	// 30s); 0 means one second.
	Retry time.Duration
	// ConnectTimeout bounds one connection attempt to the database; 0 means 30s.
	ConnectTimeout time.Duration
	// ShutdownTimeout bounds the wait for open milter sessions at shutdown.
	ShutdownTimeout time.Duration
	// Log receives the structured logs.
	Log *slog.Logger
}

// Server is a running milter with its rule loader and metrics endpoint.
type Server struct {
	cfg     Config
	loader  *Loader
	metrics *metrics
	filter  *mailfilter.MailFilter
	http    *live.Metrics
	fail    mailfilter.Decision
}

// New checks cfg, opens the listeners and returns the server; Run serves.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Refresh <= 0 {
		return nil, fmt.Errorf("--refresh must be positive (it is %s)", cfg.Refresh)
	}
	if cfg.MaxBody <= 0 {
		return nil, fmt.Errorf("--max-body must be positive (it is %d)", cfg.MaxBody)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	s := &Server{cfg: cfg, metrics: newMetrics()}
	switch cfg.FailAction {
	case "tempfail":
		s.fail = mailfilter.CustomErrorResponse(451, "4.7.1 Backup rules are not loaded yet; try again later")
	case "reject":
		s.fail = mailfilter.CustomErrorResponse(550, "5.7.1 Backup rules are not loaded; message refused")
	case "accept":
		s.fail = mailfilter.Accept
	default:
		return nil, fmt.Errorf("--fail-action %q is not one of %s", cfg.FailAction, strings.Join(FailActions, ", "))
	}
	if cfg.DatabaseURL == "" {
		return nil, errors.New("no database: set --database-url or $MAILFORM_POSTFIX_DATABASE_URL to the postfix provider's mail database")
	}
	var err error
	if s.loader, err = NewLoader(cfg.DatabaseURL, cfg.Log, s.metrics); err != nil {
		return nil, err
	}
	s.loader.Refresh = cfg.Refresh
	if cfg.Retry > 0 {
		s.loader.Retry = cfg.Retry
	}
	if cfg.ConnectTimeout > 0 {
		s.loader.ConnectTimeout = cfg.ConnectTimeout
	}
	if s.http, err = live.ListenMetrics(cfg.Metrics, s.metrics.reg); err != nil {
		return nil, fmt.Errorf("metrics address %s: %w", cfg.Metrics, err)
	}
	s.filter, err = mailfilter.New("tcp", cfg.Listen, s.decide,
		mailfilter.WithDecisionAt(mailfilter.DecisionAtEndOfMessage),
		mailfilter.WithErrorHandling(mailfilter.TempFailWhenError),
		mailfilter.WithBody(256<<10, cfg.MaxBody, mailfilter.TruncateWhenTooBig))
	if err != nil {
		s.http.Close()
		return nil, fmt.Errorf("milter address %s: %w", cfg.Listen, err)
	}
	return s, nil
}

// Addr returns the milter's listening address.
func (s *Server) Addr() net.Addr { return s.filter.Addr() }

// MetricsAddr returns the metrics listener's address, nil when there is none.
func (s *Server) MetricsAddr() net.Addr { return s.http.Addr() }

// Loader returns the server's rule loader.
func (s *Server) Loader() *Loader { return s.loader }

// Run serves until ctx ends, then stops taking connections, waits up to
// ShutdownTimeout for open sessions and returns.
func (s *Server) Run(ctx context.Context) error {
	log := s.cfg.Log
	log.Info("mailform milter listening", "milter", s.filter.Addr().String(), "metrics", addrString(s.MetricsAddr()),
		"database", s.loader.Where(), "fail_action", s.cfg.FailAction, "refresh", s.cfg.Refresh.String())
	lctx, stopLoader := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.loader.Run(lctx) }()
	httpErr := s.http.Serve()
	var err error
	select {
	case <-ctx.Done():
	case err = <-httpErr:
		err = fmt.Errorf("metrics server: %w", err)
	}
	log.Info("mailform milter shutting down", "wait_at_most", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if serr := s.filter.Shutdown(sctx); serr != nil {
		log.Warn("milter sessions still open at shutdown were closed", "reason", serr.Error())
		s.filter.Close()
	}
	s.http.Shutdown(sctx)
	stopLoader()
	wg.Wait()
	log.Info("mailform milter stopped")
	return err
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// decide is called once per message at end of message.
func (s *Server) decide(_ context.Context, trx mailfilter.Trx) (mailfilter.Decision, error) {
	start := time.Now()
	defer func() { s.metrics.seconds.Observe(time.Since(start).Seconds()) }()
	rules := s.loader.Current()
	if rules == nil {
		s.metrics.decisions.WithLabelValues(s.cfg.FailAction).Inc()
		s.cfg.Log.Warn("message not checked: no backup rules loaded", "queue_id", trx.QueueId(), "action", s.cfg.FailAction)
		return s.fail, nil
	}
	msg := Message{Sender: trx.MailFrom().Addr}
	// Addresses compare without case, as the server's SQL maps look them up.
	already := map[string]bool{}
	for _, r := range trx.RcptTos() {
		msg.Recipients = append(msg.Recipients, r.Addr)
		already[strings.ToLower(r.Addr)] = true
	}
	h := trx.Headers()
	subject, err := h.Subject()
	if err != nil {
		// An unknown charset leaves the encoded words as they are; the rule still
		// sees the ASCII around them.
		subject = h.UnfoldedValue("Subject")
	}
	msg.Subject = subject
	if from, err := h.AddressList("From"); err == nil {
		for _, a := range from {
			msg.FromDomains = append(msg.FromDomains, postfix.DomainOf(a.Address))
		}
	}
	msg.Attachment = func() bool {
		found, err := HasAttachment(trx.Data())
		if err != nil {
			s.cfg.Log.Warn("MIME structure not fully readable; judged on the parts before the error",
				"queue_id", trx.QueueId(), "reason", err.Error(), "attachment", found)
		}
		return found
	}
	matches := rules.Match(msg)
	if len(matches) == 0 {
		s.metrics.decisions.WithLabelValues("passed").Inc()
		s.cfg.Log.Debug("no backup rule matched", "queue_id", trx.QueueId(), "sender", msg.Sender, "recipients", len(msg.Recipients))
		return mailfilter.Accept, nil
	}
	labels := make([]string, len(matches))
	for i, m := range matches {
		labels[i] = m.Rule
		s.metrics.matches.WithLabelValues(m.Rule).Inc()
	}
	dests := Destinations(matches)
	for _, d := range dests {
		if !already[d] {
			trx.AddRcptTo(d, "")
			s.metrics.copies.WithLabelValues(d).Inc()
		}
	}
	s.metrics.decisions.WithLabelValues("copied").Inc()
	s.cfg.Log.Info("backup copy", "queue_id", trx.QueueId(), "rules", strings.Join(labels, ","),
		"destinations", strings.Join(dests, ","))
	return mailfilter.Accept, nil
}
