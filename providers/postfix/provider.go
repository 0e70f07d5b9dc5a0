// Package postfix is the `postfix` provider: a self-hosted Postfix + Dovecot mail
// server managed through its PostgreSQL database. Domains, mailboxes and aliases live
// in PostfixAdmin-compatible tables (domain, mailbox, alias, quota2), so PostfixAdmin
// and the SQL maps of Postfix and Dovecot read what mailform writes; departments,
// membership and group definitions live in mailform_* tables beside them.
//
// Every read is a whole-table read in one snapshot; every write is one transaction
// that first checks the rows still hold what the plan saw, so a change made in
// PostfixAdmin between plan and apply stops the step with "changed since plan".
package postfix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// Kind is the provider block label.
const Kind = "postfix"

// DatabaseURLEnv names the environment variable database_url defaults to.
const DatabaseURLEnv = "MAILFORM_POSTFIX_DATABASE_URL"

// Timeouts bound every wait on the database: an unreachable server fails the run
// with one message instead of hanging it.
// They are variables so tests can shorten them.
var (
	connectTimeout   = 10 * time.Second
	statementTimeout = 30 * time.Second
	opTimeout        = 45 * time.Second
)

var configAttrs = []*model.Attr{
	{Name: "database_url", Kind: model.KindString, Sensitive: true, Doc: "PostgreSQL connection string or URL of the mail database; default $" + DatabaseURLEnv},
	{Name: "migrate", Kind: model.KindBool, Default: true, Doc: "bring the schema up to date on first use (else run: mailform postfix migrate)"},
	{Name: "quota_unit_bytes", Kind: model.KindInt, Default: int64(1 << 20), Doc: "bytes in one quota_mb (PostfixAdmin's quota_multiplier)"},
	{Name: "bcrypt_cost", Kind: model.KindInt, Doc: "bcrypt work factor of stored passwords, 4 to 16 (default 10); each step doubles the work of every login"},
	{Name: "maildir_delete_command", Kind: model.KindList, Doc: "command that removes a deleted account's mail, run only when a plan deletes the account, with {user}, {domain}, {local_part} and {maildir} (the mailbox row's, e.g. example.com/ann/) replaced in each argument; e.g. [\"doveadm\", \"fs\", \"delete\", \"-R\", \"posix\", \"dirs\", \"/var/vmail/{maildir}\"] (posix dirs: directories too). Unset: the mail stays on disk"},
}

// supported lists the attributes managed per resource type.
var supported = map[string][]string{
	"domain":     {"name"},
	"department": {"id", "name", "parent", "order"},
	"account":    {"email", "name", "departments", "position", "mobile", "phone", "external_id", "aliases", "password", "status", "quota_mb"},
	"group":      model.Group.AttrNames(),
	// send_restriction rules are enforced by `mailform policy-server`.
	"send_restriction": model.SendRestriction.AttrNames(),
	// backup_rule rules are enforced by `mailform milter`.
	"backup_rule": model.BackupRule.AttrNames(),
}

// Factory returns the factory of postfix providers.
func Factory() *providers.Factory {
	return &providers.Factory{
		Kind:   Kind,
		Config: configAttrs,
		Types:  []string{"domain", "department", "account", "group", "send_restriction", "backup_rule"},
		New:    New,
	}
}

var registerOnce sync.Once

// Register adds the postfix kind to the provider registry; calling it again is harmless.
func Register() { registerOnce.Do(func() { providers.Register(Factory()) }) }

// Provider manages one mail database. It connects on first use and keeps one
// connection, used by one operation at a time.
type Provider struct {
	cfg       *pgx.ConnConfig
	where     string // host/port/database, for messages; never the password
	migrate   bool
	quotaUnit int64
	cost      int // bcrypt work factor
	log       io.Writer
	// removeMail is the maildir_delete_command, nil when unset.
	removeMail []string

	mu   sync.Mutex
	conn *pgx.Conn
	// failed is the error of a connection that could not be made: a plan reads four
	// types, and each waiting out the connect timeout again would multiply the wait.
	failed error
}

