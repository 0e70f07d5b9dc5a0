package postfix

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// directory is what group expansion needs: which active mailboxes are in which
// department, and the department tree.
type directory struct {
	children map[string][]string
	members  map[string][]string // department id → active mailboxes directly in it
}

func loadDirectory(ctx context.Context, tx pgx.Tx) (*directory, error) {
	d := &directory{children: map[string][]string{}, members: map[string][]string{}}
	rows, err := tx.Query(ctx, `SELECT id, parent FROM mailform_department WHERE parent IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, parent int64
		if err := rows.Scan(&id, &parent); err != nil {
			rows.Close()
			return nil, err
		}
		ps := strconv.FormatInt(parent, 10)
		d.children[ps] = append(d.children[ps], strconv.FormatInt(id, 10))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT ad.department_id, lower(m.username) FROM mailform_account_department ad
		JOIN mailbox m ON m.username = ad.username WHERE m.active`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var u string
		if err := rows.Scan(&id, &u); err != nil {
			rows.Close()
			return nil, err
		}
		ds := strconv.FormatInt(id, 10)
		d.members[ds] = append(d.members[ds], u)
	}
	rows.Close()
	return d, rows.Err()
}

// expand returns the active mailboxes in the departments and their sub-departments.
func (d *directory) expand(depts []string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]bool{}
	var walk func(string)
	walk = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		for _, u := range d.members[id] {
			out[u] = true
		}
		for _, c := range d.children[id] {
			walk(c)
		}
	}
	for _, id := range depts {
		walk(id)
	}
	return out
}

// groupDef is a group as mailform_group and mailform_group_member hold it.
type groupDef struct {
	email, name, senders                        string
	members, groups, departments, allowedSender []string
}

// gotoOf is the alias row's recipients: the members, the member groups' own addresses
// (Postfix expands those itself), and the active mailboxes of the member departments.
func (g *groupDef) gotoOf(d *directory) string {
	set := d.expand(g.departments)
	for _, m := range g.members {
		set[m] = true
	}
	for _, m := range g.groups {
		set[m] = true
	}
	return joinSet(set)
}

