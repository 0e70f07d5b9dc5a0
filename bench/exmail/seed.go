package main

import (
	"fmt"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// seedBatch is how many objects one store transaction writes.
const seedBatch = 5000

func deptName(i int) string  { return fmt.Sprintf("Dept %04d", i) }
func userEmail(i int) string { return fmt.Sprintf("user%06d@bench.example", i) }
func groupEmail(i int) string {
	return fmt.Sprintf("group%05d@bench.example", i)
}

// seed writes departments, accounts and groups straight into the store with
// tenant.Tx.Put, which skips the per-write scans of every account; it returns the
// department ids in order.
func seed(s *tenant.Store, sz sizes) ([]string, error) {
	ids := make([]string, sz.departments)
	err := s.Batch(func(tx *tenant.Tx) error {
		for i := range ids {
			id, err := tx.NewDepartmentID()
			if err != nil {
				return err
			}
			if _, err := tx.Put(model.Department.Name, id, model.Object{"name": deptName(i), "order": int64(0)}); err != nil {
				return err
			}
			ids[i] = id
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seeding departments: %w", err)
	}
	if err := inBatches(s, sz.users, func(tx *tenant.Tx, i int) error {
		_, err := tx.Put(model.Account.Name, userEmail(i), model.Object{"email": userEmail(i),
			"name": fmt.Sprintf("User %d", i), "departments": []string{ids[i%len(ids)]}, "status": "active"})
		return err
	}); err != nil {
		return nil, fmt.Errorf("seeding accounts: %w", err)
	}
	if err := inBatches(s, sz.groups, func(tx *tenant.Tx, i int) error {
		_, err := tx.Put(model.Group.Name, groupEmail(i), model.Object{"email": groupEmail(i),
			"name": fmt.Sprintf("Group %d", i), "members": []string{userEmail(i % sz.users)}, "senders": "organization"})
		return err
	}); err != nil {
		return nil, fmt.Errorf("seeding groups: %w", err)
	}
	return ids, nil
}

func inBatches(s *tenant.Store, n int, put func(tx *tenant.Tx, i int) error) error {
	for start := 0; start < n; start += seedBatch {
		end := min(n, start+seedBatch)
		if err := s.Batch(func(tx *tenant.Tx) error {
			for i := start; i < end; i++ {
				if err := put(tx, i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
