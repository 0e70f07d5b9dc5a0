package policy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailform/mailform/enforce/live"
	"github.com/mailform/mailform/providers/postfix"
)

// Config is how a Server runs.
type Config struct {
	// DatabaseURL is the mail database's connection string; never logged.
	DatabaseURL string
	// DefaultAction answers every request while the rules cannot be read.
	DefaultAction string
	// Refresh is how often the rules are read again even without a notification.
	Refresh time.Duration
	// Retry is the wait before reconnecting after the database failed.
	Retry time.Duration
	// ConnectTimeout bounds one connection attempt to the database.
	ConnectTimeout time.Duration
	// IdleTimeout closes a Postfix connection that sends no request for this long.
	IdleTimeout time.Duration
	// Log receives the structured log.
	Log *slog.Logger
}

var actionRE = regexp.MustCompile(`^(?i:dunno|ok|defer_if_permit|defer_if_reject|defer|reject)( .*)?$|^[45]\d\d [^\n]*$`)

// CheckAction fails unless a is an access(5) action fit for a default answer.
func CheckAction(a string) error {
	if !actionRE.MatchString(a) || strings.ContainsAny(a, "\r\n") {
		return fmt.Errorf("%q is not a Postfix access action; use defer_if_permit, defer, dunno, reject or a reply such as \"451 4.3.0 try later\"", a)
	}
	return nil
}

// Server answers Postfix policy requests from the rules it keeps loaded.
type Server struct {
	cfg   Config
	where string
	pc    *pgx.ConnConfig

	index atomic.Pointer[Index] // nil while the rules cannot be read
	down  atomic.Value          // string: why the rules cannot be read

	reg       *prometheus.Registry
	decisions *prometheus.CounterVec
	reloads   *prometheus.CounterVec
	rules     prometheus.Gauge
	dbUp      prometheus.Gauge

	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed atomic.Bool
	wg     sync.WaitGroup
}

// New checks cfg and makes a server; it connects when Run starts.
func New(cfg Config) (*Server, error) {
	if cfg.DatabaseURL == "" {
		return nil, fmt.Errorf("no mail database: set --database-url or $%s", postfix.DatabaseURLEnv)
	}
	if cfg.DefaultAction == "" {
		cfg.DefaultAction = "DEFER_IF_PERMIT"
	}
	if err := CheckAction(cfg.DefaultAction); err != nil {
		return nil, fmt.Errorf("--default-action: %w", err)
	}
	if kw, text, _ := strings.Cut(cfg.DefaultAction, " "); !strings.ContainsAny(kw[:1], "45") {
		cfg.DefaultAction = strings.TrimSpace(strings.ToUpper(kw) + " " + text)
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = time.Minute
	}
	if cfg.Retry <= 0 {
		cfg.Retry = 5 * time.Second
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 10 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	pc, err := postfix.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	pc.ConnectTimeout = cfg.ConnectTimeout
	pc.RuntimeParams["application_name"] = "mailform policy-server"
	s := &Server{cfg: cfg, pc: pc, where: postfix.Describe(pc), conns: map[net.Conn]bool{}, reg: prometheus.NewRegistry()}
	s.down.Store("the rules have not been read yet")
	s.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailform_policy_decisions_total",
		Help: "Policy decisions by action (dunno, reject, default: the database was unavailable) and deciding rule."}, []string{"action", "rule"})
	s.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailform_policy_reloads_total",
		Help: "Reads of the rules from the mail database, by result (ok, error)."}, []string{"result"})
	s.rules = prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailform_policy_rules",
		Help: "send_restriction rules and restricted groups loaded."})
	s.dbUp = prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailform_policy_database_up",
		Help: "1 when the last read of the rules succeeded, else 0 (requests get the default action)."})
	s.reg.MustRegister(s.decisions, s.reloads, s.rules, s.dbUp)
	return s, nil
}

// Where names the database without credentials.
func (s *Server) Where() string { return s.where }

// Metrics serves the counters on /metrics in Prometheus text format.
func (s *Server) Metrics() http.Handler { return live.MetricsHandler(s.reg) }

