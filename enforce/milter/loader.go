package milter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mailform/mailform/enforce/live"
	"github.com/mailform/mailform/providers/postfix"
)

// Loader keeps the current backup rules: it loads them from the mail database,
// reloads them when the database notifies a change (LISTEN/NOTIFY) and at least
// every Refresh, and keeps the last rules it loaded while the database is
// unreachable.
type Loader struct {
	cfg   *pgx.ConnConfig
	where string // the database without credentials
	// Refresh bounds how old the rules may get when a notification is lost.
	Refresh time.Duration
	// Retry is the first wait before reconnecting; it doubles up to MaxRetry.
	Retry, MaxRetry time.Duration
	// ConnectTimeout bounds one connection attempt to the database.
	ConnectTimeout time.Duration
	log            *slog.Logger
	metrics        *metrics

	rules atomic.Pointer[Rules]
	// loads counts successful loads, for tests that wait for a reload.
	loads atomic.Int64
}

// loadTimeout bounds one load of the rules, and one connect unless
// ConnectTimeout says otherwise.
const loadTimeout = 30 * time.Second

// settleQuiet and settleMax coalesce a burst of notifications into one reload.
const (
	settleQuiet = 200 * time.Millisecond
	settleMax   = 2 * time.Second
)

// NewLoader makes a loader for the database at dsn. Its errors never repeat dsn.
func NewLoader(dsn string, log *slog.Logger, m *metrics) (*Loader, error) {
	pc, err := postfix.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	pc.RuntimeParams["application_name"] = "mailform milter"
	return &Loader{cfg: pc, where: postfix.Describe(pc), Refresh: time.Minute, Retry: time.Second, MaxRetry: 30 * time.Second,
		ConnectTimeout: loadTimeout, log: log, metrics: m}, nil
}

// Where names the database without credentials.
func (l *Loader) Where() string { return l.where }

// Current returns the rules last loaded, nil when none could be loaded yet.
func (l *Loader) Current() *Rules { return l.rules.Load() }

// Run keeps the rules current until ctx ends.
func (l *Loader) Run(ctx context.Context) {
	w := &live.Watch{Conn: l.cfg, Where: l.where, Channel: postfix.BackupRuleChannel, Refresh: l.Refresh,
		Retry: l.Retry, MaxRetry: l.MaxRetry, ConnectTimeout: l.ConnectTimeout, SettleQuiet: settleQuiet, SettleMax: settleMax,
		Load: l.load, Down: l.down}
	w.Run(ctx)
}

// down keeps the last rules loaded: messages are judged on them until the
// database is back.
func (l *Loader) down(err error, retryIn time.Duration) {
	l.metrics.loads.WithLabelValues("error").Inc()
	if cur := l.Current(); cur != nil {
		l.log.Warn("backup rules: mail database unavailable; keeping the last rules", "database", l.where,
			"reason", err.Error(), "rules", cur.Len(), "retry_in", retryIn.String())
	} else {
		l.log.Error("backup rules: mail database unavailable and no rules loaded yet; messages get the fail action",
			"database", l.where, "reason", err.Error(), "retry_in", retryIn.String())
	}
}

func (l *Loader) load(ctx context.Context, conn *pgx.Conn, reason string) error {
	start := time.Now()
	lctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	set, err := postfix.LoadBackupRules(lctx, conn)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
			return fmt.Errorf("the mail database has no mailform schema version %d (%s); run: mailform postfix migrate", postfix.SchemaVersion(), pgErr.Message)
		}
		return fmt.Errorf("loading the backup rules: %w", err)
	}
	r := NewRules(set)
	old := l.rules.Swap(r)
	l.loads.Add(1)
	l.metrics.loads.WithLabelValues("ok").Inc()
	l.metrics.rules.Set(float64(r.Len()))
	l.metrics.loaded.SetToCurrentTime()
	level := slog.LevelDebug
	if old == nil || old.Len() != r.Len() {
		level = slog.LevelInfo
	}
	l.log.Log(ctx, level, "backup rules loaded", "rules", r.Len(), "domains", len(set.Domains), "reason", reason,
		"took", time.Since(start).Round(time.Microsecond).String())
	return nil
}
