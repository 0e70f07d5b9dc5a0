package logarchive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// PGConnStrEnv is the environment variable the pg archive takes its connection string
// from when the configuration gives none (the same as the pg state backend's).
const PGConnStrEnv = "MAILFORM_PG_CONN_STR"

// pgTimeout bounds every statement, so a stuck server is an error, not a hung run.
const pgTimeout = 60 * time.Second

// PGConfig says which database and schema hold the archive.
type PGConfig struct {
	// ConnStr is a libpq connection string or URL; "" takes MAILFORM_PG_CONN_STR and
	// then the PG* environment variables.
	ConnStr string
	// Schema holds the tables; "" is "public".
	Schema string
}

// PG is the PostgreSQL archive: rows in <schema>.mailform_log_rows, partitioned by
// month of the day, so a query of one account over a year reads twelve small
// partitions through its index, and pruning drops whole days.
type PG struct {
	cfg    *pgx.ConnConfig
	schema string
	mu     sync.Mutex
	conn   *pgx.Conn
	parts  map[string]bool // month partitions known to exist
}

// OpenPG checks c; the connection is made on first use.
func OpenPG(c PGConfig) (*PG, error) {
	connStr := c.ConnStr
	if connStr == "" {
		connStr = os.Getenv(PGConnStrEnv)
	}
	cfg, err := pgx.ParseConfig(connStr)
	if err != nil {
		return nil, fmt.Errorf("invalid PostgreSQL connection string for the pg log archive: %v", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 15 * time.Second
	}
	s := c.Schema
	if s == "" {
		s = "public"
	}
	return &PG{cfg: cfg, schema: pgx.Identifier{s}.Sanitize(), parts: map[string]bool{}}, nil
}

func (p *PG) t(name string) string { return p.schema + "." + name }

// with runs fn on the connection, connecting and creating the tables first if needed.
func (p *PG) with(ctx context.Context, fn func(ctx context.Context, c *pgx.Conn) error) error {
	return p.withTimeout(ctx, pgTimeout, fn)
}

// withTimeout is with under a limit of its own; 0 = none but ctx's (a streaming
// export of a year takes as long as its reader).
func (p *PG) withTimeout(ctx context.Context, limit time.Duration, fn func(ctx context.Context, c *pgx.Conn) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	connectCtx, cancel := context.WithTimeout(ctx, pgTimeout)
	defer cancel()
	if limit > 0 {
		ctx = connectCtx
	}
	if p.conn == nil {
		c, err := pgx.ConnectConfig(connectCtx, p.cfg)
		if err != nil {
			return fmt.Errorf("log archive: cannot connect to PostgreSQL at %s: %v", p.cfg.Host, err)
		}
		_, err = c.Exec(connectCtx, `CREATE SCHEMA IF NOT EXISTS `+p.schema+`;
CREATE TABLE IF NOT EXISTS `+p.t("mailform_log_days")+` (day text PRIMARY KEY, info text NOT NULL);
CREATE TABLE IF NOT EXISTS `+p.t("mailform_log_meta")+` (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS `+p.t("mailform_log_units")+` (day text, unit text, PRIMARY KEY (day, unit));
CREATE TABLE IF NOT EXISTS `+p.t("mailform_log_rows")+` (day date NOT NULL, key text COLLATE "C" NOT NULL, row text NOT NULL, PRIMARY KEY (day, key)) PARTITION BY RANGE (day);
CREATE TABLE IF NOT EXISTS `+p.t("mailform_log_accounts")+` (account text NOT NULL, day date NOT NULL, key text COLLATE "C" NOT NULL, PRIMARY KEY (account, day, key)) PARTITION BY RANGE (day);`)
		if err != nil {
			c.Close(context.Background())
			return fmt.Errorf("log archive: creating the tables: %v", err)
		}
		p.conn = c
	}
	err := fn(ctx, p.conn)
	if err != nil && p.conn.IsClosed() {
		p.conn = nil
	}
	return err
}

// partition makes sure the month partitions of date exist.
func (p *PG) partition(ctx context.Context, c *pgx.Conn, date string) error {
	month := date[:7]
	if p.parts[month] {
		return nil
	}
	from, _ := time.Parse("2006-01", month)
	to := from.AddDate(0, 1, 0)
	suffix := strings.ReplaceAll(month, "-", "")
	for _, tbl := range []string{"mailform_log_rows", "mailform_log_accounts"} {
		_, err := c.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')`,
			p.t(tbl+"_"+suffix), p.t(tbl), from.Format("2006-01-02"), to.Format("2006-01-02")))
		if err != nil {
			return fmt.Errorf("log archive: creating the partition of %s: %v", month, err)
		}
	}
	p.parts[month] = true
	return nil
}

// Close closes the connection.
func (p *PG) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		err := p.conn.Close(context.Background())
		p.conn = nil
		return err
	}
	return nil
}

// Days returns the sealed days, oldest first.
func (p *PG) Days(ctx context.Context) ([]Day, error) {
	var out []Day
	err := p.with(ctx, func(ctx context.Context, c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT info FROM `+p.t("mailform_log_days")+` ORDER BY day`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var d Day
			if err := rows.Scan(&s); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(s), &d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// Done returns the units already added to date.
func (p *PG) Done(ctx context.Context, date string) (map[string]bool, error) {
	out := map[string]bool{}
	err := p.with(ctx, func(ctx context.Context, c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT unit FROM `+p.t("mailform_log_units")+` WHERE day = $1`, date)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				return err
			}
			out[u] = true
		}
		return rows.Err()
	})
	return out, err
}

