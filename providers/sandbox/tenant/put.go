package tenant

import "github.com/mailform/mailform/model"

// Put stores o as typ/id, creating it or replacing what is there, with only the checks
// that need no other object (required attributes, enums, limits). It is for front ends
// that enforce the tenant's cross-object rules themselves — the Exmail API of `sandbox
// serve` applies Exmail's own — and for seeding big tenants, where the rules' answers
// are known beforehand. The store's indexes follow it like any other write. id must be
// the id the type derives from o (the address for accounts and groups); a department
// put under a new id should take it from NewDepartmentID. A write-only attribute left
// out of o keeps its stored value.
func (tx *Tx) Put(typ, id string, o model.Object) (Item, error) {
	k, err := kindOf(typ)
	if err != nil {
		return Item{}, err
	}
	c, secrets := prepare(k.t, o)
	if k.t == model.Department {
		c["id"] = id
		if p := c.Str("parent"); p == RootDepartment || p == "" {
			delete(c, "parent")
		}
	} else if !k.t.LabelIdentity {
		kid, err := k.key(id, c)
		if err != nil {
			return Item{}, err
		}
		if kid != id {
			return Item{}, refuse(ErrInvalid, 0, "%s %s: its %s says %s; store it under that id", k.t.Name, id, k.idName, kid)
		}
	}
	if err := checkGeneric(k.t, id, c); err != nil {
		return Item{}, err
	}
	if err := tx.put(k, id, c, secrets); err != nil {
		return Item{}, err
	}
	return Item{ID: id, Attrs: c}, nil
}

// NewDepartmentID reserves the next free department id, for Put.
func (tx *Tx) NewDepartmentID() (string, error) { return tx.nextDepartmentID() }