// New makes a provider from its provider block.
func New(cfg model.Object, env providers.Env) (providers.Provider, error) {
	url := cfg.Str("database_url")
	if url == "" {
		url = os.Getenv(DatabaseURLEnv)
	}
	if url == "" {
		if env.Offline {
			url = "host=/nonexistent"
		} else {
			return nil, fmt.Errorf("postfix provider: no database; set database_url or $%s to the PostgreSQL connection string of the mail database", DatabaseURLEnv)
		}
	}
	pc, err := ParseConfig(url)
	if err != nil {
		return nil, err
	}
	p := &Provider{cfg: pc, where: describe(pc), migrate: true, quotaUnit: 1 << 20, cost: hashCost}
	if v, ok := cfg["bcrypt_cost"].(int64); ok {
		if v < 4 || v > 16 {
			return nil, fmt.Errorf("postfix provider: bcrypt_cost %d is outside 4 to 16", v)
		}
		p.cost = int(v)
	}
	if v, ok := cfg["migrate"].(bool); ok {
		p.migrate = v
	}
	if v, ok := cfg["quota_unit_bytes"].(int64); ok {
		if v <= 0 {
			return nil, fmt.Errorf("postfix provider: quota_unit_bytes %d must be positive", v)
		}
		p.quotaUnit = v
	}
	if strings.EqualFold(os.Getenv("MAILFORM_LOG"), "debug") {
		p.log = env.Log
	}
	if c := cfg.Strings("maildir_delete_command"); len(c) > 0 {
		if c[0] == "" {
			return nil, errors.New("postfix provider: maildir_delete_command must start with a program name")
		}
		p.removeMail = c
	}
	return p, nil
}

// ParseConfig parses a connection string with mailform's timeouts. Its errors never
// repeat the string (it may hold a password).
func ParseConfig(url string) (*pgx.ConnConfig, error) {
	pc, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, errors.New("postfix provider: database_url is not a PostgreSQL connection string or URL (postgres://user@host/db or host=… dbname=…)")
	}
	if pc.ConnectTimeout == 0 || pc.ConnectTimeout > connectTimeout {
		pc.ConnectTimeout = connectTimeout
	}
	pc.RuntimeParams["statement_timeout"] = fmt.Sprint(statementTimeout.Milliseconds())
	pc.RuntimeParams["lock_timeout"] = fmt.Sprint(statementTimeout.Milliseconds())
	pc.RuntimeParams["application_name"] = "mailform"
	return pc, nil
}

// describe names the database without credentials.
func describe(pc *pgx.ConnConfig) string {
	host := pc.Host
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("database %q on the socket in %s (port %d)", pc.Database, host, pc.Port)
	}
	return fmt.Sprintf("database %q at %s:%d", pc.Database, host, pc.Port)
}

// Connect opens the connection (and migrates the schema when configured); later
// calls reuse it. The caller holds p.mu.
func (p *Provider) connect(ctx context.Context) (*pgx.Conn, error) {
	if p.conn != nil && !p.conn.IsClosed() {
		return p.conn, nil
	}
	if p.failed != nil {
		return nil, p.failed
	}
	cctx, cancel := context.WithTimeout(ctx, connectTimeout+5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, p.cfg)
	if err != nil {
		p.failed = fmt.Errorf("postfix: cannot connect to the mail %s: %s", p.where, connectReason(err))
		return nil, p.failed
	}
	if p.migrate {
		mctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		if _, err := Migrate(mctx, conn); err != nil {
			conn.Close(context.Background())
			return nil, fmt.Errorf("postfix: %s: %w", p.where, err)
		}
	} else if err := checkSchema(ctx, conn); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("postfix: %s: %w", p.where, err)
	}
	p.conn = conn
	return conn, nil
}

// connectReason keeps the last part of a pgx connect error: the part that says why
// (refused, timeout, authentication failed), without the connection details.
func connectReason(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		s = s[i+2:]
	}
	return s
}

// checkSchema fails unless the migrations this build knows have all been applied
// (each of them: a database migrated by a build that lacked a step has a gap).
func checkSchema(ctx context.Context, conn *pgx.Conn) error {
	missing, err := missingVersions(ctx, conn)
	if err != nil {
		return errors.New("the mailform schema is missing; run: mailform postfix migrate")
	}
	if len(missing) > 0 {
		return fmt.Errorf("the mailform schema is not up to date (versions %v of %d missing); run: mailform postfix migrate", missing, SchemaVersion())
	}
	return nil
}

