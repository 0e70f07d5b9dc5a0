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
	if _, ok := has["taglist"]; ok {
		// Tag-based members are set in the console; a client that echoes a whole
		// group/get answer back must learn that here, not on a live tenant.
		return nil, nil, fail(CodeInvalidParameter, "taglist is set in the admin console, not through the API; leave it out")
	}
	return &f, has, nil
}

// checkGroup applies the rules every stored group must keep, with the 6000xx codes
// of group writes.
func (h *handler) checkGroup(g Group) error {
	if strings.TrimSpace(g.GroupName) == "" {
		return fail(CodeInvalidParameter, "groupname is required")
	}
	if len(g.UserList)+len(g.GroupList)+len(g.Department)+len(g.TagList) == 0 {
		return fail(CodeInvalidParameter, "at least one of userlist, grouplist, department is required")
	}
	if g.AllowType < 0 || g.AllowType > 3 {
		return fail(CodeGroupBadAllowType, "allow_type is 0, 1, 2 or 3")
	}
	for _, m := range g.UserList {
		if !validAddress(m) {
			return fail(CodeGroupBadUserList, "userlist member "+m)
		}
		if _, ok, err := h.t.User(m); err != nil {
			return err
		} else if !ok {
			return fail(CodeGroupMemberUserGone, "userlist member "+m)
		}
	}
	for _, m := range g.GroupList {
		if !validAddress(m) || strings.EqualFold(m, g.GroupID) {
			return fail(CodeGroupBadGroupList, "grouplist member "+m+" (a group cannot contain itself)")
		}
		if _, ok, err := h.t.Group(m); err != nil {
			return err
		} else if !ok {
			return fail(CodeGroupMemberGroupGone, "grouplist member "+m)
		}
	}
	ds, err := h.t.Departments()
	if err != nil {
		return err
	}
	for _, id := range g.Department {
		if id <= 0 {
			return fail(CodeGroupBadDepartment, "department "+itoa(id))
		}
		if _, ok := findDept(ds, id); !ok {
			return fail(CodeGroupMemberDeptGone, "department "+itoa(id))
		}
	}
	for _, a := range g.AllowUserList {
		if !validAddress(a) {
			return fail(CodeGroupBadAllowUsers, "allow_userlist "+a)
		}
	}
	if g.AllowType == 3 && len(g.AllowUserList) == 0 {
		return fail(CodeGroupBadAllowList, "allow_type 3 needs the addresses in allow_userlist")
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
	case o == ownerGroup:
		return nil, fail(CodeGroupExists, f.GroupID)
	case o != ownerFree:
		return nil, fail(CodeGroupAddressClash, f.GroupID+" is an account or an alias")
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
		return Group{}, fail(CodeGroupNotFound, groupid)
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
	// Fields the request leaves out, the tag-based members among them, stay.
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
	resp := map[string]any{
		"groupid": g.GroupID, "groupname": g.GroupName, "userlist": nonNil(g.UserList),
		"grouplist": nonNil(g.GroupList), "department": nonNil64(g.Department),
		"allow_type": h.loose()(g.AllowType), "allow_userlist": nonNil(g.AllowUserList),
	}
	if h.o.Quirks {
		// The form is a guess (the doc copies name the field only): one object per
		// tag, its id loose like every small number.
		loose := h.loose()
		tags := []any{}
		for _, t := range g.TagList {
			tags = append(tags, map[string]any{"tagid": loose(int(t))})
		}
		resp["taglist"] = tags
	}
	return resp, nil
}
