package exmailapi

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// maxDepartments and maxSlaves are the API's limits per user.
const (
	maxDepartments = 20
	maxSlaves      = 5
	maxBatchCheck  = 20
)

// userFields is every writable field of user/create and user/update.
type userFields struct {
	UserID     string     `json:"userid"`
	Name       *string    `json:"name"`
	Department []looseInt `json:"department"`
	Position   *string    `json:"position"`
	Mobile     *string    `json:"mobile"`
	Tel        *string    `json:"tel"`
	ExtID      *string    `json:"extid"`
	Gender     *looseInt  `json:"gender"`
	Enable     *looseInt  `json:"enable"`
	Slaves     []string   `json:"slaves"`
	CpwdLogin  *looseInt  `json:"cpwd_login"`
	Password   *string    `json:"password"`
}

// apply copies the fields present in the request onto u; has tells which list
// fields the request carried, since an empty list is a change too.
func (f *userFields) apply(u *User, has map[string]json.RawMessage) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&u.Name, f.Name)
	set(&u.Position, f.Position)
	set(&u.Mobile, f.Mobile)
	set(&u.Tel, f.Tel)
	set(&u.ExtID, f.ExtID)
	set(&u.Password, f.Password)
	if _, ok := has["department"]; ok {
		u.Department = ints(f.Department)
	}
	if _, ok := has["slaves"]; ok {
		u.Slaves = append([]string(nil), f.Slaves...)
	}
	if f.Gender != nil {
		u.Gender = int(*f.Gender)
	}
	if f.Enable != nil {
		u.Enable = int(*f.Enable)
	}
	if f.CpwdLogin != nil {
		u.CpwdLogin = int(*f.CpwdLogin)
	}
}

func decodeUser(c *call) (*userFields, map[string]json.RawMessage, error) {
	var f userFields
	var has map[string]json.RawMessage
	if err := decodeBody(c, &has); err != nil {
		return nil, nil, err
	}
	if err := decodeBody(c, &f); err != nil {
		return nil, nil, err
	}
	return &f, has, nil
}

// checkUser applies the rules every stored user must keep.
func (h *handler) checkUser(u User, existing string) error {
	if strings.TrimSpace(u.Name) == "" {
		return fail(CodeInvalidParameter, "name is required")
	}
	if len(u.Department) == 0 {
		return fail(CodeInvalidParameter, "department is required (1 is the root)")
	}
	if len(u.Department) > maxDepartments {
		return fail(CodeTooManyDepartments, "")
	}
	ds, err := h.t.Departments()
	if err != nil {
		return err
	}
	for _, id := range u.Department {
		if _, ok := findDept(ds, id); !ok {
			return fail(CodeDeptNotFound, "department "+itoa(id))
		}
	}
	if len(u.Slaves) > maxSlaves {
		return fail(CodeInvalidParameter, "at most 5 slaves (aliases)")
	}
	for _, s := range u.Slaves {
		if strings.EqualFold(s, u.UserID) {
			return fail(CodeInvalidParameter, "an alias cannot be the userid itself")
		}
		switch o, err := h.owner(s, existing); {
		case err != nil:
			return err
		case o == ownerInvalid:
			return fail(CodeInvalidUserID, "slave "+s)
		case o != ownerFree:
			return fail(CodeUserIDExists, "slave "+s)
		}
	}
	if u.Gender < 0 || u.Gender > 2 || (u.Enable != 0 && u.Enable != 1) || (u.CpwdLogin != 0 && u.CpwdLogin != 1) {
		return fail(CodeInvalidParameter, "gender is 1 or 2, enable and cpwd_login are 0 or 1")
	}
	if u.Mobile != "" {
		users, err := h.t.Users()
		if err != nil {
			return err
		}
		for _, o := range users {
			if o.Mobile == u.Mobile && !strings.EqualFold(o.UserID, u.UserID) {
				return fail(CodeMobileExists, "")
			}
		}
	}
	return nil
}

func (h *handler) userCreate(c *call) (map[string]any, error) {
	f, has, err := decodeUser(c)
	if err != nil {
		return nil, err
	}
	switch o, err := h.owner(f.UserID, ""); {
	case err != nil:
		return nil, err
	case o == ownerInvalid:
		return nil, fail(CodeInvalidUserID, f.UserID)
	case o != ownerFree:
		return nil, fail(CodeUserIDExists, f.UserID)
	}
	if at, ok := h.recycled[key(f.UserID)]; ok {
		if h.o.Now().Sub(at) < h.o.RecycleWindow {
			return nil, fail(CodeInRecycleBin, f.UserID+" was deleted at "+at.UTC().Format(time.RFC3339)+"; it can be created again after "+at.Add(h.o.RecycleWindow).UTC().Format(time.RFC3339))
		}
		delete(h.recycled, key(f.UserID))
	}
	u := User{UserID: f.UserID}
	f.apply(&u, has)
	// enable is not a documented field of user/create: whatever a request says, the
	// account starts active, and only user/update freezes it.
	u.Enable = 1
	if u.Password == "" {
		return nil, fail(CodeInvalidParameter, "password is required")
	}
	if err := h.checkUser(u, u.UserID); err != nil {
		return nil, err
	}
	if err := h.t.CreateUser(u); err != nil {
		return nil, err
	}
	return done("created"), nil
}