// Add stores one unit's rows and marks it done in one transaction.
func (p *PG) Add(ctx context.Context, date, unit string, rows []Row) (int, error) {
	added := 0
	err := p.with(ctx, func(ctx context.Context, c *pgx.Conn) error {
		if err := p.partition(ctx, c, date); err != nil {
			return err
		}
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var sealed bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+p.t("mailform_log_days")+` WHERE day = $1)`, date).Scan(&sealed); err != nil {
				return err
			}
			if sealed {
				return fmt.Errorf("day %s is already sealed", date)
			}
			b := &pgx.Batch{}
			for _, r := range rows {
				k := r.Key()
				b.Queue(`INSERT INTO `+p.t("mailform_log_rows")+` (day, key, row) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, date, k, string(r.Canonical()))
				for _, a := range r.Accounts() {
					b.Queue(`INSERT INTO `+p.t("mailform_log_accounts")+` (account, day, key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, a, date, k)
				}
			}
			b.Queue(`INSERT INTO `+p.t("mailform_log_units")+` (day, unit) VALUES ($1, $2) ON CONFLICT DO NOTHING`, date, unit)
			res := tx.SendBatch(ctx, b)
			for _, r := range rows {
				tag, err := res.Exec()
				if err != nil {
					res.Close()
					return err
				}
				added += int(tag.RowsAffected())
				for range r.Accounts() {
					if _, err := res.Exec(); err != nil {
						res.Close()
						return err
					}
				}
			}
			if _, err := res.Exec(); err != nil {
				res.Close()
				return err
			}
			return res.Close()
		})
	})
	if err != nil {
		added = 0
	}
	return added, err
}

// Seal records d and forgets its units.
func (p *PG) Seal(ctx context.Context, d Day) error {
	info, _ := json.Marshal(d)
	return p.with(ctx, func(ctx context.Context, c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO `+p.t("mailform_log_days")+` (day, info) VALUES ($1, $2)`, d.Date, string(info)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM `+p.t("mailform_log_units")+` WHERE day = $1`, d.Date)
			return err
		})
	})
}

// Scan calls fn with date's rows in key order, through the account index when
// account is set. Rows are read in one query, then handed over, so fn may be slow.
func (p *PG) Scan(ctx context.Context, date, account string, fn func(Row) error) error {
	var got []string
	err := p.with(ctx, func(ctx context.Context, c *pgx.Conn) error {
		var rows pgx.Rows
		var err error
		if account == "" {
			rows, err = c.Query(ctx, `SELECT row FROM `+p.t("mailform_log_rows")+` WHERE day = $1 ORDER BY key`, date)
		} else {
			rows, err = c.Query(ctx, `SELECT r.row FROM `+p.t("mailform_log_accounts")+` a JOIN `+p.t("mailform_log_rows")+
				` r ON r.day = a.day AND r.key = a.key WHERE a.account = $1 AND a.day = $2 ORDER BY a.key`, account, date)
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			got = append(got, s)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	for _, s := range got {
		var r Row
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			return fmt.Errorf("archive day %s: a row is not readable: %w", date, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// ScanRange streams the rows of the days from–to in one query, ordered by day and
// key, through the account index when account is set.
func (p *PG) ScanRange(ctx context.Context, from, to, account string, fn func(Row) error) error {
	return p.withTimeout(ctx, 0, func(ctx context.Context, c *pgx.Conn) error {
		var rows pgx.Rows
		var err error
		if account == "" {
			rows, err = c.Query(ctx, `SELECT row FROM `+p.t("mailform_log_rows")+` WHERE day BETWEEN $1::date AND $2::date ORDER BY day, key`, from, to)
		} else {
			rows, err = c.Query(ctx, `SELECT r.row FROM `+p.t("mailform_log_accounts")+` a JOIN `+p.t("mailform_log_rows")+
				` r ON r.day = a.day AND r.key = a.key WHERE a.account = $1 AND a.day BETWEEN $2::date AND $3::date ORDER BY a.day, a.key`, account, from, to)
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			var r Row
			if err := json.Unmarshal([]byte(s), &r); err != nil {
				return fmt.Errorf("archive: a row is not readable: %w", err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// Prune removes the days before the date.
func (p *PG) Prune(ctx context.Context, before string) (int, error) {
	n := 0
	err := p.with(ctx, func(ctx context.Context, c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var info string
			err := tx.QueryRow(ctx, `SELECT info FROM `+p.t("mailform_log_days")+` WHERE day < $1 ORDER BY day DESC LIMIT 1`, before).Scan(&info)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			var last Day
			if err := json.Unmarshal([]byte(info), &last); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `DELETE FROM `+p.t("mailform_log_days")+` WHERE day < $1`, before)
			if err != nil {
				return err
			}
			n = int(tag.RowsAffected())
			for _, q := range []string{
				`DELETE FROM ` + p.t("mailform_log_rows") + ` WHERE day < $1::date`,
				`DELETE FROM ` + p.t("mailform_log_accounts") + ` WHERE day < $1::date`,
				`DELETE FROM ` + p.t("mailform_log_units") + ` WHERE day < $1`,
			} {
				if _, err := tx.Exec(ctx, q, before); err != nil {
					return err
				}
			}
			_, err = tx.Exec(ctx, `INSERT INTO `+p.t("mailform_log_meta")+` (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, MetaAnchor, last.Hash)
			return err
		})
	})
	return n, err
}

// Meta returns a value set with SetMeta.
func (p *PG) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := p.with(ctx, func(ctx context.Context, c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT value FROM `+p.t("mailform_log_meta")+` WHERE key = $1`, key).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	return v, err
}

// SetMeta sets a value.
func (p *PG) SetMeta(ctx context.Context, key, value string) error {
	return p.with(ctx, func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO `+p.t("mailform_log_meta")+` (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, value)
		return err
	})
}
