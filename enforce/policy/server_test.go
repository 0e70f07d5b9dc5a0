package policy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/enforce/live/livetest"
	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/postfix"
	"github.com/mailform/mailform/providers/unreachable"
)

// One PostgreSQL cluster serves the package; each test gets a database of its own.
var cluster = &livetest.Cluster{Pkg: "enforce/policy", Prefix: "policy"}

func TestMain(m *testing.M) { cluster.Main(m) }

func newDB(t testing.TB) string {
	t.Helper()
	_, dsn := cluster.NewDB(t)
	return dsn
}

func admin(t testing.TB, q string) {
	t.Helper()
	cluster.Admin(t, q)
}

// provider is mailform's postfix provider on dsn, as apply uses it.
func provider(t testing.TB, dsn string) providers.Provider {
	t.Helper()
	p, err := postfix.New(model.Object{"database_url": dsn, "bcrypt_cost": int64(4)}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func mustCreate(t testing.TB, p providers.Provider, typ, label string, o model.Object) providers.Remote {
	t.Helper()
	r, err := p.Create(context.Background(), typ, label, o)
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return r
}

type running struct {
	srv  *Server
	addr string
	log  *livetest.SyncBuffer
	stop func() error
}

func startServer(t testing.TB, cfg Config) *running {
	t.Helper()
	logs := &livetest.SyncBuffer{}
	cfg.Log = slog.New(slog.NewTextHandler(logs, nil))
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(15 * time.Second):
				runErr = fmt.Errorf("Run did not return within 15s of the cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return &running{srv: srv, addr: ln.Addr().String(), log: logs, stop: stop}
}

// client speaks the policy protocol over one connection, as Postfix does.
type client struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{c: c, r: bufio.NewReader(c)}
}

func (c *client) ask(attrs ...string) (string, error) {
	c.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.c, strings.Join(attrs, "\n")+"\n\n"); err != nil {
		return "", err
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if blank, err := c.r.ReadString('\n'); err != nil || blank != "\n" {
		return "", fmt.Errorf("answer %q not ended by a blank line (%q, %v)", line, blank, err)
	}
	return strings.TrimSuffix(strings.TrimPrefix(line, "action="), "\n"), nil
}

// waitAnswer asks until the answer starts with want (the rules reload in the
// background), failing after 10 seconds.
func waitAnswer(t *testing.T, c *client, want string, attrs ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := c.ask(attrs...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("answer %q, still not %q after 10s", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var toOutside = []string{"request=smtpd_access_policy", "protocol_state=RCPT", "sasl_username=dan@harbour.test",
	"sender=dan@harbour.test", "recipient=someone@other.test"}

// The server enforces what apply writes as soon as it commits (LISTEN/NOTIFY, with
// a refresh far longer than the test), answers the default action while the
// database refuses it and logs why, recovers when it is back, counts decisions on
// /metrics, and stops on cancel.
func TestServerFollowsTheDatabase(t *testing.T) {
	dsn := newDB(t)
	p := provider(t, dsn)
	mustCreate(t, p, "domain", "", model.Object{"name": "harbour.test"})
	fin := mustCreate(t, p, "department", "", model.Object{"name": "Finance"})
	mustCreate(t, p, "account", "", model.Object{"email": "dan@harbour.test", "name": "Dan", "password": "pw-dan-1", "departments": []string{fin.ID}})

	r := startServer(t, Config{DatabaseURL: dsn, Refresh: time.Hour, Retry: 100 * time.Millisecond, ConnectTimeout: 2 * time.Second})
	c := dial(t, r.addr)
	waitAnswer(t, c, "DUNNO", toOutside...)

	mustCreate(t, p, "send_restriction", "finance", model.Object{"departments": []string{fin.ID}, "external": "deny"})
	waitAnswer(t, c, "550 5.7.1 <someone@other.test>: send_restriction.finance", toOutside...)

	// The database refuses connections: the rules are dropped, the default answered.
	name := dsn[strings.Index(dsn, "dbname=")+7 : strings.Index(dsn, " sslmode")]
	admin(t, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false")
	admin(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+name+"' AND application_name = 'mailform policy-server'")
	waitAnswer(t, c, "DEFER_IF_PERMIT", toOutside...)
	if l := r.log.String(); !strings.Contains(l, "cannot read the rules") || !strings.Contains(l, "database "+`\"`+name+`\"`) {
		t.Fatalf("log does not say why:\n%s", l)
	}
	admin(t, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true")
	waitAnswer(t, c, "550 5.7.1", toOutside...)

	if err := p.Delete(context.Background(), "send_restriction", "finance", nil); err != nil {
		t.Fatal(err)
	}
	waitAnswer(t, c, "DUNNO", toOutside...)

	rec := httptest.NewRecorder()
	r.srv.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`mailform_policy_decisions_total{action="reject",rule="send_restriction.finance"}`,
		`mailform_policy_decisions_total{action="default",rule=""}`,
		`mailform_policy_decisions_total{action="dunno",rule=""}`,
		`mailform_policy_database_up 1`,
		`mailform_policy_reloads_total{result="error"}`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("/metrics lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(r.log.String(), "user=postgres") || strings.Contains(body, "user=postgres") {
		t.Fatal("the connection string was printed")
	}

	// Stopping: the open connection is closed and Run returns.
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ask(toOutside...); err == nil {
		t.Fatal("the server still answers after it stopped")
	}
}

// A server whose database is unreachable from the start answers its configured
// default within its connect timeout and logs why.
func TestServerWithoutDatabaseAnswersTheDefault(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	r := startServer(t, Config{DatabaseURL: fmt.Sprintf("host=127.0.0.1 port=%d user=u password=s3cret dbname=mail", port),
		DefaultAction: "451 4.3.0 policy unavailable", Retry: time.Hour, ConnectTimeout: time.Second})
	c := dial(t, r.addr)
	got, err := c.ask(toOutside...)
	if err != nil || got != "451 4.3.0 policy unavailable" {
		t.Fatalf("answer %q, %v; want the default", got, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.log.String(), "cannot connect") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	l2 := r.log.String()
	if !strings.Contains(l2, "cannot connect to the mail database \\\"mail\\\" at 127.0.0.1:") || !strings.Contains(l2, "refused") {
		t.Fatalf("log does not say why:\n%s", l2)
	}
	if strings.Contains(l2, "s3cret") {
		t.Fatalf("the password was logged:\n%s", l2)
	}
}

// A database address that accepts and never answers: the connect timeout ends
// the attempt, the server answers its default and logs why.
func TestServerWithAHangingDatabaseAnswersTheDefault(t *testing.T) {
	addr := strings.TrimPrefix(unreachable.Hanging(t, ""), "http://")
	start := time.Now()
	r := startServer(t, Config{DatabaseURL: "postgres://u:s3cret@" + addr + "/mail?sslmode=disable",
		DefaultAction: "451 4.3.0 policy unavailable", Retry: time.Hour, ConnectTimeout: 300 * time.Millisecond})
	got, err := dial(t, r.addr).ask(toOutside...)
	if err != nil || got != "451 4.3.0 policy unavailable" {
		t.Fatalf("answer %q, %v; want the default", got, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.log.String(), "cannot connect") {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the unanswered connect within 5s of the start (%v):\n%s", time.Since(start), r.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(r.log.String(), "s3cret") {
		t.Fatalf("the password was logged:\n%s", r.log.String())
	}
}

// A line that is not name=value ends the connection; the server keeps serving others.
func TestServerDropsAGarbledConnection(t *testing.T) {
	r := startServer(t, Config{DatabaseURL: "host=127.0.0.1 port=1 dbname=x", Retry: time.Hour, ConnectTimeout: time.Second})
	c := dial(t, r.addr)
	if _, err := c.ask("GET / HTTP/1.0"); err == nil {
		t.Fatal("a garbled request got an answer")
	}
	if got, err := dial(t, r.addr).ask(toOutside...); err != nil || got != "DEFER_IF_PERMIT" {
		t.Fatalf("next connection: %q, %v", got, err)
	}
	if !strings.Contains(r.log.String(), "without '='") {
		t.Fatalf("log:\n%s", r.log.String())
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), postfix.DatabaseURLEnv) {
		t.Fatalf("no database: %v", err)
	}
	if _, err := New(Config{DatabaseURL: "host=x", DefaultAction: "perhaps"}); err == nil || !strings.Contains(err.Error(), "--default-action") {
		t.Fatalf("bad action: %v", err)
	}
	if _, err := New(Config{DatabaseURL: "postgres://u:s3cret@[bad"}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("bad url: %v", err)
	}
}
