package logarchive

import (
	"context"
	"fmt"
	"github.com/mailform/mailform/providers/unreachable"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/state/pgtest"
)

var (
	pgOnce   sync.Once
	pgServer *pgtest.Server
	pgErr    error
	pgSeq    int
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgServer != nil {
		pgServer.Stop()
	}
	os.Exit(code)
}

// openPG returns an archive in a fresh schema of the shared test cluster, skipping
// when PostgreSQL is not installed (failing with MAILFORM_REQUIRE_PG=1).
func openPG(t *testing.T) (*PG, string) {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgErr = pgtest.Start() })
	pgtest.Skip(t, "logarchive", pgErr)
	pgSeq++
	schema := fmt.Sprintf("logs%d", pgSeq)
	p, err := OpenPG(PGConfig{ConnStr: pgServer.ConnStr(), Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, schema
}

// forEachStore runs test against the embedded and the PostgreSQL archive.
func forEachStore(t *testing.T, test func(t *testing.T, s Store)) {
	t.Run("bolt", func(t *testing.T) {
		s, _ := openBolt(t)
		test(t, s)
	})
	t.Run("pg", func(t *testing.T) {
		s, _ := openPG(t)
		test(t, s)
	})
}

func TestPGVerifyFindsAnEditedRow(t *testing.T) {
	ctx := context.Background()
	s, schema := openPG(t)
	if _, err := Pull(ctx, s, &fakeSource{accounts: []string{"a@x.com"}}, date("2026-03-01"), PullOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, pgServer.ConnStr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	tag, err := c.Exec(ctx, `UPDATE `+schema+`.mailform_log_rows SET row = replace(row, '10.0.0.2', '192.0.2.66') WHERE day = '2026-02-10' AND row LIKE '%10.0.0.2%'`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("edit: %v %v", tag, err)
	}
	vr, err := Verify(ctx, s)
	if err != nil || len(vr.Problems) != 1 || vr.Problems[0].Date != "2026-02-10" || !strings.Contains(vr.Problems[0].Detail, "edited") {
		t.Fatalf("verify: %+v %v", vr.Problems, err)
	}
}

func TestPGUnreachableIsAnError(t *testing.T) {
	p, err := OpenPG(PGConfig{ConnStr: "host=/nonexistent port=1 user=x connect_timeout=2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Days(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("err = %v", err)
	}
	if _, err := OpenPG(PGConfig{ConnStr: "port=notanumber"}); err == nil {
		t.Fatal("a bad connection string must be refused")
	}
}

// A server that accepts the connection and never answers fails the call within the
// connect timeout, with one message naming the server.
func TestPGHangingServerIsBounded(t *testing.T) {
	u, err := url.Parse(unreachable.Hanging(t, "/"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := OpenPG(PGConfig{ConnStr: "host=" + u.Hostname() + " port=" + u.Port() + " user=x password=pw-SECRET connect_timeout=1 sslmode=disable"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Days(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot connect") || strings.Contains(err.Error(), "pw-SECRET") {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Fatalf("took %s with a connect timeout of 1s", el)
	}
}