// do runs f with the connection, bounded by opTimeout.
func (p *Provider) do(ctx context.Context, f func(ctx context.Context, conn *pgx.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	conn, err := p.connect(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	err = f(ctx, conn)
	if conn.IsClosed() {
		p.conn = nil
	}
	return err
}

// writeLock serialises mailform's write transactions (group expansion reads what
// other steps write) across goroutines and processes.
const writeLock = 0x6d66777269746521

// write runs f in one transaction: all of one apply step's writes, or none.
func (p *Provider) write(ctx context.Context, f func(ctx context.Context, tx pgx.Tx) error) error {
	return p.do(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.Background())
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writeLock)); err != nil {
			return err
		}
		if err := f(ctx, tx); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// read runs f in one read-only snapshot, so the tables it reads agree.
func (p *Provider) read(ctx context.Context, f func(ctx context.Context, tx pgx.Tx) error) error {
	return p.do(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(context.Background())
		return f(ctx, tx)
	})
}

// Supports returns the attributes the provider manages for typ.
func (p *Provider) Supports(typ string) ([]string, bool) {
	a, ok := supported[typ]
	return append([]string(nil), a...), ok
}

func unsupported(typ string) error {
	return fmt.Errorf("postfix provider cannot manage %s resources; serve them with another provider", typ)
}

// Read returns every live object of req.Type.
func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	var out []providers.Remote
	err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = p.readType(ctx, tx, req.Type, "")
		return err
	})
	if err != nil {
		return nil, p.wrap("reading "+req.Type, err)
	}
	return out, nil
}

// Create makes a new object.
func (p *Provider) Create(ctx context.Context, typ, label string, desired model.Object) (providers.Remote, error) {
	t := model.Lookup(typ)
	if t == nil || supported[typ] == nil {
		return providers.Remote{}, unsupported(typ)
	}
	o := model.Canonical(t, desired)
	var r providers.Remote
	err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		switch typ {
		case "domain":
			r, err = createDomain(ctx, tx, o)
		case "department":
			r, err = createDepartment(ctx, tx, o)
		case "account":
			r, err = p.createAccount(ctx, tx, o)
		case "group":
			r, err = createGroup(ctx, tx, o)
		case "send_restriction":
			r, err = createRestriction(ctx, tx, label, o)
		case "backup_rule":
			r, err = createBackupRule(ctx, tx, label, o)
		}
		return err
	})
	if err != nil {
		return providers.Remote{}, p.wrap("creating "+typ, err)
	}
	return r, nil
}

// Update changes an object in place, after checking it still holds prior.
func (p *Provider) Update(ctx context.Context, typ, id string, prior, desired model.Object) (providers.Remote, error) {
	t := model.Lookup(typ)
	if t == nil || supported[typ] == nil {
		return providers.Remote{}, unsupported(typ)
	}
	// Attributes the configuration leaves out are not managed: they keep the value
	// the plan saw instead of being written as empty (a quota set in PostfixAdmin
	// survives a rename).
	merged := model.Object{}
	for k, v := range prior {
		merged[k] = v
	}
	for k, v := range desired {
		merged[k] = v
	}
	o := model.Canonical(t, merged)
	var r providers.Remote
	err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := p.checkPrior(ctx, tx, t, id, prior); err != nil {
			return err
		}
		var err error
		switch typ {
		case "domain":
			r = providers.Remote{ID: id, Attrs: model.Object{"name": id}}
		case "department":
			r, err = updateDepartment(ctx, tx, id, o)
		case "account":
			r, err = p.updateAccount(ctx, tx, id, o)
		case "group":
			r, err = updateGroup(ctx, tx, id, o)
		case "send_restriction":
			r, err = updateRestriction(ctx, tx, id, o)
		case "backup_rule":
			r, err = updateBackupRule(ctx, tx, id, o)
		}
		return err
	})
	if err != nil {
		return providers.Remote{}, p.wrap("updating "+typ+" "+id, err)
	}
	return r, nil
}

