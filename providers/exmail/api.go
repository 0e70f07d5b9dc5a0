package exmail

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// The wire forms of the answers, tolerant of numbers sent as strings.
type (
	deptWire struct {
		ID       flexInt `json:"id"`
		Name     string  `json:"name"`
		ParentID flexInt `json:"parentid"`
		Order    flexInt `json:"order"`
		Path     string  `json:"path"`
	}
	userWire struct {
		UserID     string    `json:"userid"`
		Name       string    `json:"name"`
		Department []flexInt `json:"department"`
		Position   string    `json:"position"`
		Mobile     string    `json:"mobile"`
		Tel        string    `json:"tel"`
		ExtID      string    `json:"extid"`
		Gender     flexInt   `json:"gender"`
		Enable     *flexInt  `json:"enable"`
		Slaves     []string  `json:"slaves"`
		CpwdLogin  flexInt   `json:"cpwd_login"`
	}
	groupWire struct {
		GroupID       string    `json:"groupid"`
		GroupName     string    `json:"groupname"`
		UserList      []string  `json:"userlist"`
		GroupList     []string  `json:"grouplist"`
		Department    []flexInt `json:"department"`
		AllowType     flexInt   `json:"allow_type"`
		AllowUserList []string  `json:"allow_userlist"`
	}
)

func (w deptWire) dept() exmailapi.Department {
	return exmailapi.Department{ID: int64(w.ID), Name: w.Name, ParentID: int64(w.ParentID), Order: int64(w.Order)}
}

func (w userWire) user() exmailapi.User {
	u := exmailapi.User{UserID: w.UserID, Name: w.Name, Department: int64s(w.Department),
		Position: w.Position, Mobile: w.Mobile, Tel: w.Tel, ExtID: w.ExtID, Gender: int(w.Gender),
		Enable: exmailapi.EnableUnknown, Slaves: w.Slaves, CpwdLogin: int(w.CpwdLogin)}
	if w.Enable != nil {
		u.Enable = int(*w.Enable)
	}
	return u
}

func (w groupWire) group() exmailapi.Group {
	return exmailapi.Group{GroupID: w.GroupID, GroupName: w.GroupName, UserList: w.UserList,
		GroupList: w.GroupList, Department: int64s(w.Department), AllowType: int(w.AllowType),
		AllowUserList: w.AllowUserList}
}

func deptObject(id int64, name string) string {
	if name == "" {
		return "department " + strconv.FormatInt(id, 10)
	}
	return "department " + strconv.FormatInt(id, 10) + " (" + name + ")"
}

// ListDepartments returns the department id and every department below it (id 0:
// the whole tree, root included).
func (c *Client) ListDepartments(ctx context.Context, id int64) ([]exmailapi.Department, error) {
	r := &request{app: exmailapi.AppContacts, method: http.MethodGet, path: "department/list"}
	if id != 0 {
		r.query = map[string]string{"id": strconv.FormatInt(id, 10)}
		r.object = deptObject(id, "")
	}
	var resp struct {
		Department []deptWire `json:"department"`
	}
	if err := c.do(ctx, r, &resp); err != nil {
		return nil, err
	}
	out := make([]exmailapi.Department, len(resp.Department))
	for i, d := range resp.Department {
		out[i] = d.dept()
	}
	return out, nil
}

// SearchDepartments finds departments by name, exactly or (fuzzy) by substring.
func (c *Client) SearchDepartments(ctx context.Context, name string, fuzzy bool) ([]exmailapi.Department, error) {
	f := 0
	if fuzzy {
		f = 1
	}
	r := &request{app: exmailapi.AppContacts, method: http.MethodPost, path: "department/search",
		object: strconv.Quote(name), body: map[string]any{"name": name, "fuzzy": f}}
	var resp struct {
		Department []deptWire `json:"department"`
	}
	if err := c.do(ctx, r, &resp); err != nil {
		return nil, err
	}
	out := make([]exmailapi.Department, len(resp.Department))
	for i, d := range resp.Department {
		out[i] = d.dept()
	}
	return out, nil
}

// CreateDepartment creates d under d.ParentID (0 = root) and returns its new id.
func (c *Client) CreateDepartment(ctx context.Context, d exmailapi.Department) (int64, error) {
	if d.ParentID == 0 {
		d.ParentID = exmailapi.RootDepartment
	}
	var resp struct {
		ID flexInt `json:"id"`
	}
	r := &request{app: exmailapi.AppContacts, method: http.MethodPost, path: "department/create", write: true,
		object: strconv.Quote(d.Name), body: map[string]any{"name": d.Name, "parentid": d.ParentID, "order": d.Order}}
	r.verify = func(ctx context.Context) (bool, error) {
		ds, err := c.ListDepartments(ctx, 0)
		if err != nil {
			return false, err
		}
		for _, x := range ds {
			if x.ParentID == d.ParentID && strings.EqualFold(x.Name, d.Name) {
				resp.ID = flexInt(x.ID)
				return true, nil
			}
		}
		return false, nil
	}
	if err := c.do(ctx, r, &resp); err != nil {
		return 0, err
	}
	return int64(resp.ID), nil
}

