package exmailapi

import (
	"encoding/json"
	"strings"
)

// groupFields is every writable field of group/create and group/update.
type groupFields struct {
	GroupID       string     `json:"groupid"`
	GroupName     *string    `json:"groupname"`
	UserList      []string   `json:"userlist"`
	GroupList     []string   `json:"grouplist"`
	Department    []looseInt `json:"department"`
	AllowType     *looseInt  `json:"allow_type"`
	AllowUserList []string   `json:"allow_userlist"`
}

func (f *groupFields) apply(g *Group, has map[string]json.RawMessage) {
	if f.GroupName != nil {
		g.GroupName = *f.GroupName
	}
	if _, ok := has["userlist"]; ok {
		g.UserList = append([]string(nil), f.UserList...)
	}
	if _, ok := has["grouplist"]; ok {
		g.GroupList = append([]string(nil), f.GroupList...)
	}
	if _, ok := has["department"]; ok {
		g.Department = ints(f.Department)
	}
	if f.AllowType != nil {
		g.AllowType = int(*f.AllowType)
	}
	if _, ok := has["allow_userlist"]; ok {
		g.AllowUserList = append([]string(nil), f.AllowUserList...)
	}
}

func decodeGroup(c *call) (*groupFields, map[string]json.RawMessage, error) {
	var f groupFields
	var has map[string]json.RawMessage
	if err := decodeBody(c, &has); err != nil {
		return nil, nil, err
	}
	if err := decodeBody(c, &f); err != nil {
		return nil, nil, err
	}
	return &f, has, nil
}

// checkGroup applies the rules every stored group must keep.
func (h *handler) checkGroup(g Group) error {
	if strings.TrimSpace(g.GroupName) == "" {
		return fail(CodeInvalidParameter, "groupname is required")
	}
	if len(g.UserList)+len(g.GroupList)+len(g.Department) == 0 {
		return fail(CodeInvalidParameter, "at least one of userlist, grouplist, department is required")
	}
	if g.AllowType < 0 || g.AllowType > 3 {
		return fail(CodeInvalidParameter, "allow_type is 0, 1, 2 or 3")
	}
	for _, m := range g.UserList {
		if _, ok, err := h.t.User(m); err != nil {
			return err
		} else if !ok {
			return fail(CodeUserIDNotFound, "userlist member "+m)
		}
	}
	for _, m := range g.GroupList {
		if strings.EqualFold(m, g.GroupID) {
			return fail(CodeInvalidParameter, "a group cannot contain itself")
		}
		if _, ok, err := h.t.Group(m); err != nil {
			return err
		} else if !ok {
			return fail(CodeUserIDNotFound, "grouplist member "+m)
		}
	}
	ds, err := h.t.Departments()
	if err != nil {
		return err
	}
	for _, id := range g.Department {
		if _, ok := findDept(ds, id); !ok {
			return fail(CodeDeptNotFound, "department "+itoa(id))
		}
	}
	for _, a := range g.AllowUserList {
		if !validAddress(a) {
			return fail(CodeInvalidUserID, "allow_userlist "+a)
		}
	}
	return nil
}

func (h *handler) groupCreate(c *call) (map[string]any, error) {
	f, has, err := decodeGroup(c)
	if err != nil {
		return nil, err
	}
	switch o, err := h.owner(f.GroupID, ""); {
	case err != nil:
		return nil, err
	case o == ownerInvalid:
		return nil, fail(CodeInvalidUserID, f.GroupID)
	case o != ownerFree:
		return nil, fail(CodeUserIDExists, f.GroupID)
	}
	g := Group{GroupID: f.GroupID}
	f.apply(&g, has)
	if err := h.checkGroup(g); err != nil {
		return nil, err
	}
	if err := h.t.CreateGroup(g); err != nil {
		return nil, err
	}
	return done("created"), nil
}

func (h *handler) mustGroup(groupid string) (Group, error) {
	if !validAddress(groupid) {
		return Group{}, fail(CodeInvalidUserID, groupid)
	}
	g, ok, err := h.t.Group(groupid)
	if err != nil {
		return Group{}, err
	}
	if !ok {
		// Groups share the address space of users; the API answers the same code.
		return Group{}, fail(CodeUserIDNotFound, groupid)
	}
	return g, nil
}

func (h *handler) groupUpdate(c *call) (map[string]any, error) {
	f, has, err := decodeGroup(c)
	if err != nil {
		return nil, err
	}
	g, err := h.mustGroup(f.GroupID)
	if err != nil {
		return nil, err
	}
	f.apply(&g, has)
	if err := h.checkGroup(g); err != nil {
		return nil, err
	}
	if err := h.t.UpdateGroup(g); err != nil {
		return nil, err
	}
	return done("updated"), nil
}

func (h *handler) groupDelete(c *call) (map[string]any, error) {
	g, err := h.mustGroup(c.query.Get("groupid"))
	if err != nil {
		return nil, err
	}
	if err := h.t.DeleteGroup(g.GroupID); err != nil {
		return nil, err
	}
	return done("deleted"), nil
}

func (h *handler) groupGet(c *call) (map[string]any, error) {
	g, err := h.mustGroup(c.query.Get("groupid"))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"groupid": g.GroupID, "groupname": g.GroupName, "userlist": nonNil(g.UserList),
		"grouplist": nonNil(g.GroupList), "department": nonNil64(g.Department),
		"allow_type": g.AllowType, "allow_userlist": nonNil(g.AllowUserList),
	}, nil
}
