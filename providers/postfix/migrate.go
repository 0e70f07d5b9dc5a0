package postfix

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// migration is one versioned schema step. Steps are applied in order, each in its own
// transaction, and recorded in mailform_schema_migrations, so running them again is
// a no-op. The PostfixAdmin tables are created only when missing (an existing
// PostfixAdmin installation keeps its own) and given the columns mailform reads.
type migration struct {
	Version int
	Name    string
	SQL     string
}

// migrations is the schema history; append, never edit a released step.
var migrations = []migration{
	{1, "PostfixAdmin tables and mailform directory tables", `
CREATE TABLE IF NOT EXISTS domain (
	domain varchar(255) PRIMARY KEY,
	description varchar(255) NOT NULL DEFAULT '',
	aliases integer NOT NULL DEFAULT 0,
	mailboxes integer NOT NULL DEFAULT 0,
	maxquota bigint NOT NULL DEFAULT 0,
	quota bigint NOT NULL DEFAULT 0,
	transport varchar(255) DEFAULT NULL,
	backupmx boolean NOT NULL DEFAULT false,
	created timestamptz DEFAULT now(),
	modified timestamptz DEFAULT now(),
	active boolean NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS mailbox (
	username varchar(255) PRIMARY KEY,
	password varchar(255) NOT NULL DEFAULT '',
	name varchar(255) NOT NULL DEFAULT '',
	maildir varchar(255) NOT NULL DEFAULT '',
	quota bigint NOT NULL DEFAULT 0,
	local_part varchar(255) NOT NULL DEFAULT '',
	domain varchar(255) NOT NULL REFERENCES domain,
	created timestamptz DEFAULT now(),
	modified timestamptz DEFAULT now(),
	active boolean NOT NULL DEFAULT true
);
ALTER TABLE mailbox ADD COLUMN IF NOT EXISTS phone varchar(30) NOT NULL DEFAULT '';
ALTER TABLE mailbox ADD COLUMN IF NOT EXISTS email_other varchar(255) NOT NULL DEFAULT '';
ALTER TABLE mailbox ADD COLUMN IF NOT EXISTS smtp_active boolean NOT NULL DEFAULT true;
CREATE TABLE IF NOT EXISTS alias (
	address varchar(255) PRIMARY KEY,
	goto text NOT NULL,
	domain varchar(255) NOT NULL REFERENCES domain,
	created timestamptz DEFAULT now(),
	modified timestamptz DEFAULT now(),
	active boolean NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS alias_domain (
	alias_domain varchar(255) PRIMARY KEY REFERENCES domain(domain) ON DELETE CASCADE,
	target_domain varchar(255) NOT NULL REFERENCES domain(domain) ON DELETE CASCADE,
	created timestamptz DEFAULT now(),
	modified timestamptz DEFAULT now(),
	active boolean NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS quota2 (
	username varchar(100) PRIMARY KEY,
	bytes bigint NOT NULL DEFAULT 0,
	messages integer NOT NULL DEFAULT 0
);
CREATE TABLE mailform_department (
	id bigserial PRIMARY KEY,
	name varchar(64) NOT NULL,
	parent bigint REFERENCES mailform_department(id),
	sort_order bigint NOT NULL DEFAULT 0
);
CREATE TABLE mailform_account (
	username varchar(255) PRIMARY KEY REFERENCES mailbox(username) ON DELETE CASCADE,
	position text NOT NULL DEFAULT '',
	mobile text NOT NULL DEFAULT '',
	external_id text NOT NULL DEFAULT ''
);
CREATE TABLE mailform_account_department (
	username varchar(255) NOT NULL REFERENCES mailbox(username) ON DELETE CASCADE,
	department_id bigint NOT NULL REFERENCES mailform_department(id),
	PRIMARY KEY (username, department_id)
);
CREATE TABLE mailform_group (
	address varchar(255) PRIMARY KEY,
	name text NOT NULL,
	senders text NOT NULL DEFAULT 'organization'
);
-- kind is member (an address), group (a member group's address), department (an id)
-- or sender (an allowed sender when senders = 'list').
CREATE TABLE mailform_group_member (
	address varchar(255) NOT NULL REFERENCES mailform_group(address) ON DELETE CASCADE,
	kind text NOT NULL CHECK (kind IN ('member', 'group', 'department', 'sender')),
	value varchar(255) NOT NULL,
	PRIMARY KEY (address, kind, value)
);
`},
	{2, "send restrictions and the policy change notification", `
CREATE TABLE mailform_send_restriction (
	name varchar(255) PRIMARY KEY,
	external text NOT NULL DEFAULT 'allow' CHECK (external IN ('allow', 'deny')),
	max_recipients bigint CHECK (max_recipients >= 0),
	max_attachment_mb bigint CHECK (max_attachment_mb >= 0)
);
-- kind is account (an address), department (an id), group (a group address) or
-- domain (an allowed external domain).
CREATE TABLE mailform_send_restriction_entry (
	name varchar(255) NOT NULL REFERENCES mailform_send_restriction(name) ON DELETE CASCADE,
	kind text NOT NULL CHECK (kind IN ('account', 'department', 'group', 'domain')),
	value varchar(255) NOT NULL,
	PRIMARY KEY (name, kind, value)
);
-- Every write to what the policy server reads tells it to reload, at commit (one
-- notification per transaction: PostgreSQL folds identical ones), whoever writes:
-- mailform apply or PostfixAdmin.
CREATE OR REPLACE FUNCTION mailform_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('mailform_policy', '');
	RETURN NULL;
END $$;
DO $$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['domain', 'alias_domain', 'mailbox', 'alias', 'mailform_department',
		'mailform_account_department', 'mailform_group', 'mailform_group_member',
		'mailform_send_restriction', 'mailform_send_restriction_entry'] LOOP
		EXECUTE format('CREATE TRIGGER mailform_policy_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
			FOR EACH STATEMENT EXECUTE FUNCTION mailform_policy_changed()', t);
	END LOOP;
END $$;
`},
	{3, "mailform_backup_rule and its change notifications", `
CREATE TABLE IF NOT EXISTS mailform_backup_rule (
	label varchar(255) PRIMARY KEY,
	destination varchar(255) NOT NULL,
	accounts text[] NOT NULL DEFAULT '{}',
	departments text[] NOT NULL DEFAULT '{}',
	direction text NOT NULL DEFAULT 'both' CHECK (direction IN ('inbound', 'outbound', 'both')),
	-- has_match is false when the rule has no match block; then every message of
	-- its sources in its direction is copied.
	has_match boolean NOT NULL DEFAULT false,
	from_domains text[] NOT NULL DEFAULT '{}',
	subject_contains text NOT NULL DEFAULT '',
	has_attachment boolean -- NULL: attachments are no condition
);
-- mailform milter listens on this channel and reloads its rules. The tables that
-- decide who a rule covers (department membership, mailboxes, aliases and groups,
-- domains) notify too.
CREATE OR REPLACE FUNCTION mailform_backup_rule_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('mailform_backup_rule', TG_TABLE_NAME);
	RETURN NULL;
END $$;
DO $$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['mailform_backup_rule', 'mailform_account_department', 'mailform_department',
		'mailbox', 'alias', 'domain'] LOOP
		EXECUTE format('DROP TRIGGER IF EXISTS mailform_backup_rule_notify ON %I', t);
		EXECUTE format('CREATE TRIGGER mailform_backup_rule_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
			FOR EACH STATEMENT EXECUTE FUNCTION mailform_backup_rule_notify()', t);
	END LOOP;
END $$;
`},
}

