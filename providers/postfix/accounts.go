package postfix

import (
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// readAccounts reads mailboxes (all, or only the one named) with their mailform
// directory data, departments and aliases. An alias row is an account's alias when it
// points at exactly that one mailbox and is not a mailform group.
func (p *Provider) readAccounts(ctx context.Context, tx pgx.Tx, only string) ([]providers.Remote, error) {
	rows, err := tx.Query(ctx, `SELECT lower(m.username), m.name, m.phone, m.quota, m.active,
			coalesce(a.position, ''), coalesce(a.mobile, ''), coalesce(a.external_id, '')
		FROM mailbox m LEFT JOIN mailform_account a ON a.username = m.username
		WHERE $1 = '' OR lower(m.username) = $1 ORDER BY 1`, only)
	if err != nil {
		return nil, err
	}
	byEmail := map[string]model.Object{}
	var order []string
	for rows.Next() {
		var email, name, phone, position, mobile, ext string
		var quota int64
		var active bool
		if err := rows.Scan(&email, &name, &phone, &quota, &active, &position, &mobile, &ext); err != nil {
			rows.Close()
			return nil, err
		}
		status := "active"
		if !active {
			status = "frozen"
		}
		byEmail[email] = model.Object{
			"email": email, "name": name, "phone": phone, "position": position, "mobile": mobile,
			"external_id": ext, "status": status, "quota_mb": (quota + p.quotaUnit - 1) / p.quotaUnit,
			"departments": []string{}, "aliases": []string{},
		}
		order = append(order, email)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT lower(username), department_id FROM mailform_account_department WHERE $1 = '' OR lower(username) = $1`, only)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var email string
		var d int64
		if err := rows.Scan(&email, &d); err != nil {
			rows.Close()
			return nil, err
		}
		if o := byEmail[email]; o != nil {
			o["departments"] = append(o.Strings("departments"), strconv.FormatInt(d, 10))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT lower(al.address), lower(trim(al.goto)) FROM alias al
		WHERE position(',' IN al.goto) = 0 AND lower(al.address) <> lower(trim(al.goto))
		AND ($1 = '' OR lower(trim(al.goto)) = $1)
		AND NOT EXISTS (SELECT 1 FROM mailform_group g WHERE lower(g.address) = lower(al.address))`, only)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var addr, target string
		if err := rows.Scan(&addr, &target); err != nil {
			rows.Close()
			return nil, err
		}
		if o := byEmail[target]; o != nil {
			o["aliases"] = append(o.Strings("aliases"), addr)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]providers.Remote, 0, len(order))
	for _, e := range order {
		o := byEmail[e]
		sort.Strings(o["departments"].([]string))
		sort.Strings(o["aliases"].([]string))
		out = append(out, providers.Remote{ID: e, Attrs: o})
	}
	return out, nil
}

func splitEmail(email string) (local, domain string, err error) {
	i := strings.LastIndexByte(email, '@')
	if i <= 0 || i == len(email)-1 {
		return "", "", fmt.Errorf("%q is not an email address", email)
	}
	return email[:i], email[i+1:], nil
}

// active reports whether a canonical account may log in and receive mail: frozen and
// departed accounts may not.
func active(o model.Object) bool { return o.Str("status") == "" || o.Str("status") == "active" }

// written is what an account holds after a write: desired without the password, and
// departed shown as the frozen mailbox it is.
func written(o model.Object) providers.Remote {
	o = o.Clone()
	delete(o, "password")
	if o.Str("status") == "departed" {
		o["status"] = "frozen"
	}
	return providers.Remote{ID: o.Str("email"), Attrs: o}
}

