package state

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PGConnStrEnv is the environment variable the pg backend takes its connection
// string from when the configuration gives none.
const PGConnStrEnv = "MAILFORM_PG_CONN_STR"

// pgTimeout bounds every statement the backend sends, so that an unreachable or
// stuck server becomes an error instead of a hung run.
const pgTimeout = 30 * time.Second

// PGConfig says which PostgreSQL database, schema and row hold a state.
type PGConfig struct {
	// ConnStr is a libpq connection string or URL; "" takes MAILFORM_PG_CONN_STR,
	// and what neither gives comes from the standard PG* environment variables.
	ConnStr string
	// Schema holds the tables; "" is "public".
	Schema string
	// Workspace names the state's row; "" is "default".
	Workspace string
}

// PG is the pg backend: each workspace's state is one row of
// <schema>.mailform_states, replaced by a serial compare-and-swap on every save, and
// the run lock is a session advisory lock plus a row in <schema>.mailform_locks that
// names the holder.
type PG struct {
	cfg       *pgx.ConnConfig
	schema    string
	workspace string

	// mu serialises use of conn, which pgx does not allow concurrently.
	mu   sync.Mutex
	conn *pgx.Conn
	// ready is set once the tables are known to exist.
	ready bool

	// lockMu guards the lock session: lockConn holds the advisory lock taken with
	// lockID for as long as the lock is held.
	lockMu   sync.Mutex
	lockConn *pgx.Conn
	lockID   string
}

// NewPG returns the pg backend for c. It checks the connection string but does not
// connect until the state is first used.
func NewPG(c PGConfig) (*PG, error) {
	connStr := c.ConnStr
	if connStr == "" {
		connStr = os.Getenv(PGConnStrEnv)
	}
	cfg, err := pgx.ParseConfig(connStr)
	if err != nil {
		// pgconn's parse errors already hide the password.
		return nil, fmt.Errorf("invalid PostgreSQL connection string for the pg backend: %v", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 15 * time.Second
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "mailform"
	}
	p := &PG{cfg: cfg, schema: c.Schema, workspace: c.Workspace}
	if p.schema == "" {
		p.schema = "public"
	}
	if p.workspace == "" {
		p.workspace = "default"
	}
	return p, nil
}

// Describe names where the state lives, without the password: user, server,
// database, table and workspace.
func (p *PG) Describe() string {
	return fmt.Sprintf("PostgreSQL %s@%s:%d/%s table %s.mailform_states workspace %q",
		p.cfg.User, p.cfg.Host, p.cfg.Port, p.cfg.Database, p.schema, p.workspace)
}

func (p *PG) table(name string) string {
	return pgx.Identifier{p.schema, name}.Sanitize()
}

// hide removes the password from an error's text: server and driver messages may
// quote the connection string, and secrets never reach output.
func (p *PG) hide(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if pw := p.cfg.Password; pw != "" && strings.Contains(msg, pw) {
		return errors.New(strings.ReplaceAll(msg, pw, "********"))
	}
	return err
}

// connect opens a session to the server.
func (p *PG) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, p.cfg.Copy())
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the pg backend (%s): %w; check conn_str, %s or the PG* environment variables", p.Describe(), p.hide(err), PGConnStrEnv)
	}
	return conn, nil
}

// session returns the data connection, reconnecting when it was lost, and makes the
// tables on first use. It is called with p.mu held.
func (p *PG) session(ctx context.Context) (*pgx.Conn, error) {
	if p.conn != nil && p.conn.IsClosed() {
		p.conn = nil
	}
	if p.conn == nil {
		conn, err := p.connect(ctx)
		if err != nil {
			return nil, err
		}
		p.conn = conn
	}
	if !p.ready {
		if err := p.setup(ctx, p.conn); err != nil {
			return nil, err
		}
		p.ready = true
	}
	return p.conn, nil
}

