package postfix

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// BackupRuleChannel is the PostgreSQL NOTIFY channel on which the database announces
// a change to the backup rules or to what decides who they cover (department
// membership, mailboxes, aliases and groups, domains).
const BackupRuleChannel = "mailform_backup_rule"

// backupRuleCols is the column list every read of mailform_backup_rule uses.
const backupRuleCols = `label, destination, accounts, departments, direction, has_match, from_domains, subject_contains, has_attachment`

type backupRuleRow struct {
	label, destination, direction string
	accounts, departments         []string
	hasMatch                      bool
	fromDomains                   []string
	subject                       string
	attachment                    *bool
}

func scanBackupRules(rows pgx.Rows) ([]backupRuleRow, error) {
	defer rows.Close()
	var out []backupRuleRow
	for rows.Next() {
		var r backupRuleRow
		if err := rows.Scan(&r.label, &r.destination, &r.accounts, &r.departments, &r.direction, &r.hasMatch,
			&r.fromDomains, &r.subject, &r.attachment); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// object is the row as a canonical backup_rule; match appears only when the rule has one.
func (r backupRuleRow) object() model.Object {
	o := model.Object{
		"destination": r.destination, "accounts": sorted(r.accounts), "departments": sorted(r.departments),
		"direction": r.direction,
	}
	if r.hasMatch {
		m := model.Object{"from_domains": sorted(r.fromDomains), "subject_contains": r.subject}
		if r.attachment != nil {
			m["has_attachment"] = *r.attachment
		}
		o["match"] = m
	}
	return o
}

func readBackupRules(ctx context.Context, tx pgx.Tx, only string) ([]providers.Remote, error) {
	rows, err := tx.Query(ctx, `SELECT `+backupRuleCols+` FROM mailform_backup_rule WHERE $1 = '' OR label = $1 ORDER BY label`, only)
	if err != nil {
		return nil, err
	}
	rs, err := scanBackupRules(rows)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Remote, 0, len(rs))
	for _, r := range rs {
		out = append(out, providers.Remote{ID: r.label, Attrs: r.object()})
	}
	return out, nil
}

// backupRuleOf checks a canonical backup_rule and turns it into its row.
func backupRuleOf(ctx context.Context, tx pgx.Tx, label string, o model.Object) (backupRuleRow, error) {
	r := backupRuleRow{
		label: label, destination: model.CanonicalEmail(o.Str("destination")), direction: o.Str("direction"),
		accounts: sorted(o.Strings("accounts")), departments: sorted(o.Strings("departments")),
		fromDomains: []string{},
	}
	if r.direction == "" {
		r.direction = "both"
	}
	if label == "" {
		return r, errors.New("a backup_rule needs a label")
	}
	_, domain, err := splitEmail(r.destination)
	if err != nil {
		return r, fmt.Errorf("backup_rule %s destination: %w", label, err)
	}
	if err := requireDomain(ctx, tx, domain); err != nil {
		return r, fmt.Errorf("backup_rule %s destination: %w", label, err)
	}
	if len(r.accounts)+len(r.departments) == 0 {
		return r, fmt.Errorf("backup_rule %s has no source: set accounts or departments", label)
	}
	for _, d := range r.departments {
		n, err := deptID(d)
		if err != nil {
			return r, fmt.Errorf("backup_rule %s: %w", label, err)
		}
		var c int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM mailform_department WHERE id = $1`, n).Scan(&c); err != nil {
			return r, err
		}
		if c == 0 {
			return r, fmt.Errorf("backup_rule %s: department %s does not exist (deleted since the plan?): %w", label, d, providers.ErrChangedSincePlan)
		}
	}
	if m, ok := o["match"].(model.Object); ok {
		r.hasMatch = true
		r.fromDomains = sorted(m.Strings("from_domains"))
		r.subject = m.Str("subject_contains")
		if b, ok := m["has_attachment"].(bool); ok {
			r.attachment = &b
		}
	}
	return r, nil
}

func writeBackupRule(ctx context.Context, tx pgx.Tx, r backupRuleRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO mailform_backup_rule (`+backupRuleCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (label) DO UPDATE SET destination = $2, accounts = $3, departments = $4, direction = $5,
			has_match = $6, from_domains = $7, subject_contains = $8, has_attachment = $9`,
		r.label, r.destination, r.accounts, r.departments, r.direction, r.hasMatch, r.fromDomains, r.subject, r.attachment)
	return err
}

func createBackupRule(ctx context.Context, tx pgx.Tx, label string, o model.Object) (providers.Remote, error) {
	r, err := backupRuleOf(ctx, tx, label, o)
	if err != nil {
		return providers.Remote{}, err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM mailform_backup_rule WHERE label = $1`, label).Scan(&n); err != nil {
		return providers.Remote{}, err
	}
	if n > 0 {
		return providers.Remote{}, fmt.Errorf("backup_rule %s exists already (made since the plan): %w", label, providers.ErrChangedSincePlan)
	}
	if err := writeBackupRule(ctx, tx, r); err != nil {
		return providers.Remote{}, err
	}
	return providers.Remote{ID: label, Attrs: r.object()}, nil
}

func updateBackupRule(ctx context.Context, tx pgx.Tx, id string, o model.Object) (providers.Remote, error) {
	r, err := backupRuleOf(ctx, tx, id, o)
	if err != nil {
		return providers.Remote{}, err
	}
	if err := writeBackupRule(ctx, tx, r); err != nil {
		return providers.Remote{}, err
	}
	return providers.Remote{ID: id, Attrs: r.object()}, nil
}

func deleteBackupRule(ctx context.Context, tx pgx.Tx, id string) error {
	_, err := tx.Exec(ctx, `DELETE FROM mailform_backup_rule WHERE label = $1`, id)
	return err
}

// BackupRule is one applied backup_rule as the mail path applies it: its sources
// expanded to the addresses that reach them.
type BackupRule struct {
	// Label is the rule's name in the configuration.
	Label string
	// Destination is the backup mailbox.
	Destination string
	// Direction is inbound, outbound or both.
	Direction string
	// Senders holds the addresses a covered person sends from: the rule's accounts,
	// the active mailboxes of its departments and their sub-departments, and those
	// mailboxes' own aliases (alias rows that point at exactly one of them).
	Senders map[string]bool
	// Recipients holds the addresses whose delivery reaches a covered mailbox: the
	// senders plus every alias or group whose expansion includes one.
	Recipients map[string]bool
	// FromDomains, when not empty, is the set of sender domains that match.
	FromDomains []string
	// SubjectContains, when not empty, must occur in the decoded subject (any case).
	SubjectContains string
	// HasAttachment, when set, requires (true) or forbids (false) an attachment.
	HasAttachment *bool
}

// BackupRuleSet is what `mailform milter` reads from the database in one snapshot.
type BackupRuleSet struct {
	// Rules are the applied backup rules, by label.
	Rules []BackupRule
	// Domains are the server's mail domains (lower case): mail from elsewhere is inbound.
	Domains map[string]bool
}

// LoadBackupRules reads the backup rules and expands who they cover, in one
// read-only snapshot of the mail database.
func LoadBackupRules(ctx context.Context, conn *pgx.Conn) (*BackupRuleSet, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.Background())
	rows, err := tx.Query(ctx, `SELECT `+backupRuleCols+` FROM mailform_backup_rule ORDER BY label`)
	if err != nil {
		return nil, err
	}
	rs, err := scanBackupRules(rows)
	if err != nil {
		return nil, err
	}
	set := &BackupRuleSet{Domains: map[string]bool{}}
	drows, err := tx.Query(ctx, `SELECT lower(domain) FROM domain WHERE active AND domain <> 'ALL'`)
	if err != nil {
		return nil, err
	}
	dl, err := pgx.CollectRows(drows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, d := range dl {
		set.Domains[d] = true
	}
	if len(rs) == 0 {
		return set, nil
	}
	dir, err := loadDirectory(ctx, tx)
	if err != nil {
		return nil, err
	}
	arows, err := tx.Query(ctx, `SELECT lower(address), lower(goto) FROM alias WHERE active`)
	if err != nil {
		return nil, err
	}
	aliases := map[string][]string{}
	for arows.Next() {
		var addr, goto_ string
		if err := arows.Scan(&addr, &goto_); err != nil {
			arows.Close()
			return nil, err
		}
		for a := range splitGoto(goto_) {
			if a != addr {
				aliases[addr] = append(aliases[addr], a)
			}
		}
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return nil, err
	}
	groups, err := loadGroupDefs(ctx, tx)
	if err != nil {
		return nil, err
	}
	// reachedBy is the inverse of the alias expansion: for each address, the alias
	// and group addresses whose delivery reaches it.
	reachedBy := map[string][]string{}
	for addr, targets := range expandAliases(aliases) {
		for t := range targets {
			reachedBy[t] = append(reachedBy[t], addr)
		}
	}
	for _, r := range rs {
		covered := dir.expand(r.departments)
		for _, a := range r.accounts {
			covered[model.CanonicalEmail(a)] = true
		}
		senders := map[string]bool{}
		recipients := map[string]bool{}
		for m := range covered {
			senders[m], recipients[m] = true, true
			for _, addr := range reachedBy[m] {
				recipients[addr] = true
				if len(aliases[addr]) == 1 && groups[addr] == nil {
					senders[addr] = true // the account's own alias
				}
			}
		}
		b := BackupRule{Label: r.label, Destination: r.destination, Direction: r.direction,
			Senders: senders, Recipients: recipients}
		if r.hasMatch {
			b.SubjectContains, b.HasAttachment = r.subject, r.attachment
			for _, d := range r.fromDomains {
				b.FromDomains = append(b.FromDomains, model.CanonicalDomain(d))
			}
		}
		set.Rules = append(set.Rules, b)
	}
	sort.Slice(set.Rules, func(i, j int) bool { return set.Rules[i].Label < set.Rules[j].Label })
	return set, nil
}

// expandAliases returns, for every alias address, every address its delivery
// reaches through nested aliases (as Postfix's virtual_alias_maps expands them).
func expandAliases(aliases map[string][]string) map[string]map[string]bool {
	out := make(map[string]map[string]bool, len(aliases))
	var walk func(addr string, into map[string]bool, depth int)
	walk = func(addr string, into map[string]bool, depth int) {
		for _, t := range aliases[addr] {
			if into[t] || depth > 100 {
				continue
			}
			into[t] = true
			walk(t, into, depth+1)
		}
	}
	for addr := range aliases {
		into := map[string]bool{}
		walk(addr, into, 0)
		out[addr] = into
	}
	return out
}

// DomainOf returns the lower-case domain of an address, "" when it has none.
func DomainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(addr[i+1:], "."))
}