func (p *Provider) createAccount(ctx context.Context, tx pgx.Tx, o model.Object) (providers.Remote, error) {
	email := o.Str("email")
	local, domain, err := splitEmail(email)
	if err != nil {
		return providers.Remote{}, err
	}
	if err := requireDomain(ctx, tx, domain); err != nil {
		return providers.Remote{}, err
	}
	pw := o.Str("password")
	if pw == "" {
		return providers.Remote{}, fmt.Errorf("account %s: a new mailbox needs a password; set password (from a variable, not in clear text)", email)
	}
	hash, err := HashPassword(pw, p.cost)
	if err != nil {
		return providers.Remote{}, err
	}
	on := active(o)
	tag, err := tx.Exec(ctx, `INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, phone, active, smtp_active)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT DO NOTHING`,
		email, hash, o.Str("name"), domain+"/"+local+"/", o.Int("quota_mb")*p.quotaUnit, local, domain, o.Str("phone"), on)
	if err != nil {
		return providers.Remote{}, err
	}
	if tag.RowsAffected() == 0 {
		return providers.Remote{}, fmt.Errorf("mailbox %s exists already (made outside mailform since the plan): %w", email, providers.ErrChangedSincePlan)
	}
	if err := takeAddress(ctx, tx, email, email, domain, on); err != nil {
		return providers.Remote{}, err
	}
	if err := p.writeAccountRest(ctx, tx, email, o); err != nil {
		return providers.Remote{}, err
	}
	return written(o), nil
}

