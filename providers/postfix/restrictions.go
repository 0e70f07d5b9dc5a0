package postfix

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// A send_restriction is stored as one mailform_send_restriction row (its label, the
// external policy and the limits) and one mailform_send_restriction_entry row per
// covered account, department and group and per allowed external domain. The
// provider stores rules; `mailform policy-server` enforces them.

// restrictionKinds maps the entry kinds to the attributes that list them.
var restrictionKinds = []struct{ kind, attr string }{
	{"account", "accounts"}, {"department", "departments"}, {"group", "groups"}, {"domain", "allowed_domains"},
}

func readRestrictions(ctx context.Context, tx pgx.Tx, only string) ([]providers.Remote, error) {
	rows, err := tx.Query(ctx, `SELECT name, external, max_recipients, max_attachment_mb FROM mailform_send_restriction
		WHERE $1 = '' OR name = $1 ORDER BY name`, only)
	if err != nil {
		return nil, err
	}
	byName := map[string]model.Object{}
	var names []string
	for rows.Next() {
		var name, external string
		var maxRcpt, maxMB *int64
		if err := rows.Scan(&name, &external, &maxRcpt, &maxMB); err != nil {
			rows.Close()
			return nil, err
		}
		o := model.Object{"external": external}
		for _, a := range restrictionKinds {
			o[a.attr] = []string{}
		}
		if maxRcpt != nil {
			o["max_recipients"] = *maxRcpt
		}
		if maxMB != nil {
			o["max_attachment_mb"] = *maxMB
		}
		byName[name] = o
		names = append(names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT name, kind, value FROM mailform_send_restriction_entry
		WHERE $1 = '' OR name = $1 ORDER BY name, kind, value`, only)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, kind, value string
		if err := rows.Scan(&name, &kind, &value); err != nil {
			return nil, err
		}
		o := byName[name]
		if o == nil {
			continue
		}
		for _, a := range restrictionKinds {
			if a.kind == kind {
				o[a.attr] = append(o[a.attr].([]string), value)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]providers.Remote, 0, len(names))
	for _, n := range names {
		out = append(out, providers.Remote{ID: n, Attrs: byName[n]})
	}
	return out, nil
}

// writeRestriction replaces the rule's row and entries.
func writeRestriction(ctx context.Context, tx pgx.Tx, name string, o model.Object) error {
	external := o.Str("external")
	if external == "" {
		external = "allow"
	}
	limit := func(attr string) *int64 {
		if v, ok := o[attr].(int64); ok {
			return &v
		}
		return nil
	}
	for _, d := range o.Strings("departments") {
		if _, err := deptID(d); err != nil {
			return fmt.Errorf("send_restriction %s: %w", name, err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO mailform_send_restriction (name, external, max_recipients, max_attachment_mb)
		VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET external = $2, max_recipients = $3, max_attachment_mb = $4`,
		name, external, limit("max_recipients"), limit("max_attachment_mb")); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM mailform_send_restriction_entry WHERE name = $1`, name); err != nil {
		return err
	}
	for _, a := range restrictionKinds {
		for _, v := range o.Strings(a.attr) {
			if a.kind == "domain" {
				v = model.CanonicalDomain(v)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO mailform_send_restriction_entry (name, kind, value) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, name, a.kind, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func createRestriction(ctx context.Context, tx pgx.Tx, label string, o model.Object) (providers.Remote, error) {
	if label == "" {
		return providers.Remote{}, fmt.Errorf("a send_restriction needs a label")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM mailform_send_restriction WHERE name = $1`, label).Scan(&n); err != nil {
		return providers.Remote{}, err
	}
	if n > 0 {
		return providers.Remote{}, fmt.Errorf("send_restriction %s exists already (made outside this plan): %w", label, providers.ErrChangedSincePlan)
	}
	if err := writeRestriction(ctx, tx, label, o); err != nil {
		return providers.Remote{}, err
	}
	rs, err := readRestrictions(ctx, tx, label)
	if err != nil || len(rs) == 0 {
		return providers.Remote{}, err
	}
	return rs[0], nil
}

func updateRestriction(ctx context.Context, tx pgx.Tx, id string, o model.Object) (providers.Remote, error) {
	if err := writeRestriction(ctx, tx, id, o); err != nil {
		return providers.Remote{}, err
	}
	rs, err := readRestrictions(ctx, tx, id)
	if err != nil || len(rs) == 0 {
		return providers.Remote{}, err
	}
	return rs[0], nil
}

func deleteRestriction(ctx context.Context, tx pgx.Tx, id string) error {
	_, err := tx.Exec(ctx, `DELETE FROM mailform_send_restriction WHERE name = $1`, id)
	return err
}

