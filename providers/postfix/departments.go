package postfix

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

func deptID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a postfix department id (a positive number)", id)
	}
	return n, nil
}

// optDeptID maps an absent parent to NULL.
func optDeptID(id string) (*int64, error) {
	if id == "" {
		return nil, nil
	}
	n, err := deptID(id)
	return &n, err
}

func readDepartments(ctx context.Context, tx pgx.Tx, only string) ([]providers.Remote, error) {
	var filter int64
	if only != "" {
		n, err := deptID(only)
		if err != nil {
			return nil, err
		}
		filter = n
	}
	rows, err := tx.Query(ctx, `SELECT id, name, parent, sort_order FROM mailform_department WHERE $1 = 0 OR id = $1 ORDER BY id`, filter)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []providers.Remote
	for rows.Next() {
		var id, order int64
		var parent *int64
		var name string
		if err := rows.Scan(&id, &name, &parent, &order); err != nil {
			return nil, err
		}
		o := model.Object{"id": strconv.FormatInt(id, 10), "name": name, "order": order}
		if parent != nil {
			o["parent"] = strconv.FormatInt(*parent, 10)
		}
		out = append(out, providers.Remote{ID: o.Str("id"), Attrs: o})
	}
	return out, rows.Err()
}

func createDepartment(ctx context.Context, tx pgx.Tx, o model.Object) (providers.Remote, error) {
	parent, err := optDeptID(o.Str("parent"))
	if err != nil {
		return providers.Remote{}, err
	}
	if err := checkParent(ctx, tx, parent, 0); err != nil {
		return providers.Remote{}, err
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO mailform_department (name, parent, sort_order) VALUES ($1, $2, $3) RETURNING id`,
		o.Str("name"), parent, o.Int("order")).Scan(&id); err != nil {
		return providers.Remote{}, err
	}
	o = o.Clone()
	o["id"] = strconv.FormatInt(id, 10)
	return providers.Remote{ID: o.Str("id"), Attrs: o}, nil
}

// checkParent fails when parent does not exist or would make self its own ancestor.
func checkParent(ctx context.Context, tx pgx.Tx, parent *int64, self int64) error {
	if parent == nil {
		return nil
	}
	var cycle, exists bool
	err := tx.QueryRow(ctx, `WITH RECURSIVE up(id, parent) AS (
			SELECT id, parent FROM mailform_department WHERE id = $1
			UNION SELECT d.id, d.parent FROM mailform_department d JOIN up ON d.id = up.parent)
		SELECT EXISTS (SELECT 1 FROM up), EXISTS (SELECT 1 FROM up WHERE id = $2)`, *parent, self).Scan(&exists, &cycle)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("parent department %d does not exist (deleted outside mailform?): %w", *parent, providers.ErrChangedSincePlan)
	}
	if cycle {
		return fmt.Errorf("department %d cannot be placed under its own sub-department %d", self, *parent)
	}
	return nil
}

func updateDepartment(ctx context.Context, tx pgx.Tx, id string, o model.Object) (providers.Remote, error) {
	n, err := deptID(id)
	if err != nil {
		return providers.Remote{}, err
	}
	parent, err := optDeptID(o.Str("parent"))
	if err != nil {
		return providers.Remote{}, err
	}
	if err := checkParent(ctx, tx, parent, n); err != nil {
		return providers.Remote{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE mailform_department SET name = $2, parent = $3, sort_order = $4 WHERE id = $1`,
		n, o.Str("name"), parent, o.Int("order")); err != nil {
		return providers.Remote{}, err
	}
	// Moving a department changes which groups its members reach through ancestors.
	if err := reexpandGroups(ctx, tx); err != nil {
		return providers.Remote{}, err
	}
	o = o.Clone()
	o["id"] = id
	return providers.Remote{ID: id, Attrs: o}, nil
}

// deleteDepartment removes a department that has no sub-departments, no accounts
// and is no group's member, as the planner orders it (children first).
func deleteDepartment(ctx context.Context, tx pgx.Tx, id string) error {
	n, err := deptID(id)
	if err != nil {
		return err
	}
	var children, members, groups int
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM mailform_department WHERE parent = $1),
		(SELECT count(*) FROM mailform_account_department WHERE department_id = $1),
		(SELECT count(*) FROM mailform_group_member WHERE kind = 'department' AND value = $1::text)`, n).Scan(&children, &members, &groups); err != nil {
		return err
	}
	if children+members+groups > 0 {
		return fmt.Errorf("refusing to delete department %s: it still has %d sub-departments, %d accounts and is a member of %d groups", id, children, members, groups)
	}
	_, err = tx.Exec(ctx, `DELETE FROM mailform_department WHERE id = $1`, n)
	return err
}
