package exmailapi

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// checkDeptName applies the API's department name rule: 1–64 bytes, none of \:*?"<>|.
func checkDeptName(name string) error {
	if len(name) < 1 || len(name) > 64 || !utf8.ValidString(name) {
		return fail(CodeDeptNameLength, "name must be 1–64 bytes")
	}
	if strings.ContainsAny(name, `\:*?"<>|`) {
		return fail(CodeDeptNameInvalidChars, `name must not contain any of \ : * ? " < > |`)
	}
	return nil
}

func findDept(ds []Department, id int64) (Department, bool) {
	for _, d := range ds {
		if d.ID == id {
			return d, true
		}
	}
	return Department{}, false
}

// siblingNamed reports whether another department under parent is called name.
func siblingNamed(ds []Department, parent, self int64, name string) bool {
	for _, d := range ds {
		if d.ParentID == parent && d.ID != self && strings.EqualFold(d.Name, name) {
			return true
		}
	}
	return false
}

// subtree returns id and every department below it.
func subtree(ds []Department, id int64) map[int64]bool {
	in := map[int64]bool{id: true}
	for changed := true; changed; {
		changed = false
		for _, d := range ds {
			if !in[d.ID] && in[d.ParentID] && d.ID != RootDepartment {
				in[d.ID] = true
				changed = true
			}
		}
	}
	return in
}

func deptJSON(d Department) map[string]any {
	return map[string]any{"id": d.ID, "name": d.Name, "parentid": d.ParentID, "order": d.Order}
}

func (h *handler) departmentCreate(c *call) (map[string]any, error) {
	var req struct {
		Name     string   `json:"name"`
		ParentID looseInt `json:"parentid"`
		Order    looseInt `json:"order"`
	}
	if err := decodeBody(c, &req); err != nil {
		return nil, err
	}
	if err := checkDeptName(req.Name); err != nil {
		return nil, err
	}
	ds, err := h.t.Departments()
	if err != nil {
		return nil, err
	}
	parent := int64(req.ParentID)
	if parent == 0 {
		parent = RootDepartment
	}
	if _, ok := findDept(ds, parent); !ok {
		return nil, fail(CodeParentDeptNotFound, "parentid "+itoa(parent))
	}
	if siblingNamed(ds, parent, 0, req.Name) {
		return nil, fail(CodeDeptExists, req.Name)
	}
	id, err := h.t.CreateDepartment(Department{Name: req.Name, ParentID: parent, Order: h.storedOrder(int64(req.Order))})
	if err != nil {
		return nil, err
	}
	resp := done("created")
	resp["id"] = id
	return resp, nil
}

func (h *handler) departmentUpdate(c *call) (map[string]any, error) {
	var req map[string]json.RawMessage
	if err := decodeBody(c, &req); err != nil {
		return nil, err
	}
	id, err := DecodeLooseInt(req["id"])
	if err != nil || id == 0 {
		return nil, fail(CodeInvalidParameter, "id is required, a number or a numeric string")
	}
	ds, err := h.t.Departments()
	if err != nil {
		return nil, err
	}
	d, ok := findDept(ds, id)
	if !ok {
		return nil, fail(CodeDeptNotFound, "id "+itoa(id))
	}
	if raw, ok := req["name"]; ok {
		if err := json.Unmarshal(raw, &d.Name); err != nil {
			return nil, fail(CodeInvalidParameter, "name must be a string")
		}
		if err := checkDeptName(d.Name); err != nil {
			return nil, err
		}
	}
	if raw, ok := req["parentid"]; ok {
		if d.ParentID, err = DecodeLooseInt(raw); err != nil {
			return nil, fail(CodeInvalidParameter, "parentid must be a number")
		}
		if id == RootDepartment {
			return nil, fail(CodeDeptIsRoot, "the root department has no parent")
		}
		if _, ok := findDept(ds, d.ParentID); !ok || subtree(ds, id)[d.ParentID] {
			return nil, fail(CodeParentDeptNotFound, "parentid "+itoa(d.ParentID))
		}
	}
	if raw, ok := req["order"]; ok {
		if d.Order, err = DecodeLooseInt(raw); err != nil {
			return nil, fail(CodeInvalidParameter, "order must be a number")
		}
		d.Order = h.storedOrder(d.Order)
	}
	if id != RootDepartment && siblingNamed(ds, d.ParentID, id, d.Name) {
		return nil, fail(CodeDeptExists, d.Name)
	}
	if err := h.t.UpdateDepartment(d); err != nil {
		return nil, err
	}
	return done("updated"), nil
}

func (h *handler) departmentDelete(c *call) (map[string]any, error) {
	id, err := strconv.ParseInt(c.query.Get("id"), 10, 64)
	if err != nil {
		return nil, fail(CodeInvalidParameter, "id must be a number")
	}
	if id == RootDepartment {
		return nil, fail(CodeDeptIsRoot, "")
	}
	ds, err := h.t.Departments()
	if err != nil {
		return nil, err
	}
	if _, ok := findDept(ds, id); !ok {
		return nil, fail(CodeDeptNotFound, "id "+itoa(id))
	}
	for _, d := range ds {
		if d.ParentID == id && d.ID != RootDepartment {
			return nil, fail(CodeDeptHasChildren, "")
		}
	}
	users, err := h.t.Users()
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		for _, ud := range u.Department {
			if ud == id {
				return nil, fail(CodeDeptHasMembers, "")
			}
		}
	}
	if err := h.t.DeleteDepartment(id); err != nil {
		return nil, err
	}
	return done("deleted"), nil
}

func (h *handler) departmentList(c *call) (map[string]any, error) {
	ds, err := h.t.Departments()
	if err != nil {
		return nil, err
	}
	in := map[int64]bool(nil)
	if s := c.query.Get("id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fail(CodeInvalidParameter, "id must be a number")
		}
		if _, ok := findDept(ds, id); !ok {
			return nil, fail(CodeDeptNotFound, "id "+s)
		}
		in = subtree(ds, id)
	}
	list := []any{}
	for _, d := range ds {
		if in == nil || in[d.ID] {
			list = append(list, deptJSON(d))
		}
	}
	return map[string]any{"department": list}, nil
}

func (h *handler) departmentSearch(c *call) (map[string]any, error) {
	var req struct {
		Name  string `json:"name"`
		Fuzzy int    `json:"fuzzy"`
	}
	if err := decodeBody(c, &req); err != nil {
		return nil, err
	}
	if req.Name == "" {
		return nil, fail(CodeInvalidParameter, "name is required")
	}
	ds, err := h.t.Departments()
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, d := range ds {
		match := d.Name == req.Name
		if req.Fuzzy == 1 {
			match = strings.Contains(strings.ToLower(d.Name), strings.ToLower(req.Name))
		}
		if match {
			j := deptJSON(d)
			j["path"] = deptPath(ds, d)
			list = append(list, j)
		}
	}
	return map[string]any{"department": list}, nil
}

// deptPath is the names from the root down to d, joined by "/".
func deptPath(ds []Department, d Department) string {
	parts := []string{d.Name}
	for seen := 0; d.ID != RootDepartment && seen < len(ds); seen++ {
		p, ok := findDept(ds, d.ParentID)
		if !ok {
			break
		}
		parts = append([]string{p.Name}, parts...)
		d = p
	}
	return strings.Join(parts, "/")
}