// UpdateDepartment changes the given fields (name, parentid, order) of department id.
func (c *Client) UpdateDepartment(ctx context.Context, id int64, fields map[string]any) error {
	body := map[string]any{"id": id}
	for k, v := range fields {
		body[k] = v
	}
	name, _ := fields["name"].(string)
	r := &request{app: exmailapi.AppContacts, method: http.MethodPost, path: "department/update", write: true,
		object: deptObject(id, name), body: body}
	r.verify = func(ctx context.Context) (bool, error) {
		// An update is idempotent: resend it unless the department is gone.
		_, err := c.ListDepartments(ctx, id)
		return false, err
	}
	return c.do(ctx, r, nil)
}

// DeleteDepartment deletes department id.
func (c *Client) DeleteDepartment(ctx context.Context, id int64) error {
	r := &request{app: exmailapi.AppContacts, method: http.MethodGet, path: "department/delete", write: true,
		object: deptObject(id, ""), query: map[string]string{"id": strconv.FormatInt(id, 10)}}
	r.verify = func(ctx context.Context) (bool, error) {
		_, err := c.ListDepartments(ctx, id)
		if IsNotFound(err) {
			return true, nil
		}
		return false, err
	}
	return c.do(ctx, r, nil)
}

func (c *Client) listUsers(ctx context.Context, path string, dept int64, fetchChild bool) ([]exmailapi.User, error) {
	fc := "0"
	if fetchChild {
		fc = "1"
	}
	r := &request{app: exmailapi.AppContacts, method: http.MethodGet, path: path, object: deptObject(dept, ""),
		query: map[string]string{"department_id": strconv.FormatInt(dept, 10), "fetch_child": fc}}
	var resp struct {
		UserList []userWire `json:"userlist"`
	}
	if err := c.do(ctx, r, &resp); err != nil {
		return nil, err
	}
	out := make([]exmailapi.User, len(resp.UserList))
	for i, u := range resp.UserList {
		out[i] = u.user()
	}
	return out, nil
}

// ListUsers returns the full users of department dept (and below with fetchChild).
func (c *Client) ListUsers(ctx context.Context, dept int64, fetchChild bool) ([]exmailapi.User, error) {
	return c.listUsers(ctx, "user/list", dept, fetchChild)
}

// SimpleListUsers returns userid, name and departments of the users of dept.
func (c *Client) SimpleListUsers(ctx context.Context, dept int64, fetchChild bool) ([]exmailapi.User, error) {
	return c.listUsers(ctx, "user/simplelist", dept, fetchChild)
}

// GetUser returns one user; IsNotFound(err) when there is none.
func (c *Client) GetUser(ctx context.Context, userid string) (exmailapi.User, error) {
	r := &request{app: exmailapi.AppContacts, method: http.MethodGet, path: "user/get", object: userid,
		query: map[string]string{"userid": userid}}
	var resp userWire
	if err := c.do(ctx, r, &resp); err != nil {
		return exmailapi.User{}, err
	}
	return resp.user(), nil
}

// CreateUser creates a user from API fields (userid, name, department, password …).
func (c *Client) CreateUser(ctx context.Context, fields map[string]any) error {
	userid, _ := fields["userid"].(string)
	r := &request{app: exmailapi.AppContacts, method: http.MethodPost, path: "user/create", write: true,
		object: userid, body: fields}
	r.verify = func(ctx context.Context) (bool, error) { return exists(ctx, userid, c.GetUser) }
	return c.do(ctx, r, nil)
}

// UpdateUser changes the given API fields of userid.
func (c *Client) UpdateUser(ctx context.Context, userid string, fields map[string]any) error {
	body := map[string]any{"userid": userid}
	for k, v := range fields {
		body[k] = v
	}
	r := &request{app: exmailapi.AppContacts, method: http.MethodPost, path: "user/update", write: true,
		object: userid, body: body}
	r.verify = func(ctx context.Context) (bool, error) { return resendUnlessGone(ctx, userid, c.GetUser) }
	return c.do(ctx, r, nil)
}

// DeleteUser deletes userid.
func (c *Client) DeleteUser(ctx context.Context, userid string) error {
	r := &request{app: exmailapi.AppContacts, method: http.MethodGet, path: "user/delete", write: true,
		object: userid, query: map[string]string{"userid": userid}}
	r.verify = func(ctx context.Context) (bool, error) { return gone(ctx, userid, c.GetUser) }
	return c.do(ctx, r, nil)
}

