// Package livetest holds what the enforce services' tests share: one PostgreSQL
// cluster a package with a database a test, and a log sink tests read while a
// server writes.
package livetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/state/pgtest"
)

// Cluster is a PostgreSQL cluster started on first use and shared by a package's
// tests; its TestMain calls Stop.
type Cluster struct {
	// Pkg names the package in skip and failure messages; it also prefixes the
	// database names.
	Pkg    string
	Prefix string

	once sync.Once
	srv  *pgtest.Server
	err  error
	seq  atomic.Int64
}

// Start starts the cluster once; a missing PostgreSQL skips t (fails it with
// MAILFORM_REQUIRE_PG=1).
func (c *Cluster) Start(t testing.TB) *pgtest.Server {
	t.Helper()
	c.once.Do(func() { c.srv, c.err = pgtest.Start() })
	pgtest.Skip(t, c.Pkg, c.err)
	return c.srv
}

// Main runs the package's tests (call it from TestMain), then stops the cluster.
func (c *Cluster) Main(m *testing.M) {
	code := m.Run()
	c.Stop()
	os.Exit(code)
}

// Stop stops a started cluster.
func (c *Cluster) Stop() {
	if c.srv != nil {
		c.srv.Stop()
	}
}

// NewDB creates an empty database on the cluster and returns its name and
// connection string.
func (c *Cluster) NewDB(t testing.TB) (name, dsn string) {
	t.Helper()
	s := c.Start(t)
	name = fmt.Sprintf("%s%d", c.Prefix, c.seq.Add(1))
	c.Admin(t, "CREATE DATABASE "+name)
	return name, fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", s.Dir, s.Port, name)
}

// Admin runs q as the cluster's superuser.
func (c *Cluster) Admin(t testing.TB, q string) {
	t.Helper()
	s := c.Start(t)
	conn, err := pgx.Connect(context.Background(), s.ConnStr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// SyncBuffer is a log sink that tests read while a server writes.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