// setup creates the schema and tables when missing. It looks before creating so that
// a role without CREATE rights can use tables an administrator made, and takes a
// transaction advisory lock so that two first runs do not race to create them.
func (p *PG) setup(ctx context.Context, conn *pgx.Conn) error {
	var have bool
	err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL`,
		p.table("mailform_states"), p.table("mailform_locks")).Scan(&have)
	if err != nil {
		return p.fail("cannot look for the state tables", err)
	}
	if have {
		return nil
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, p.key("setup")); err != nil {
			return p.fail("cannot create the state tables", err)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, p.schema).Scan(&exists); err != nil {
			return p.fail("cannot create the state tables", err)
		}
		stmts := []string{
			`CREATE TABLE IF NOT EXISTS ` + p.table("mailform_states") + ` (
				name text PRIMARY KEY,
				data jsonb NOT NULL,
				lineage text NOT NULL,
				serial bigint NOT NULL,
				updated_at timestamptz NOT NULL DEFAULT now())`,
			`CREATE TABLE IF NOT EXISTS ` + p.table("mailform_locks") + ` (
				name text PRIMARY KEY,
				info jsonb NOT NULL,
				backend_pid integer NOT NULL,
				created_at timestamptz NOT NULL DEFAULT now())`,
		}
		if !exists {
			stmts = append([]string{`CREATE SCHEMA ` + pgx.Identifier{p.schema}.Sanitize()}, stmts...)
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return p.fail("cannot create the state tables (create them as an administrator, or grant CREATE on the schema)", err)
			}
		}
		return nil
	})
}

// fail describes an error of the backend for what it was doing.
func (p *PG) fail(doing string, err error) error {
	return fmt.Errorf("%s in the pg backend (%s): %w", doing, p.Describe(), p.hide(err))
}

// key is the advisory lock number of this workspace's state (or of another purpose
// such as "setup"): advisory locks are per database, so the schema is part of it.
func (p *PG) key(purpose string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "mailform %s %s.%s", purpose, p.schema, p.workspace)
	return int64(h.Sum64())
}

// Load reads the workspace's row; a missing row is a new empty state.
func (p *PG) Load() (*State, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	conn, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	var data []byte
	err = conn.QueryRow(ctx, `SELECT data::text FROM `+p.table("mailform_states")+` WHERE name = $1`, p.workspace).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return New(), nil
	}
	if err != nil {
		return nil, p.fail("cannot read the state", err)
	}
	st, err := decodeState(data)
	if err != nil {
		var newer *newerVersionError
		if errors.As(err, &newer) {
			return nil, fmt.Errorf("the state in %s was written by a newer mailform (format version %d; this build reads up to %d): upgrade mailform", p.Describe(), newer.version, Version)
		}
		return nil, fmt.Errorf("the state in %s is corrupt (%v); restore the row from a database backup", p.Describe(), err)
	}
	return st, nil
}

// Save increments st.Serial and replaces the stored state with st in one
// transaction; it is refused when the stored state is no longer the one st was
// loaded from. On error st.Serial is left as it was.
func (p *PG) Save(st *State) error {
	st.Serial++
	data, err := encodeState(st)
	if err == nil {
		err = p.commit(st.Lineage, st.Serial, data)
	}
	if err != nil {
		st.Serial--
	}
	return err
}

// commit stores data, the encoding of the state at lineage and serial, if the row
// still holds serial-1 of the same lineage (or does not exist yet). PostgreSQL's
// commit is durable before it returns. While this backend holds the lock, the write
// goes through the lock's own session, so a run whose lock was taken away
// (force-unlock ends that session) cannot write on.
func (p *PG) commit(lineage string, serial uint64, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	p.lockMu.Lock()
	defer p.lockMu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if conn := p.lockConn; conn != nil {
		err := p.swap(ctx, conn, lineage, serial, data)
		if err != nil && (conn.IsClosed() || pgconnLost(err)) {
			return fmt.Errorf("cannot save the state: this run's lock on %s was lost (force-unlock by another run, or the server ended the session); this step is not recorded — run plan again", p.Describe())
		}
		return err
	}
	conn, err := p.session(ctx)
	if err != nil {
		return err
	}
	return p.swap(ctx, conn, lineage, serial, data)
}

// swap is the compare-and-swap of commit on conn.
func (p *PG) swap(ctx context.Context, conn *pgx.Conn, lineage string, serial uint64, data []byte) error {
	states := p.table("mailform_states")
	var tag pgconn.CommandTag
	var err error
	if serial <= 1 {
		tag, err = conn.Exec(ctx, `INSERT INTO `+states+` (name, data, lineage, serial) VALUES ($1, $2::text::jsonb, $3, $4)
			ON CONFLICT (name) DO NOTHING`, p.workspace, string(data), lineage, int64(serial))
	} else {
		tag, err = conn.Exec(ctx, `UPDATE `+states+` SET data = $2::text::jsonb, serial = $4, updated_at = now()
			WHERE name = $1 AND lineage = $3 AND serial = $5`, p.workspace, string(data), lineage, int64(serial), int64(serial-1))
		if err == nil && tag.RowsAffected() == 0 {
			// A state that was never stored (its row deleted, or saved first at a
			// higher serial by state tooling) is inserted, still never overwriting.
			tag, err = conn.Exec(ctx, `INSERT INTO `+states+` (name, data, lineage, serial) VALUES ($1, $2::text::jsonb, $3, $4)
				ON CONFLICT (name) DO NOTHING`, p.workspace, string(data), lineage, int64(serial))
		}
	}
	if err != nil {
		return p.fail("cannot save the state", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return p.conflict(ctx, conn, lineage, serial)
}

// conflict explains why the compare-and-swap matched no row.
func (p *PG) conflict(ctx context.Context, conn *pgx.Conn, lineage string, serial uint64) error {
	var have string
	var haveSerial int64
	err := conn.QueryRow(ctx, `SELECT lineage, serial FROM `+p.table("mailform_states")+` WHERE name = $1`, p.workspace).Scan(&have, &haveSerial)
	if err != nil {
		return p.fail("cannot save the state: the state was changed by another run, and reading it failed", err)
	}
	if have != lineage {
		return fmt.Errorf("refusing to save: the state in %s belongs to lineage %s, not %s (a different configuration's state); check the backend's schema_name and workspace", p.Describe(), have, lineage)
	}
	return fmt.Errorf("refusing to save serial %d: the state was changed by another run (%s is at serial %d, this run loaded serial %d) — run plan again", serial, p.Describe(), haveSerial, serial-1)
}

// Close releases the lock if this backend still holds it and closes its sessions.
func (p *PG) Close() error {
	p.lockMu.Lock()
	id := p.lockID
	p.lockMu.Unlock()
	var err error
	if id != "" {
		err = p.Unlock(id)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		p.conn.Close(ctx)
		cancel()
		p.conn = nil
	}
	return err
}