// PolicyChannel is the PostgreSQL notification channel on which every change to
// the tables the policy server reads is announced (by triggers, at commit).
const PolicyChannel = "mailform_policy"

// Policy is what the mail path enforces, read from the database in one snapshot
// with departments and groups already expanded to mailboxes.
type Policy struct {
	// Domains are the server's own mail domains (and alias domains), lower case.
	Domains []string
	// Restrictions are the send_restriction rules, sorted by name.
	Restrictions []Restriction
	// Groups are the groups that limit who may write to them (senders is not
	// "anyone"), sorted by address.
	Groups []GroupPolicy
}

// Restriction is one send_restriction with the mailboxes it covers.
type Restriction struct {
	Name string
	// Senders are the active mailboxes covered: the accounts listed, those in the
	// departments (and their sub-departments) and the groups' members, lower case.
	Senders []string
	// DenyExternal is external = "deny".
	DenyExternal bool
	// AllowedDomains are the external domains allowed anyway, lower case.
	AllowedDomains []string
	// MaxRecipients and MaxAttachmentMB are 0 when unset.
	MaxRecipients, MaxAttachmentMB int64
}

// GroupPolicy says who may write to one group.
type GroupPolicy struct {
	Address string
	// Senders is organization, members or list.
	Senders string
	// Members are the group's mailboxes after expansion (members, member groups'
	// members, departments' mailboxes); Allowed are allowed_senders (for "list").
	Members, Allowed []string
}

// LoadPolicy reads the rules the policy server enforces in one read-only snapshot.
func LoadPolicy(ctx context.Context, conn *pgx.Conn) (*Policy, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.Background())
	p := &Policy{}
	rows, err := tx.Query(ctx, `SELECT lower(domain) FROM domain WHERE active AND domain <> 'ALL'
		UNION SELECT lower(alias_domain) FROM alias_domain WHERE active ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	if p.Domains, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, err
	}
	dir, err := loadDirectory(ctx, tx)
	if err != nil {
		return nil, err
	}
	defs, err := loadGroupDefs(ctx, tx)
	if err != nil {
		return nil, err
	}
	rules, err := readRestrictions(ctx, tx, "")
	if err != nil {
		return nil, err
	}
	memo := map[string]map[string]bool{}
	for _, r := range rules {
		o := r.Attrs
		set := dir.expand(o.Strings("departments"))
		for _, a := range o.Strings("accounts") {
			set[strings.ToLower(a)] = true
		}
		for _, g := range o.Strings("groups") {
			for a := range groupMailboxes(defs, dir, strings.ToLower(g), memo, map[string]bool{}) {
				set[a] = true
			}
		}
		domains := o.Strings("allowed_domains")
		for i, d := range domains {
			domains[i] = model.CanonicalDomain(d)
		}
		p.Restrictions = append(p.Restrictions, Restriction{
			Name: r.ID, Senders: keys(set), DenyExternal: o.Str("external") == "deny", AllowedDomains: domains,
			MaxRecipients: o.Int("max_recipients"), MaxAttachmentMB: o.Int("max_attachment_mb"),
		})
	}
	for addr, g := range defs {
		if g.senders == "anyone" || g.senders == "" {
			continue
		}
		gp := GroupPolicy{Address: addr, Senders: g.senders,
			Members: keys(groupMailboxes(defs, dir, addr, memo, map[string]bool{}))}
		for _, a := range g.allowedSender {
			gp.Allowed = append(gp.Allowed, strings.ToLower(a))
		}
		sort.Strings(gp.Allowed)
		p.Groups = append(p.Groups, gp)
	}
	sort.Slice(p.Groups, func(i, j int) bool { return p.Groups[i].Address < p.Groups[j].Address })
	return p, nil
}

// groupMailboxes expands a group to mailboxes through member groups (a cycle is cut
// where it closes) and member departments.
func groupMailboxes(defs map[string]*groupDef, dir *directory, addr string, memo map[string]map[string]bool, open map[string]bool) map[string]bool {
	if m, ok := memo[addr]; ok {
		return m
	}
	g := defs[addr]
	if g == nil || open[addr] {
		return map[string]bool{}
	}
	open[addr] = true
	set := dir.expand(g.departments)
	for _, m := range g.members {
		set[strings.ToLower(m)] = true
	}
	for _, sub := range g.groups {
		for a := range groupMailboxes(defs, dir, strings.ToLower(sub), memo, open) {
			set[a] = true
		}
	}
	delete(open, addr)
	memo[addr] = set
	return set
}

func keys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Describe names the database of pc without credentials, for messages and logs.
func Describe(pc *pgx.ConnConfig) string { return describe(pc) }

// ConnectReason is the part of a connect error that says why (refused, timeout,
// authentication failed), without the connection details.
func ConnectReason(err error) string { return connectReason(err) }
