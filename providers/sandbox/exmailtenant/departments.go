package exmailtenant

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// department maps a stored department to the API's form; no parent means the root.
func department(id string, o model.Object) (exmailapi.Department, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return exmailapi.Department{}, fmt.Errorf("department id %q is not a number", id)
	}
	parent := exmailapi.RootDepartment
	if p := o.Str("parent"); p != "" {
		if parent, err = strconv.ParseInt(p, 10, 64); err != nil {
			return exmailapi.Department{}, fmt.Errorf("department %s: parent %q is not a number", id, p)
		}
	}
	return exmailapi.Department{ID: n, Name: o.Str("name"), ParentID: parent, Order: o.Int("order")}, nil
}

// departmentObject maps an API department to the stored form.
func departmentObject(d exmailapi.Department) model.Object {
	o := model.Object{"name": d.Name, "order": d.Order}
	if d.ParentID != exmailapi.RootDepartment && d.ParentID != 0 {
		o["parent"] = strconv.FormatInt(d.ParentID, 10)
	}
	return o
}

// Departments returns every department sorted by id, the root (id 1) first.
func (t *Tenant) Departments() ([]exmailapi.Department, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]exmailapi.Department, 0, len(t.depts)+1)
	out = append(out, exmailapi.Department{ID: exmailapi.RootDepartment, Name: RootName})
	for _, d := range t.depts {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// CreateDepartment stores d under the store's next department id.
func (t *Tenant) CreateDepartment(d exmailapi.Department) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var it model.Object
	err := t.s.Batch(func(tx *tenant.Tx) error {
		id, err := tx.NewDepartmentID()
		if err != nil {
			return err
		}
		stored, err := tx.Put(model.Department.Name, id, departmentObject(d))
		it = stored.Attrs
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sandbox %s: creating department %q: %w", t.s.Dir(), d.Name, err)
	}
	nd, err := department(it.Str("id"), it)
	if err != nil {
		return 0, err
	}
	t.depts[nd.ID] = nd
	return nd.ID, nil
}

// UpdateDepartment replaces the department with d.ID.
func (t *Tenant) UpdateDepartment(d exmailapi.Department) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := strconv.FormatInt(d.ID, 10)
	stored, err := t.put(model.Department.Name, id, departmentObject(d))
	if err != nil {
		return err
	}
	nd, err := department(id, stored)
	if err != nil {
		return err
	}
	t.depts[nd.ID] = nd
	return nil
}

// DeleteDepartment removes the department with id.
func (t *Tenant) DeleteDepartment(id int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.remove(model.Department.Name, strconv.FormatInt(id, 10)); err != nil {
		return err
	}
	delete(t.depts, id)
	return nil
}