// requireDomain fails unless domain is a mail domain of the server.
func requireDomain(ctx context.Context, tx pgx.Tx, domain string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM domain WHERE lower(domain) = $1`, domain).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("domain %s is not a mail domain of this server; declare a domain block for it (served by the postfix provider)", domain)
	}
	return nil
}

// takeAddress makes the alias row address → target, failing when the address is
// already someone else's.
func takeAddress(ctx context.Context, tx pgx.Tx, address, target, domain string, on bool) error {
	var goto_ string
	err := tx.QueryRow(ctx, `SELECT lower(goto) FROM alias WHERE lower(address) = $1`, address).Scan(&goto_)
	switch {
	case err == pgx.ErrNoRows:
		_, err = tx.Exec(ctx, `INSERT INTO alias (address, goto, domain, active) VALUES ($1, $2, $3, $4)`, address, target, domain, on)
		return err
	case err != nil:
		return err
	case goto_ != target:
		return fmt.Errorf("address %s is already taken by an alias to %s", address, goto_)
	}
	_, err = tx.Exec(ctx, `UPDATE alias SET active = $2, modified = now() WHERE lower(address) = $1`, address, on)
	return err
}

// writeAccountRest writes what create and update share: the mailform directory row,
// departments, aliases, and the groups whose department expansion they change.
func (p *Provider) writeAccountRest(ctx context.Context, tx pgx.Tx, email string, o model.Object) error {
	if _, err := tx.Exec(ctx, `INSERT INTO mailform_account (username, position, mobile, external_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (username) DO UPDATE SET position = $2, mobile = $3, external_id = $4`,
		email, o.Str("position"), o.Str("mobile"), o.Str("external_id")); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM mailform_account_department WHERE lower(username) = $1`, email); err != nil {
		return err
	}
	for _, d := range o.Strings("departments") {
		n, err := deptID(d)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mailform_account_department (username, department_id)
			SELECT $1, id FROM mailform_department WHERE id = $2`, email, n); err != nil {
			return err
		}
	}
	// Aliases: drop those no longer wanted, add the new ones, and make all follow the
	// account's status (mail to a frozen account's alias is rejected too).
	on := active(o)
	want := map[string]bool{}
	for _, a := range o.Strings("aliases") {
		want[a] = true
	}
	rows, err := tx.Query(ctx, `SELECT lower(address) FROM alias WHERE lower(trim(goto)) = $1 AND lower(address) <> $1
		AND NOT EXISTS (SELECT 1 FROM mailform_group g WHERE lower(g.address) = lower(alias.address))`, email)
	if err != nil {
		return err
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, a := range have {
		if !want[a] {
			if _, err := tx.Exec(ctx, `DELETE FROM alias WHERE lower(address) = $1`, a); err != nil {
				return err
			}
		}
	}
	for _, a := range o.Strings("aliases") {
		_, domain, err := splitEmail(a)
		if err != nil {
			return err
		}
		if err := requireDomain(ctx, tx, domain); err != nil {
			return fmt.Errorf("alias %s: %w", a, err)
		}
		if err := takeAddress(ctx, tx, a, email, domain, on); err != nil {
			return err
		}
	}
	return reexpandGroups(ctx, tx)
}

func (p *Provider) updateAccount(ctx context.Context, tx pgx.Tx, id string, o model.Object) (providers.Remote, error) {
	email := model.CanonicalEmail(id)
	on := active(o)
	_, err := tx.Exec(ctx, `UPDATE mailbox SET name = $2, phone = $3, quota = $4, active = $5, smtp_active = $5, modified = now()
		WHERE lower(username) = $1`, email, o.Str("name"), o.Str("phone"), o.Int("quota_mb")*p.quotaUnit, on)
	if err != nil {
		return providers.Remote{}, err
	}
	if pw := o.Str("password"); pw != "" {
		hash, err := HashPassword(pw, p.cost)
		if err != nil {
			return providers.Remote{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE mailbox SET password = $2 WHERE lower(username) = $1`, email, hash); err != nil {
			return providers.Remote{}, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE alias SET active = $2, modified = now() WHERE lower(address) = $1`, email, on); err != nil {
		return providers.Remote{}, err
	}
	if err := p.writeAccountRest(ctx, tx, email, o); err != nil {
		return providers.Remote{}, err
	}
	r := written(o)
	r.ID = email
	return r, nil
}

// deleteAccount removes the mailbox, its own alias row, its aliases and its quota
// usage (the mailform rows go with the mailbox, ON DELETE CASCADE), then its mail
// through maildir_delete_command. The command runs inside the step's transaction:
// when it fails, the rows stay and the step fails, so the next plan tries again.
func (p *Provider) deleteAccount(ctx context.Context, tx pgx.Tx, id string) error {
	email := model.CanonicalEmail(id)
	var maildir, local, domain string
	if err := tx.QueryRow(ctx, `SELECT maildir, local_part, domain FROM mailbox WHERE lower(username) = $1`, email).Scan(&maildir, &local, &domain); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM alias WHERE lower(trim(goto)) = $1 AND NOT EXISTS (SELECT 1 FROM mailform_group g WHERE lower(g.address) = lower(alias.address))`,
		`DELETE FROM quota2 WHERE lower(username) = $1`,
		`DELETE FROM mailbox WHERE lower(username) = $1`,
	} {
		if _, err := tx.Exec(ctx, q, email); err != nil {
			return err
		}
	}
	if err := reexpandGroups(ctx, tx); err != nil {
		return err
	}
	return p.removeMaildir(ctx, map[string]string{"user": email, "domain": domain, "local_part": local, "maildir": maildir})
}

// removeMaildir runs maildir_delete_command for one deleted mailbox.
func (p *Provider) removeMaildir(ctx context.Context, vars map[string]string) error {
	if len(p.removeMail) == 0 {
		return nil
	}
	// A maildir outside its domain's directory ("", "/", "../x") would make the
	// command remove more than one mailbox: refuse it.
	md := vars["maildir"]
	if md == "" || strings.HasPrefix(md, "/") || strings.Contains(md, "..") || strings.Trim(md, "/") == "" {
		return fmt.Errorf("mailbox %s has maildir %q, which does not name one mailbox's directory; its mail was not removed and the mailbox is kept", vars["user"], md)
	}
	args := make([]string, len(p.removeMail))
	for i, a := range p.removeMail {
		for k, v := range vars {
			a = strings.ReplaceAll(a, "{"+k+"}", v)
		}
		args[i] = a
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("removing the mail of %s (%s): %v: %s; the mailbox is kept", vars["user"], strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
