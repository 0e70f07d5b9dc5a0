package live

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/enforce/live/livetest"
	"github.com/mailform/mailform/providers/postfix"
	"github.com/mailform/mailform/providers/unreachable"
)

var cluster = &livetest.Cluster{Pkg: "enforce/live", Prefix: "live"}

func TestMain(m *testing.M) { cluster.Main(m) }

// recorder is what a service does with the watcher: it counts the loads by
// reason and keeps the downs.
type recorder struct {
	mu      sync.Mutex
	loads   []string
	downs   []error
	retries []time.Duration
	failing error // Load fails with this while set
}

func (r *recorder) load(_ context.Context, conn *pgx.Conn, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing != nil {
		return r.failing
	}
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		return err
	}
	r.loads = append(r.loads, reason)
	return nil
}

func (r *recorder) down(err error, retryIn time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.downs = append(r.downs, err)
	r.retries = append(r.retries, retryIn)
}

func (r *recorder) snapshot() (loads []string, downs []error, retries []time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.loads...), append([]error(nil), r.downs...), append([]time.Duration(nil), r.retries...)
}

// waitFor polls cond for up to 15 seconds.
func waitFor(t *testing.T, what string, r *recorder, cond func(loads []string, downs []error) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		loads, downs, _ := r.snapshot()
		if cond(loads, downs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s (loads %v, downs %v)", what, loads, downs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// watch runs a watcher on a new database until the test ends and returns the
// recorder, the database's name and connection string.
func watch(t *testing.T, w Watch) (*recorder, string, string) {
	t.Helper()
	name, dsn := cluster.NewDB(t)
	if w.Conn == nil {
		pc, err := postfix.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		pc.RuntimeParams["application_name"] = "live test"
		w.Conn = pc
	}
	r := &recorder{}
	w.Where = postfix.Describe(w.Conn)
	w.Channel = "live_test"
	w.Load, w.Down = r.load, r.down
	if w.Refresh == 0 {
		w.Refresh = time.Hour
	}
	if w.Retry == 0 {
		w.Retry = 20 * time.Millisecond
	}
	if w.ConnectTimeout == 0 {
		w.ConnectTimeout = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("Run did not return within 15s of its context ending")
		}
	})
	return r, name, dsn
}