func joinSet(set map[string]bool) string {
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func splitGoto(s string) map[string]bool {
	out := map[string]bool{}
	for _, a := range strings.Split(s, ",") {
		if a = model.CanonicalEmail(a); a != "" {
			out[a] = true
		}
	}
	return out
}

// loadGroupDefs reads every mailform group definition.
func loadGroupDefs(ctx context.Context, tx pgx.Tx) (map[string]*groupDef, error) {
	defs := map[string]*groupDef{}
	rows, err := tx.Query(ctx, `SELECT lower(address), name, senders FROM mailform_group`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		g := &groupDef{}
		if err := rows.Scan(&g.email, &g.name, &g.senders); err != nil {
			rows.Close()
			return nil, err
		}
		defs[g.email] = g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT lower(address), kind, value FROM mailform_group_member ORDER BY 1, 2, 3`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var addr, kind, value string
		if err := rows.Scan(&addr, &kind, &value); err != nil {
			return nil, err
		}
		g := defs[addr]
		if g == nil {
			continue
		}
		switch kind {
		case "member":
			g.members = append(g.members, value)
		case "group":
			g.groups = append(g.groups, value)
		case "department":
			g.departments = append(g.departments, value)
		case "sender":
			g.allowedSender = append(g.allowedSender, value)
		}
	}
	return defs, rows.Err()
}

// readGroups returns mailform's groups and the other multi-recipient aliases that
// PostfixAdmin made (adopted as groups whose members are their recipients), except
// those forwarding outside the server's domains, which a configuration cannot declare. A
// group's members are read from its alias row, so recipients added or removed in
// PostfixAdmin show as a change of members; the department expansion is not counted
// as members.
func readGroups(ctx context.Context, tx pgx.Tx, only string) ([]providers.Remote, error) {
	defs, err := loadGroupDefs(ctx, tx)
	if err != nil {
		return nil, err
	}
	dir, err := loadDirectory(ctx, tx)
	if err != nil {
		return nil, err
	}
	domains := map[string]bool{}
	drows, err := tx.Query(ctx, `SELECT lower(domain) FROM domain`)
	if err != nil {
		return nil, err
	}
	dl, err := pgx.CollectRows(drows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, d := range dl {
		domains[d] = true
	}
	rows, err := tx.Query(ctx, `SELECT lower(al.address), al.goto FROM alias al
		WHERE ($1 = '' OR lower(al.address) = $1)
		AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE lower(m.username) = lower(al.address))
		AND (EXISTS (SELECT 1 FROM mailform_group g WHERE lower(g.address) = lower(al.address))
			OR position(',' IN al.goto) > 0
			OR NOT EXISTS (SELECT 1 FROM mailbox m WHERE lower(m.username) = lower(trim(al.goto))))
		ORDER BY 1`, only)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []providers.Remote
	for rows.Next() {
		var addr, goto_ string
		if err := rows.Scan(&addr, &goto_); err != nil {
			return nil, err
		}
		live := splitGoto(goto_)
		o := model.Object{"email": addr}
		if g := defs[addr]; g != nil {
			direct := map[string]bool{}
			for _, m := range g.members {
				direct[m] = true
			}
			viaDept := dir.expand(g.departments)
			var members, groups []string
			for a := range live {
				isGroup := false
				for _, m := range g.groups {
					isGroup = isGroup || m == a
				}
				switch {
				case isGroup:
					groups = append(groups, a)
				case viaDept[a] && !direct[a]:
				default:
					members = append(members, a)
				}
			}
			o["name"], o["senders"] = g.name, g.senders
			o["members"], o["member_groups"] = sorted(members), sorted(groups)
			o["member_departments"], o["allowed_senders"] = sorted(g.departments), sorted(g.allowedSender)
		} else {
			// An alias made outside mailform that forwards beyond the server's own
			// domains cannot be declared (group members must be in declared
			// domains): it is left alone, neither read nor written.
			if !allIn(live, domains) {
				continue
			}
			local, _, _ := splitEmail(addr)
			members := make([]string, 0, len(live))
			for a := range live {
				members = append(members, a)
			}
			o["name"], o["senders"] = local, "anyone"
			o["members"], o["member_groups"] = sorted(members), []string{}
			o["member_departments"], o["allowed_senders"] = []string{}, []string{}
		}
		out = append(out, providers.Remote{ID: addr, Attrs: o})
	}
	return out, rows.Err()
}

// allIn reports whether every address is in one of domains.
func allIn(addrs map[string]bool, domains map[string]bool) bool {
	for a := range addrs {
		if _, d, err := splitEmail(a); err != nil || !domains[d] {
			return false
		}
	}
	return true
}

func sorted(s []string) []string {
	if s == nil {
		return []string{}
	}
	sort.Strings(s)
	return s
}

func defOf(o model.Object) *groupDef {
	return &groupDef{
		email: o.Str("email"), name: o.Str("name"), senders: o.Str("senders"),
		members: o.Strings("members"), groups: o.Strings("member_groups"),
		departments: o.Strings("member_departments"), allowedSender: o.Strings("allowed_senders"),
	}
}

// writeGroupDef replaces the group's definition rows and its alias row's recipients.
func writeGroupDef(ctx context.Context, tx pgx.Tx, g *groupDef) error {
	if g.senders == "" {
		g.senders = "organization"
	}
	if _, err := tx.Exec(ctx, `INSERT INTO mailform_group (address, name, senders) VALUES ($1, $2, $3)
		ON CONFLICT (address) DO UPDATE SET name = $2, senders = $3`, g.email, g.name, g.senders); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM mailform_group_member WHERE address = $1`, g.email); err != nil {
		return err
	}
	for _, kv := range []struct {
		kind   string
		values []string
	}{{"member", g.members}, {"group", g.groups}, {"department", g.departments}, {"sender", g.allowedSender}} {
		for _, v := range kv.values {
			if _, err := tx.Exec(ctx, `INSERT INTO mailform_group_member (address, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				g.email, kv.kind, v); err != nil {
				return err
			}
		}
	}
	dir, err := loadDirectory(ctx, tx)
	if err != nil {
		return err
	}
	_, domain, err := splitEmail(g.email)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO alias (address, goto, domain) VALUES ($1, $2, $3)
		ON CONFLICT (address) DO UPDATE SET goto = $2, active = true, modified = now()`, g.email, g.gotoOf(dir), domain)
	return err
}

func createGroup(ctx context.Context, tx pgx.Tx, o model.Object) (providers.Remote, error) {
	g := defOf(o)
	_, domain, err := splitEmail(g.email)
	if err != nil {
		return providers.Remote{}, err
	}
	if err := requireDomain(ctx, tx, domain); err != nil {
		return providers.Remote{}, err
	}
	var taken int
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM alias WHERE lower(address) = $1) + (SELECT count(*) FROM mailbox WHERE lower(username) = $1)`, g.email).Scan(&taken); err != nil {
		return providers.Remote{}, err
	}
	if taken > 0 {
		return providers.Remote{}, fmt.Errorf("address %s is taken already (by a mailbox or an alias made outside mailform since the plan): %w", g.email, providers.ErrChangedSincePlan)
	}
	if err := writeGroupDef(ctx, tx, g); err != nil {
		return providers.Remote{}, err
	}
	return providers.Remote{ID: g.email, Attrs: o}, nil
}

func updateGroup(ctx context.Context, tx pgx.Tx, id string, o model.Object) (providers.Remote, error) {
	g := defOf(o)
	g.email = model.CanonicalEmail(id)
	if err := writeGroupDef(ctx, tx, g); err != nil {
		return providers.Remote{}, err
	}
	return providers.Remote{ID: g.email, Attrs: o}, nil
}

func deleteGroup(ctx context.Context, tx pgx.Tx, id string) error {
	email := model.CanonicalEmail(id)
	if _, err := tx.Exec(ctx, `DELETE FROM alias WHERE lower(address) = $1`, email); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM mailform_group WHERE lower(address) = $1`, email)
	return err
}

// reexpandGroups rewrites the recipients of every group with member departments
// whose expansion changed: called in the same transaction as any write that changes
// who is in a department or whether a mailbox is active.
func reexpandGroups(ctx context.Context, tx pgx.Tx) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM mailform_group_member WHERE kind = 'department'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	defs, err := loadGroupDefs(ctx, tx)
	if err != nil {
		return err
	}
	dir, err := loadDirectory(ctx, tx)
	if err != nil {
		return err
	}
	for _, g := range defs {
		if len(g.departments) == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE alias SET goto = $2, modified = now() WHERE lower(address) = $1 AND goto <> $2`,
			g.email, g.gotoOf(dir)); err != nil {
			return err
		}
	}
	return nil
}
