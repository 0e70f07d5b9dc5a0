package exmailtenant

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// optionAttrs maps the user option types kept as account attributes in the store;
// type 4 (secure login enabled) is derived by the handler.
var optionAttrs = map[int]string{
	exmailapi.OptionForceSecureLogin: "force_secure_login",
	exmailapi.OptionIMAPSMTP:         "imap_smtp",
	exmailapi.OptionPOPSMTP:          "pop_smtp",
}

// user maps a stored account to the API's form. The store has no gender (the model
// does not manage it), so Gender is always unset; passwords are never returned.
func user(o model.Object) exmailapi.User {
	u := exmailapi.User{
		UserID: o.Str("email"), Name: o.Str("name"), Position: o.Str("position"),
		Mobile: o.Str("mobile"), Tel: o.Str("phone"), ExtID: o.Str("external_id"),
		Slaves: append([]string(nil), o.Strings("aliases")...), Enable: 1,
	}
	for _, d := range o.Strings("departments") {
		if n, err := strconv.ParseInt(d, 10, 64); err == nil {
			u.Department = append(u.Department, n)
		}
	}
	if len(u.Department) == 0 {
		// The model writes "only in the root" as no department.
		u.Department = []int64{exmailapi.RootDepartment}
	}
	if s := o.Str("status"); s != "" && s != "active" {
		u.Enable = 0
	}
	if o.Bool("force_password_change") {
		u.CpwdLogin = 1
	}
	return u
}

// accountObject maps an API user onto the stored account old (nil for a new one),
// keeping what the API does not carry: quota, offboarding, a departed status.
func accountObject(u exmailapi.User, old model.Object) model.Object {
	o := model.Object{}
	if old != nil {
		o = old.Clone()
	}
	setStr := func(name, v string) {
		if v == "" {
			delete(o, name)
		} else {
			o[name] = v
		}
	}
	o["email"] = key(u.UserID)
	o["name"] = u.Name
	setStr("position", u.Position)
	setStr("mobile", u.Mobile)
	setStr("phone", u.Tel)
	setStr("external_id", u.ExtID)
	var depts []string
	for _, d := range u.Department {
		depts = append(depts, strconv.FormatInt(d, 10))
	}
	if len(depts) == 0 || (len(depts) == 1 && u.Department[0] == exmailapi.RootDepartment) {
		delete(o, "departments")
	} else {
		o["departments"] = depts
	}
	if aliases := lowerAll(u.Slaves); len(aliases) > 0 {
		o["aliases"] = aliases
	} else {
		delete(o, "aliases")
	}
	switch st := o.Str("status"); {
	case u.Enable == 1:
		o["status"] = "active"
	case st != "frozen" && st != "departed":
		o["status"] = "frozen"
	}
	if _, had := o["force_password_change"]; had || u.CpwdLogin == 1 {
		o["force_password_change"] = u.CpwdLogin == 1
	}
	if u.Password != "" {
		o["password"] = u.Password
	}
	return o
}

func lowerAll(in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, key(s))
	}
	return out
}

// Users returns every user sorted by address. The slice is the caller's; the lists
// inside each user are shared and must not be modified.
func (t *Tenant) Users() ([]exmailapi.User, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]exmailapi.User, len(t.users))
	copy(out, t.users)
	return out, nil
}

// User returns the user with userid (compared case-insensitively) and whether it exists.
func (t *Tenant) User(userid string) (exmailapi.User, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.accounts[key(userid)]
	if !ok {
		return exmailapi.User{}, false, nil
	}
	return user(o), true, nil
}

// CreateUser stores a new user.
func (t *Tenant) CreateUser(u exmailapi.User) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.storeUser(accountObject(u, nil))
}

// UpdateUser replaces the user with u.UserID.
func (t *Tenant) UpdateUser(u exmailapi.User) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.accounts[key(u.UserID)]
	if !ok {
		return fmt.Errorf("sandbox %s: account %s is not stored", t.s.Dir(), u.UserID)
	}
	return t.storeUser(accountObject(u, old))
}

// storeUser writes an account and brings the in-memory copy in step; t.mu is held.
func (t *Tenant) storeUser(o model.Object) error {
	id := o.Str("email")
	stored, err := t.put(model.Account.Name, id, o)
	if err != nil {
		return err
	}
	t.accounts[id] = stored
	i, found := t.userIndex(id)
	if found {
		t.users[i] = user(stored)
	} else {
		t.users = append(t.users, exmailapi.User{})
		copy(t.users[i+1:], t.users[i:])
		t.users[i] = user(stored)
	}
	return nil
}

// userIndex finds id in the sorted users; t.mu is held.
func (t *Tenant) userIndex(id string) (int, bool) {
	i := sort.Search(len(t.users), func(i int) bool { return key(t.users[i].UserID) >= id })
	return i, i < len(t.users) && key(t.users[i].UserID) == id
}

// DeleteUser removes the user with userid and its options.
func (t *Tenant) DeleteUser(userid string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := key(userid)
	if err := t.remove(model.Account.Name, id); err != nil {
		return err
	}
	delete(t.accounts, id)
	if i, found := t.userIndex(id); found {
		t.users = append(t.users[:i], t.users[i+1:]...)
	}
	return nil
}

// UserOptions returns the options the account sets, as "0" or "1" by type.
func (t *Tenant) UserOptions(userid string) (map[int]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[int]string{}
	o := t.accounts[key(userid)]
	for typ, attr := range optionAttrs {
		if v, ok := o[attr].(bool); ok {
			out[typ] = map[bool]string{false: "0", true: "1"}[v]
		}
	}
	return out, nil
}

// SetUserOptions stores the given option values for userid, keeping the others.
func (t *Tenant) SetUserOptions(userid string, opts map[int]string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.accounts[key(userid)]
	if !ok {
		return fmt.Errorf("sandbox %s: account %s is not stored", t.s.Dir(), userid)
	}
	o := old.Clone()
	for typ, v := range opts {
		if attr, ok := optionAttrs[typ]; ok {
			o[attr] = v == "1"
		}
	}
	return t.storeUser(o)
}