// migrationLock is the advisory lock key that serialises migrations between processes.
const migrationLock = 0x6d66706f7374 // "mfpost"

// Migrate brings the database's schema up to date and returns the versions it
// applied; a database already up to date gets none.
func Migrate(ctx context.Context, conn *pgx.Conn) ([]int, error) {
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS mailform_schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("creating mailform_schema_migrations: %w", err)
	}
	// Versions are applied in order, each unless recorded: a database that got a later
	// version from another build first still gets an earlier one it lacks.
	ordered := append([]migration(nil), migrations...)
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].Version < ordered[j].Version })
	var applied []int
	for _, m := range ordered {
		done, err := migrateOne(ctx, conn, m)
		if err != nil {
			return applied, fmt.Errorf("schema migration %d (%s): %w", m.Version, m.Name, err)
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

func migrateOne(ctx context.Context, conn *pgx.Conn, m migration) (bool, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return false, err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM mailform_schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO mailform_schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}

// SchemaVersion is the newest migration this build knows.
func SchemaVersion() int {
	v := 0
	for _, m := range migrations {
		v = max(v, m.Version)
	}
	return v
}

// missingVersions returns the versions this build knows that the database has not
// recorded.
func missingVersions(ctx context.Context, conn *pgx.Conn) ([]int, error) {
	var missing []int
	for _, m := range migrations {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM mailform_schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			missing = append(missing, m.Version)
		}
	}
	sort.Ints(missing)
	return missing, nil
}

// MigrateURL connects to the database at url (bounded by the provider's timeouts)
// and migrates it. It returns the applied versions and a description of the
// database without credentials.
func MigrateURL(ctx context.Context, url string) ([]int, string, error) {
	pc, err := ParseConfig(url)
	if err != nil {
		return nil, "", err
	}
	where := describe(pc)
	cctx, cancel := context.WithTimeout(ctx, connectTimeout+5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, pc)
	if err != nil {
		return nil, where, fmt.Errorf("cannot connect to the mail %s: %s", where, connectReason(err))
	}
	defer conn.Close(context.Background())
	mctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	v, err := Migrate(mctx, conn)
	if err != nil {
		return v, where, fmt.Errorf("%s: %w", where, err)
	}
	return v, where, nil
}