// Delete removes an object, after checking it still holds prior.
func (p *Provider) Delete(ctx context.Context, typ, id string, prior model.Object) error {
	t := model.Lookup(typ)
	if t == nil || supported[typ] == nil {
		return unsupported(typ)
	}
	err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := p.checkPrior(ctx, tx, t, id, prior); err != nil {
			return err
		}
		switch typ {
		case "domain":
			return deleteDomain(ctx, tx, id)
		case "department":
			return deleteDepartment(ctx, tx, id)
		case "account":
			return p.deleteAccount(ctx, tx, id)
		case "group":
			return deleteGroup(ctx, tx, id)
		case "send_restriction":
			return deleteRestriction(ctx, tx, id)
		case "backup_rule":
			return deleteBackupRule(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return p.wrap("deleting "+typ+" "+id, err)
	}
	return nil
}

// readType reads the live objects of typ inside tx: all of them, or only the one
// whose id is only.
func (p *Provider) readType(ctx context.Context, tx pgx.Tx, typ, only string) ([]providers.Remote, error) {
	switch typ {
	case "domain":
		return readDomains(ctx, tx, only)
	case "department":
		return readDepartments(ctx, tx, only)
	case "account":
		return p.readAccounts(ctx, tx, only)
	case "group":
		return readGroups(ctx, tx, only)
	case "send_restriction":
		return readRestrictions(ctx, tx, only)
	case "backup_rule":
		return readBackupRules(ctx, tx, only)
	}
	return nil, unsupported(typ)
}

// readOne reads the live object typ/id inside tx, or nil when it is gone.
func (p *Provider) readOne(ctx context.Context, tx pgx.Tx, typ, id string) (model.Object, error) {
	rs, err := p.readType(ctx, tx, typ, id)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return rs[0].Attrs, nil
}

// checkPrior locks typ/id's rows for the transaction and fails with
// providers.ErrChangedSincePlan unless they still hold prior (nil prior: no check).
func (p *Provider) checkPrior(ctx context.Context, tx pgx.Tx, t *model.Type, id string, prior model.Object) error {
	if err := lockRows(ctx, tx, t.Name, id); err != nil {
		return err
	}
	live, err := p.readOne(ctx, tx, t.Name, id)
	if err != nil {
		return err
	}
	if live == nil {
		return fmt.Errorf("%s %s: %w", t.Name, id, providers.ErrNotFound)
	}
	if prior == nil {
		return nil
	}
	if attr := differs(t, prior, live); attr != "" {
		return fmt.Errorf("%s %s: %s was edited outside mailform: %w", t.Name, id, attr, providers.ErrChangedSincePlan)
	}
	return nil
}

// lockRows takes row locks on the object's main row, so nothing edits it between the
// check and the write.
func lockRows(ctx context.Context, tx pgx.Tx, typ, id string) error {
	var q string
	switch typ {
	case "domain":
		q = `SELECT 1 FROM domain WHERE domain = $1 FOR UPDATE`
	case "department":
		n, err := deptID(id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT 1 FROM mailform_department WHERE id = $1 FOR UPDATE`, n)
		return err
	case "account":
		q = `SELECT 1 FROM mailbox WHERE username = $1 FOR UPDATE`
	case "group":
		q = `SELECT 1 FROM alias WHERE address = $1 FOR UPDATE`
	case "send_restriction":
		q = `SELECT 1 FROM mailform_send_restriction WHERE name = $1 FOR UPDATE`
	case "backup_rule":
		q = `SELECT 1 FROM mailform_backup_rule WHERE label = $1 FOR UPDATE`
	}
	_, err := tx.Exec(ctx, q, id)
	return err
}

// differs returns the first managed attribute in which live no longer holds prior,
// comparing canonical forms; "" when it holds it.
func differs(t *model.Type, prior, live model.Object) string {
	a, b := model.Canonical(t, prior), model.Canonical(t, live)
	for _, n := range supported[t.Name] {
		attr := t.Attr(n)
		if attr == nil || attr.WriteOnly || attr.Computed {
			continue
		}
		if _, ok := prior[n]; !ok {
			continue // the plan did not look at it
		}
		x, y := a[n], b[n]
		if t == model.Account && n == "status" {
			x, y = liveStatus(x), liveStatus(y)
		}
		if !model.Equal(x, y) {
			return n
		}
	}
	return ""
}

// liveStatus maps departed to frozen: a departed account is a frozen mailbox.
func liveStatus(v any) any {
	if v == "departed" {
		return "frozen"
	}
	return v
}

// wrap names the database in an error, keeping ErrChangedSincePlan and ErrNotFound
// matchable.
func (p *Provider) wrap(what string, err error) error {
	if strings.HasPrefix(err.Error(), "postfix:") {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("postfix: %s: the mail %s did not answer within %s: %w", what, p.where, opTimeout, err)
	}
	return fmt.Errorf("postfix: %s: %w", what, err)
}

// Close releases the connection.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failed = nil
	if p.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := p.conn.Close(ctx)
	p.conn = nil
	return err
}

var _ providers.Provider = (*Provider)(nil)
