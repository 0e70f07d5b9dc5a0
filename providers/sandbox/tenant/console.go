package tenant

import "github.com/mailform/mailform/model"

// UpdateAccount changes the account email in place, as an administrator would in the
// console; see Store.Patch.
func (s *Store) UpdateAccount(email string, change func(o model.Object) error) (Item, error) {
	return s.Patch(model.Account.Name, model.CanonicalEmail(email), change)
}

// UpdateGroup changes the group email in place; see Store.Patch.
func (s *Store) UpdateGroup(email string, change func(o model.Object) error) (Item, error) {
	return s.Patch(model.Group.Name, model.CanonicalEmail(email), change)
}

// UpdateDepartment changes the department id in place; see Store.Patch.
func (s *Store) UpdateDepartment(id string, change func(o model.Object) error) (Item, error) {
	return s.Patch(model.Department.Name, id, change)
}