// BatchCheck says what holds each address: -1 invalid, 0 free, 1 account, 2 alias,
// 3 group. At most 20 addresses per call.
func (c *Client) BatchCheck(ctx context.Context, addrs []string) (map[string]int, error) {
	r := &request{app: exmailapi.AppContacts, method: http.MethodPost, path: "user/batchcheck",
		object: strings.Join(addrs, ","), body: map[string]any{"userlist": addrs}}
	var resp struct {
		List []struct {
			User string  `json:"user"`
			Type flexInt `json:"type"`
		} `json:"list"`
	}
	if err := c.do(ctx, r, &resp); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(resp.List))
	for _, e := range resp.List {
		out[e.User] = int(e.Type)
	}
	return out, nil
}

// GetGroup returns one group; IsNotFound(err) when there is none.
func (c *Client) GetGroup(ctx context.Context, groupid string) (exmailapi.Group, error) {
	r := &request{app: exmailapi.AppContacts, method: http.MethodGet, path: "group/get", object: groupid,
		query: map[string]string{"groupid": groupid}}
	var resp groupWire
	if err := c.do(ctx, r, &resp); err != nil {
		return exmailapi.Group{}, err
	}
	return resp.group(), nil
}

// CreateGroup creates a group from API fields (groupid, groupname, userlist …).
func (c *Client) CreateGroup(ctx context.Context, fields map[string]any) error {
	groupid, _ := fields["groupid"].(string)
	r := &request{app: exmailapi.AppContacts, method: http.MethodPost, path: "group/create", write: true,
		object: groupid, body: fields}
	r.verify = func(ctx context.Context) (bool, error) { return exists(ctx, groupid, c.GetGroup) }
	return c.do(ctx, r, nil)
}

// UpdateGroup changes the given API fields of groupid.
func (c *Client) UpdateGroup(ctx context.Context, groupid string, fields map[string]any) error {
	body := map[string]any{"groupid": groupid}
	for k, v := range fields {
		body[k] = v
	}
	r := &request{app: exmailapi.AppContacts, method: http.MethodPost, path: "group/update", write: true,
		object: groupid, body: body}
	r.verify = func(ctx context.Context) (bool, error) { return resendUnlessGone(ctx, groupid, c.GetGroup) }
	return c.do(ctx, r, nil)
}

// DeleteGroup deletes groupid.
func (c *Client) DeleteGroup(ctx context.Context, groupid string) error {
	r := &request{app: exmailapi.AppContacts, method: http.MethodGet, path: "group/delete", write: true,
		object: groupid, query: map[string]string{"groupid": groupid}}
	r.verify = func(ctx context.Context) (bool, error) { return gone(ctx, groupid, c.GetGroup) }
	return c.do(ctx, r, nil)
}

// GetUserOptions returns the user options of the given types (exmailapi.Option*).
func (c *Client) GetUserOptions(ctx context.Context, userid string, types []int) (map[int]bool, error) {
	r := &request{app: exmailapi.AppOptions, method: http.MethodPost, path: "useroption/get", object: userid,
		body: map[string]any{"userid": userid, "type": types}}
	var resp struct {
		Option []struct {
			Type  flexInt `json:"type"`
			Value flexInt `json:"value"`
		} `json:"option"`
	}
	if err := c.do(ctx, r, &resp); err != nil {
		return nil, err
	}
	out := make(map[int]bool, len(resp.Option))
	for _, o := range resp.Option {
		out[int(o.Type)] = o.Value == 1
	}
	return out, nil
}

// UpdateUserOptions sets user options of userid.
func (c *Client) UpdateUserOptions(ctx context.Context, userid string, opts map[int]bool) error {
	list := make([]map[string]any, 0, len(opts))
	for _, t := range []int{exmailapi.OptionForceSecureLogin, exmailapi.OptionIMAPSMTP, exmailapi.OptionPOPSMTP} {
		if v, ok := opts[t]; ok {
			s := "0"
			if v {
				s = "1"
			}
			list = append(list, map[string]any{"type": t, "value": s})
		}
	}
	r := &request{app: exmailapi.AppOptions, method: http.MethodPost, path: "useroption/update", write: true,
		object: userid, body: map[string]any{"userid": userid, "option": list}}
	r.verify = func(ctx context.Context) (bool, error) { return resendUnlessGone(ctx, userid, c.GetUser) }
	return c.do(ctx, r, nil)
}

// exists is the verify of a create: done when the object is there.
func exists[T any](ctx context.Context, id string, get func(context.Context, string) (T, error)) (bool, error) {
	_, err := get(ctx, id)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// gone is the verify of a delete: done when the object is not there.
func gone[T any](ctx context.Context, id string, get func(context.Context, string) (T, error)) (bool, error) {
	_, err := get(ctx, id)
	if IsNotFound(err) {
		return true, nil
	}
	return false, err
}

// resendUnlessGone is the verify of an idempotent update: send it again while the
// object exists, fail with the not-found answer when it does not.
func resendUnlessGone[T any](ctx context.Context, id string, get func(context.Context, string) (T, error)) (bool, error) {
	_, err := get(ctx, id)
	return false, err
}