func (h *handler) userUpdate(c *call) (map[string]any, error) {
	f, has, err := decodeUser(c)
	if err != nil {
		return nil, err
	}
	u, err := h.mustUser(f.UserID)
	if err != nil {
		return nil, err
	}
	f.apply(&u, has)
	if err := h.checkUser(u, u.UserID); err != nil {
		return nil, err
	}
	if err := h.t.UpdateUser(u); err != nil {
		return nil, err
	}
	return done("updated"), nil
}

func (h *handler) mustUser(userid string) (User, error) {
	if !validAddress(userid) {
		return User{}, fail(CodeInvalidUserID, userid)
	}
	u, ok, err := h.t.User(userid)
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, fail(CodeUserIDNotFound, userid)
	}
	return u, nil
}

func (h *handler) userDelete(c *call) (map[string]any, error) {
	u, err := h.mustUser(c.query.Get("userid"))
	if err != nil {
		return nil, err
	}
	if err := h.t.DeleteUser(u.UserID); err != nil {
		return nil, err
	}
	if h.o.RecycleWindow > 0 {
		h.recycled[key(u.UserID)] = h.o.Now()
	}
	return done("deleted"), nil
}

func (h *handler) userJSON(u User) map[string]any {
	loose := h.loose()
	gender := any("")
	if u.Gender != 0 {
		gender = loose(u.Gender)
	}
	return map[string]any{
		"userid": u.UserID, "name": u.Name, "department": nonNil64(u.Department),
		"position": u.Position, "mobile": u.Mobile, "tel": u.Tel, "extid": u.ExtID,
		"gender": gender, "enable": loose(u.Enable), "slaves": nonNil(u.Slaves),
		"cpwd_login": loose(u.CpwdLogin),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNil64(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func (h *handler) userGet(c *call) (map[string]any, error) {
	u, err := h.mustUser(c.query.Get("userid"))
	if err != nil {
		return nil, err
	}
	return h.userJSON(u), nil
}

// usersIn returns the users of the department_id in the query (and below with
// fetch_child=1).
func (h *handler) usersIn(c *call) ([]User, error) {
	id, err := strconv.ParseInt(c.query.Get("department_id"), 10, 64)
	if err != nil {
		return nil, fail(CodeInvalidParameter, "department_id must be a number")
	}
	ds, err := h.t.Departments()
	if err != nil {
		return nil, err
	}
	if _, ok := findDept(ds, id); !ok {
		return nil, fail(CodeDeptNotFound, "department_id "+itoa(id))
	}
	in := map[int64]bool{id: true}
	if c.query.Get("fetch_child") == "1" {
		in = subtree(ds, id)
	}
	users, err := h.t.Users()
	if err != nil {
		return nil, err
	}
	var out []User
	for _, u := range users {
		for _, d := range u.Department {
			if in[d] {
				out = append(out, u)
				break
			}
		}
	}
	return out, nil
}

func (h *handler) userSimpleList(c *call) (map[string]any, error) {
	users, err := h.usersIn(c)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, u := range users {
		list = append(list, map[string]any{"userid": u.UserID, "name": u.Name, "department": nonNil64(u.Department)})
	}
	return map[string]any{"userlist": list}, nil
}

func (h *handler) userList(c *call) (map[string]any, error) {
	users, err := h.usersIn(c)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, u := range users {
		j := h.userJSON(u)
		if h.o.Quirks {
			// The field table of user/list has no enable; only its example does.
			delete(j, "enable")
		}
		list = append(list, j)
	}
	return map[string]any{"userlist": list}, nil
}

func (h *handler) userBatchCheck(c *call) (map[string]any, error) {
	var req struct {
		UserList []string `json:"userlist"`
	}
	if err := decodeBody(c, &req); err != nil {
		return nil, err
	}
	if len(req.UserList) > maxBatchCheck {
		return nil, fail(CodeBatchCheckTooMany, itoa(int64(len(req.UserList)))+" addresses")
	}
	if len(req.UserList) == 0 {
		return nil, fail(CodeInvalidParameter, "userlist holds 1–20 addresses")
	}
	list := []any{}
	for _, a := range req.UserList {
		o, err := h.owner(a, "")
		if err != nil {
			return nil, err
		}
		list = append(list, map[string]any{"user": a, "type": o})
	}
	return map[string]any{"list": list}, nil
}
