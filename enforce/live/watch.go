// Package live is the machinery the enforce services (`mailform policy-server`,
// `mailform milter`) share: keeping rules loaded from the mail database current
// (LISTEN/NOTIFY with a periodic refresh, reconnecting while the database is
// down), the /metrics HTTP server, the slog set-up and the signals that stop them.
// What the rules are, and what to do while they cannot be read, stays with each
// service.
package live

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mailform/mailform/providers/postfix"
)

// opTimeout bounds LISTEN and the close of a connection.
const opTimeout = 30 * time.Second

// Watch keeps rules current: it connects to the database, listens on Channel,
// calls Load once connected, again after each notification (or burst of them)
// and at least every Refresh, and when the connection fails calls Down and
// reconnects after Retry (doubling up to MaxRetry).
type Watch struct {
	// Conn is the mail database's connection configuration.
	Conn *pgx.ConnConfig
	// Where names the database without credentials, for errors.
	Where string
	// Channel is the NOTIFY channel announcing a change of the rules.
	Channel string
	// Refresh is the longest time between two loads.
	Refresh time.Duration
	// Retry is the first wait before reconnecting; it doubles up to MaxRetry
	// (a MaxRetry not above Retry keeps it constant).
	Retry, MaxRetry time.Duration
	// ConnectTimeout bounds one connection attempt.
	ConnectTimeout time.Duration
	// SettleQuiet, when positive, takes a burst of notifications in one load: the
	// load waits until no notification came for SettleQuiet, or SettleMax passed
	// since the first.
	SettleQuiet, SettleMax time.Duration
	// Load reads the rules on conn; reason is "start", "notification" or
	// "refresh". Its error ends the connection (Down, then a reconnect).
	Load func(ctx context.Context, conn *pgx.Conn, reason string) error
	// Down is told why the rules could not be read and how long until the next
	// attempt.
	Down func(err error, retryIn time.Duration)
}

// Run keeps the rules current until ctx ends.
func (w *Watch) Run(ctx context.Context) {
	wait := w.Retry
	for {
		err := w.session(ctx, func() { wait = w.Retry })
		if ctx.Err() != nil {
			return
		}
		w.Down(err, wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = max(w.Retry, min(2*wait, w.MaxRetry))
	}
}

// session connects, listens, loads, and reloads on every notification or refresh
// until the connection fails (its error) or ctx ends (nil). loaded is called
// after the first successful load.
func (w *Watch) session(ctx context.Context, loaded func()) error {
	cctx, cancel := context.WithTimeout(ctx, w.ConnectTimeout)
	conn, err := pgx.ConnectConfig(cctx, w.Conn)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot connect to the mail %s: %s", w.Where, postfix.ConnectReason(err))
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(c)
	}()
	lctx, cancel := context.WithTimeout(ctx, opTimeout)
	_, err = conn.Exec(lctx, "LISTEN "+w.Channel)
	cancel()
	if err != nil {
		return fmt.Errorf("LISTEN %s on the mail %s: %w", w.Channel, w.Where, err)
	}
	if err := w.Load(ctx, conn, "start"); err != nil {
		return err
	}
	loaded()
	for {
		wctx, cancel := context.WithTimeout(ctx, w.Refresh)
		err := conn.PgConn().WaitForNotification(wctx)
		cancel()
		reason := "notification"
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			reason = "refresh"
		case err != nil:
			return fmt.Errorf("the connection to the mail %s failed: %w", w.Where, err)
		case w.SettleQuiet > 0:
			// An apply commits one transaction per step: the notifications of a
			// burst are taken in one load, after a quiet pause (at most SettleMax
			// after the first).
			first := time.Now()
			for time.Since(first) < w.SettleMax {
				dctx, cancel := context.WithTimeout(ctx, w.SettleQuiet)
				err := conn.PgConn().WaitForNotification(dctx)
				cancel()
				if err != nil {
					break
				}
			}
			if ctx.Err() != nil {
				return nil
			}
		}
		if conn.IsClosed() {
			return fmt.Errorf("the connection to the mail %s closed", w.Where)
		}
		if err := w.Load(ctx, conn, reason); err != nil {
			return err
		}
	}
}