func notify(t *testing.T, dsn string, n int) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for i := range n {
		// One transaction a notification, as apply commits one a step.
		if _, err := conn.Exec(context.Background(), fmt.Sprintf("NOTIFY live_test, '%d'", i)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWatchLoadsOnStartAndOnNotify(t *testing.T) {
	r, _, dsn := watch(t, Watch{})
	waitFor(t, "first load", r, func(l []string, _ []error) bool { return len(l) == 1 })
	notify(t, dsn, 1)
	waitFor(t, "load after NOTIFY", r, func(l []string, _ []error) bool { return len(l) == 2 })
	if loads, downs, _ := r.snapshot(); loads[0] != "start" || loads[1] != "notification" || len(downs) != 0 {
		t.Fatalf("loads %v, downs %v; want [start notification], none", loads, downs)
	}
}

func TestWatchRefreshesWithoutNotification(t *testing.T) {
	r, _, _ := watch(t, Watch{Refresh: 50 * time.Millisecond})
	waitFor(t, "refreshes", r, func(l []string, _ []error) bool { return len(l) >= 3 })
	if loads, _, _ := r.snapshot(); loads[1] != "refresh" || loads[2] != "refresh" {
		t.Fatalf("loads %v; want start, refresh, refresh", loads)
	}
}

// A burst of notifications (one a committed step) is taken in one load.
func TestWatchCoalescesABurst(t *testing.T) {
	r, _, dsn := watch(t, Watch{SettleQuiet: 300 * time.Millisecond, SettleMax: 5 * time.Second})
	waitFor(t, "first load", r, func(l []string, _ []error) bool { return len(l) == 1 })
	notify(t, dsn, 30)
	waitFor(t, "load after the burst", r, func(l []string, _ []error) bool { return len(l) >= 2 })
	time.Sleep(time.Second) // any second load of the burst would come in this time
	if loads, _, _ := r.snapshot(); len(loads) != 2 {
		t.Fatalf("30 notifications gave loads %v; want one load after start", loads)
	}
}

// The database refusing connections tells Down why (naming the database) and
// retries; the service's rules are its own business, the watcher does not
// touch them. When the database is back the rules are loaded again.
func TestWatchReportsTheDatabaseDownAndReconnects(t *testing.T) {
	r, name, _ := watch(t, Watch{})
	waitFor(t, "first load", r, func(l []string, _ []error) bool { return len(l) == 1 })
	cluster.Admin(t, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false")
	cluster.Admin(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+name+"' AND application_name = 'live test'")
	waitFor(t, "down twice", r, func(_ []string, d []error) bool { return len(d) >= 2 })
	_, downs, _ := r.snapshot()
	if !strings.Contains(downs[1].Error(), "cannot connect to the mail database \""+name+"\"") {
		t.Fatalf("down reason %q does not say it cannot connect to the database", downs[1])
	}
	cluster.Admin(t, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true")
	waitFor(t, "load after the database is back", r, func(l []string, _ []error) bool { return len(l) == 2 })
	if loads, _, _ := r.snapshot(); loads[1] != "start" {
		t.Fatalf("loads %v; want a start load after reconnecting", loads)
	}
}

// A failing load ends the session like a failed connection; the retry wait
// doubles up to MaxRetry and stays at Retry without one.
func TestWatchBacksOff(t *testing.T) {
	for _, c := range []struct {
		max  time.Duration
		want []time.Duration
	}{
		{80 * time.Millisecond, []time.Duration{10, 20, 40, 80, 80}},
		{0, []time.Duration{10, 10, 10, 10, 10}},
	} {
		t.Run(fmt.Sprint(c.max), func(t *testing.T) {
			r, _, _ := watch(t, Watch{Retry: 10 * time.Millisecond, MaxRetry: c.max})
			r.mu.Lock()
			r.failing = errors.New("no mailform schema")
			r.mu.Unlock()
			waitFor(t, "five downs", r, func(_ []string, d []error) bool { return len(d) >= 5 })
			_, downs, retries := r.snapshot()
			if downs[0].Error() != "no mailform schema" {
				t.Fatalf("down reason %q; want the load's error", downs[0])
			}
			for i, w := range c.want {
				if retries[i] != w*time.Millisecond {
					t.Fatalf("retry waits %v; want %v ms", retries[:5], c.want)
				}
			}
		})
	}
}

// Nothing listening: Down says the connection was refused, and no load happens.
func TestWatchWithoutDatabase(t *testing.T) {
	pc, err := postfix.ParseConfig("postgres://mailform:s3cret@127.0.0.1:1/mail?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	r, _, _ := watch(t, Watch{Conn: pc})
	waitFor(t, "down", r, func(_ []string, d []error) bool { return len(d) >= 1 })
	loads, downs, _ := r.snapshot()
	if msg := downs[0].Error(); !strings.Contains(msg, "cannot connect to the mail database \"mail\" at 127.0.0.1:1") ||
		!strings.Contains(msg, "refused") || strings.Contains(msg, "s3cret") || len(loads) != 0 {
		t.Fatalf("down %q, loads %v; want a refused connection without the password and no load", msg, loads)
	}
}

// A database address that accepts and never answers: ConnectTimeout ends the
// attempt and Down reports it; no load happens.
func TestWatchOnAHangingDatabase(t *testing.T) {
	addr := strings.TrimPrefix(unreachable.Hanging(t, ""), "http://")
	pc, err := postfix.ParseConfig("postgres://mailform:s3cret@" + addr + "/mail?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, _, _ := watch(t, Watch{Conn: pc, ConnectTimeout: 300 * time.Millisecond, Retry: time.Hour})
	waitFor(t, "down", r, func(_ []string, d []error) bool { return len(d) >= 1 })
	loads, downs, _ := r.snapshot()
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("down after %v; want it soon after the 300ms connect timeout", took)
	}
	if msg := downs[0].Error(); !strings.Contains(msg, "cannot connect to the mail database") ||
		strings.Contains(msg, "s3cret") || len(loads) != 0 {
		t.Fatalf("down %q, loads %v; want a failed connection without the password and no load", msg, loads)
	}
}
