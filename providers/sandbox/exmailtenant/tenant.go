// Package exmailtenant lets the Exmail API handler (providers/exmail/exmailapi) serve a
// sandbox directory: it implements exmailapi.Tenant over the durable sandbox store, so
// `mailform sandbox serve` answers the real exmail provider, curl and a person "in the
// console" from the same tenant the in-process sandbox provider uses.
//
// The handler enforces Exmail's rules before every write, so writes go through
// tenant.Tx.Put, which skips the store's own cross-object checks rather than apply a
// second, slightly different set of rules. Reads come from
// an in-memory copy loaded once at New and kept in step with every write; that copy
// is sound because the store holds its directory's lock for as long as it is open, so
// nothing else can change the tenant while a Tenant serves it.
package exmailtenant

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// RootName is the name the root department (id 1) answers with; the sandbox store
// keeps no object for it.
const RootName = "Company"

// Tenant is an exmailapi.Tenant over an open sandbox store. It is safe for concurrent use.
type Tenant struct {
	s *tenant.Store

	mu       sync.Mutex
	depts    map[int64]exmailapi.Department
	accounts map[string]model.Object // by lower-cased address, as stored
	users    []exmailapi.User        // sorted by lower-cased address
	groups   map[string]model.Object
	// tags holds tag-based group members by group address. The store has no place
	// for them (the model cannot manage them), so they live only while serving.
	tags map[string][]int64
}

var _ exmailapi.Tenant = (*Tenant)(nil)

// New loads the tenant held by s. The store must stay open, and be written only
// through the returned Tenant, for as long as the Tenant is used.
func New(s *tenant.Store) (*Tenant, error) {
	t := &Tenant{s: s, depts: map[int64]exmailapi.Department{}, accounts: map[string]model.Object{}, groups: map[string]model.Object{}, tags: map[string][]int64{}}
	ds, err := s.List(model.Department.Name)
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: reading departments: %w", s.Dir(), err)
	}
	for _, it := range ds {
		d, err := department(it.ID, it.Attrs)
		if err != nil {
			return nil, fmt.Errorf("sandbox %s: %w", s.Dir(), err)
		}
		t.depts[d.ID] = d
	}
	as, err := s.List(model.Account.Name)
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: reading accounts: %w", s.Dir(), err)
	}
	t.users = make([]exmailapi.User, 0, len(as))
	for _, it := range as {
		t.accounts[it.ID] = it.Attrs
		t.users = append(t.users, user(it.Attrs))
	}
	sort.Slice(t.users, func(i, j int) bool { return key(t.users[i].UserID) < key(t.users[j].UserID) })
	gs, err := s.List(model.Group.Name)
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: reading groups: %w", s.Dir(), err)
	}
	for _, it := range gs {
		t.groups[it.ID] = it.Attrs
	}
	return t, nil
}

func key(addr string) string { return model.CanonicalEmail(addr) }

// put stores o as typ/id in one transaction and returns the stored form.
func (t *Tenant) put(typ, id string, o model.Object) (model.Object, error) {
	var it tenant.Item
	err := t.s.Batch(func(tx *tenant.Tx) error {
		var err error
		it, err = tx.Put(typ, id, o)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: storing %s %s: %w", t.s.Dir(), typ, id, err)
	}
	return it.Attrs, nil
}

// remove deletes typ/id from the store; an object already gone is no error, as the
// handler checked that it existed.
func (t *Tenant) remove(typ, id string) error {
	err := t.s.Delete(typ, id)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("sandbox %s: deleting %s %s: %w", t.s.Dir(), typ, id, err)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, tenant.ErrNotFound) }
