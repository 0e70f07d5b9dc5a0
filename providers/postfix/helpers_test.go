package postfix

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/state/pgtest"
)

// One PostgreSQL cluster serves the package; each test gets a database of its own.
var (
	pgOnce   sync.Once
	pgServer *pgtest.Server
	pgErr    error
	dbSeq    atomic.Int64
)

func TestMain(m *testing.M) {
	hashCost = 4 // bcrypt's minimum: the tests check the scheme, not its strength
	code := m.Run()
	if pgServer != nil {
		pgServer.Stop()
	}
	os.Exit(code)
}

// newDB creates an empty database on the shared cluster and returns its connection
// string.
func newDB(t *testing.T) string {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgErr = pgtest.Start() })
	pgtest.Skip(t, "providers/postfix", pgErr)
	name := fmt.Sprintf("mail%d", dbSeq.Add(1))
	conn, err := pgx.Connect(context.Background(), pgServer.ConnStr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", pgServer.Dir, pgServer.Port, name)
}

// sqlConn opens a connection that plays PostfixAdmin: it edits rows behind mailform.
func sqlConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func sqlExec(t *testing.T, c *pgx.Conn, q string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func newProvider(t *testing.T, dsn string) *Provider {
	t.Helper()
	p, err := New(model.Object{"database_url": dsn}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.(*Provider)
}

// readAll reads typ and indexes it by id.
func readAll(t *testing.T, p *Provider, typ string) map[string]model.Object {
	t.Helper()
	rs, err := p.Read(context.Background(), providers.ReadRequest{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]model.Object{}
	for _, r := range rs {
		out[r.ID] = r.Attrs
	}
	return out
}

func create(t *testing.T, p *Provider, typ string, o model.Object) providers.Remote {
	t.Helper()
	r, err := p.Create(context.Background(), typ, "x", o)
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return r
}

func query1(t *testing.T, c *pgx.Conn, q string, args ...any) string {
	t.Helper()
	var s string
	if err := c.QueryRow(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}