// Registry holds the server's counters.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Run loads the rules, keeps them current and serves ln until ctx ends; then it
// stops accepting, lets the requests being answered finish (for up to 10 seconds)
// and returns.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	lctx, stopLoader := context.WithCancel(ctx)
	loaderDone := make(chan struct{})
	go func() { defer close(loaderDone); s.keepLoaded(lctx) }()
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		s.closed.Store(true)
		ln.Close()
		// A connection waiting for its next request stops waiting; one whose
		// request is being answered still gets its answer.
		for c := range s.conns {
			c.SetReadDeadline(time.Now())
		}
		s.mu.Unlock()
	}()
	for {
		c, aerr := ln.Accept()
		if aerr != nil {
			if ctx.Err() != nil || errors.Is(aerr, net.ErrClosed) {
				break
			}
			// Out of file descriptors and the like: wait, do not spin or quit.
			s.cfg.Log.Warn("accept failed; retrying", "error", aerr.Error())
			time.Sleep(100 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		if s.closed.Load() {
			s.mu.Unlock()
			c.Close()
			break
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c)
	}
	stopLoader()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cfg.Log.Warn("connections still open after 10s; closing them")
	}
	<-loaderDone
	return nil
}

func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReaderSize(c, 4096)
	w := bufio.NewWriter(c)
	req := Request{}
	for {
		c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		// Checked after setting the deadline: a shutdown that came first is seen
		// here, one that comes later overrides the deadline with now.
		if s.closed.Load() && r.Buffered() == 0 && len(req) == 0 {
			return
		}
		line, err := r.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				s.cfg.Log.Warn("policy request line longer than 4096 bytes; closing the connection", "client", c.RemoteAddr().String())
			}
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) > 0 {
			k, v, ok := bytes.Cut(line, []byte{'='})
			if !ok {
				s.cfg.Log.Warn("policy request line without '='; closing the connection", "client", c.RemoteAddr().String())
				return
			}
			req[string(k)] = string(v)
			continue
		}
		d := s.Decide(req)
		w.WriteString("action=")
		w.WriteString(d.Action)
		w.WriteString("\n\n")
		if err := w.Flush(); err != nil {
			return
		}
		if d.Kind != "dunno" {
			s.cfg.Log.Info("decision", "action", d.Action, "rule", d.Rule, "state", req["protocol_state"],
				"sasl_username", req["sasl_username"], "sender", req["sender"], "recipient", req["recipient"],
				"recipient_count", req["recipient_count"], "size", req["size"], "queue_id", req["queue_id"])
		}
		clear(req)
	}
}

// Decide answers one request with the loaded rules, or with the default action
// while they cannot be read.
func (s *Server) Decide(req Request) Decision {
	ix := s.index.Load()
	var d Decision
	if ix == nil {
		d = Decision{Action: s.cfg.DefaultAction, Kind: "default"}
	} else {
		d = ix.Decide(req)
	}
	s.decisions.WithLabelValues(d.Kind, d.Rule).Inc()
	return d
}

// keepLoaded keeps the index current: it listens for change notifications, reads
// the rules on each and every Refresh, and when the database fails it drops the
// rules (requests get the default action), logs why and reconnects every Retry.
func (s *Server) keepLoaded(ctx context.Context) {
	w := &live.Watch{Conn: s.pc, Where: s.where, Channel: postfix.PolicyChannel, Refresh: s.cfg.Refresh,
		Retry: s.cfg.Retry, ConnectTimeout: s.cfg.ConnectTimeout + time.Second, Load: s.load, Down: s.setDown}
	w.Run(ctx)
}

func (s *Server) setDown(err error, retryIn time.Duration) {
	why := err.Error()
	s.index.Store(nil)
	s.dbUp.Set(0)
	s.reloads.WithLabelValues("error").Inc()
	s.down.Store(why)
	s.cfg.Log.Error("cannot read the rules; answering the default action until the database is back",
		"database", s.where, "default_action", s.cfg.DefaultAction, "error", why, "retry_in", retryIn.String())
}

func (s *Server) load(ctx context.Context, conn *pgx.Conn, _ string) error {
	t0 := time.Now()
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p, err := postfix.LoadPolicy(lctx, conn)
	if err != nil {
		return fmt.Errorf("reading the rules from the mail %s: %w", s.where, err)
	}
	ix := NewIndex(p)
	wasDown := s.index.Load() == nil
	s.index.Store(ix)
	s.dbUp.Set(1)
	s.rules.Set(float64(ix.Rules()))
	s.reloads.WithLabelValues("ok").Inc()
	level := slog.LevelDebug
	if wasDown {
		level = slog.LevelInfo
	}
	s.cfg.Log.Log(ctx, level, "rules loaded", "database", s.where, "send_restrictions", len(p.Restrictions),
		"restricted_groups", len(p.Groups), "took", time.Since(t0).Round(time.Microsecond).String())
	return nil
}
