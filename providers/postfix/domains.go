package postfix

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// readDomains lists the mail domains (all, or only the one named). PostfixAdmin's
// pseudo-domain ALL (superadmin rights) is not a mail domain.
func readDomains(ctx context.Context, tx pgx.Tx, only string) ([]providers.Remote, error) {
	rows, err := tx.Query(ctx, `SELECT lower(domain) FROM domain WHERE domain <> 'ALL' AND ($1 = '' OR lower(domain) = $1) ORDER BY 1`, only)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := make([]providers.Remote, len(names))
	for i, n := range names {
		out[i] = providers.Remote{ID: n, Attrs: model.Object{"name": n}}
	}
	return out, nil
}

func createDomain(ctx context.Context, tx pgx.Tx, o model.Object) (providers.Remote, error) {
	name := o.Str("name")
	tag, err := tx.Exec(ctx, `INSERT INTO domain (domain, description) VALUES ($1, 'managed by mailform') ON CONFLICT DO NOTHING`, name)
	if err != nil {
		return providers.Remote{}, err
	}
	if tag.RowsAffected() == 0 {
		return providers.Remote{}, fmt.Errorf("domain %s exists already (made outside mailform since the plan): %w", name, providers.ErrChangedSincePlan)
	}
	return providers.Remote{ID: name, Attrs: model.Object{"name": name}}, nil
}

// deleteDomain removes a domain that holds no mailboxes and no aliases: deleting a
// domain must never take mail with it.
func deleteDomain(ctx context.Context, tx pgx.Tx, name string) error {
	var boxes, aliases int
	err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM mailbox WHERE lower(domain) = $1),
		(SELECT count(*) FROM alias WHERE lower(domain) = $1 AND address <> goto)`, name).Scan(&boxes, &aliases)
	if err != nil {
		return err
	}
	if boxes > 0 || aliases > 0 {
		return fmt.Errorf("refusing to delete domain %s: it still has %d mailboxes and %d aliases or groups; delete or move them first", name, boxes, aliases)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM alias WHERE lower(domain) = $1`, name); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM alias_domain WHERE lower(alias_domain) = $1 OR lower(target_domain) = $1`, name); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM domain WHERE lower(domain) = $1`, name)
	return err
}
