package tenant

import (
	"github.com/mailform/mailform/model"
)

// accountRules returns the store rules of accounts.
func accountRules() *kind {
	return &kind{
		t:            model.Account,
		idName:       "email",
		key:          addressKey("account"),
		check:        checkAccount,
		existsCode:   CodeUserExists,
		notFoundCode: CodeUserNotFound,
	}
}

// groupRules returns the store rules of groups.
func groupRules() *kind {
	return &kind{
		t:          model.Group,
		idName:     "email",
		key:        addressKey("group"),
		check:      checkGroup,
		existsCode: CodeUserExists,
	}
}

func addressKey(typ string) func(string, model.Object) (string, error) {
	return func(_ string, c model.Object) (string, error) {
		e := c.Str("email")
		return e, checkAddress(typ+" email", e)
	}
}

func checkAccount(tx *Tx, id string, c, _ model.Object) error {
	depts := c.Strings("departments")
	if len(depts) > 20 {
		return refuse(ErrInvalid, CodeTooManyDepartments, "account %s is in %d departments; at most 20 are allowed", id, len(depts))
	}
	for _, d := range depts {
		if d == RootDepartment {
			continue
		}
		if _, ok, err := tx.get(departmentKind, d); err != nil {
			return err
		} else if !ok {
			return refuse(ErrNotFound, CodeDepartmentNotFound, "account %s: department %s does not exist; create it first or fix the id", id, d)
		}
	}
	aliases := c.Strings("aliases")
	if len(aliases) > 5 {
		return refuse(ErrInvalid, 0, "account %s has %d aliases; at most 5 are allowed", id, len(aliases))
	}
	for _, a := range aliases {
		if a == id {
			return refuse(ErrInvalid, 0, "account %s lists its own address as an alias; remove it from aliases", id)
		}
		if err := checkAddress("account "+id+" alias", a); err != nil {
			return err
		}
	}
	for _, addr := range append([]string{id}, aliases...) {
		owner, err := tx.addressOwner(addr, id, "")
		if err != nil {
			return err
		}
		if owner != "" {
			return refuse(ErrExists, CodeUserExists, "account %s: address %s is already used by %s", id, addr, owner)
		}
	}
	if m := c.Str("mobile"); m != "" {
		if other := tx.firstMember(bucketIndexMobile, m, id); other != "" {
			return refuse(ErrExists, CodeMobileExists, "account %s: mobile %s is already used by account %s", id, m, other)
		}
	}
	return nil
}

func checkGroup(tx *Tx, id string, _, _ model.Object) error {
	owner, err := tx.addressOwner(id, "", id)
	if err != nil {
		return err
	}
	if owner != "" {
		return refuse(ErrExists, CodeUserExists, "group %s: the address is already used by %s", id, owner)
	}
	return nil
}
