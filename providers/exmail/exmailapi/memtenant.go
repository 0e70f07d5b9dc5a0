package exmailapi

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// MemTenant is a Tenant held in memory, for tests and benchmarks.
type MemTenant struct {
	mu      sync.Mutex
	lastID  int64 // the department id handed out last
	depts   map[int64]Department
	users   map[string]User // by lower-cased userid
	groups  map[string]Group
	options map[string]map[int]string
}

// NewMemTenant returns an empty tenant holding only the root department.
func NewMemTenant() *MemTenant {
	return &MemTenant{
		lastID:  RootDepartment,
		depts:   map[int64]Department{RootDepartment: {ID: RootDepartment, Name: "Company"}},
		users:   map[string]User{},
		groups:  map[string]Group{},
		options: map[string]map[int]string{},
	}
}

func key(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

// Departments returns every department sorted by id.
func (m *MemTenant) Departments() ([]Department, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Department, 0, len(m.depts))
	for _, d := range m.depts {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// CreateDepartment stores d under the next id of DepartmentIDAfter.
func (m *MemTenant) CreateDepartment(d Department) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastID = DepartmentIDAfter(m.lastID)
	d.ID = m.lastID
	m.depts[d.ID] = d
	return d.ID, nil
}

// UpdateDepartment replaces the department with d.ID.
func (m *MemTenant) UpdateDepartment(d Department) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.depts[d.ID]; !ok {
		return fmt.Errorf("department %d not stored", d.ID)
	}
	m.depts[d.ID] = d
	return nil
}

// DeleteDepartment removes the department with id.
func (m *MemTenant) DeleteDepartment(id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.depts, id)
	return nil
}

// Users returns every user sorted by userid.
func (m *MemTenant) Users() ([]User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]User, 0, len(m.users))
	for _, u := range m.users {
		out = append(out, cloneUser(u))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserID < out[j].UserID })
	return out, nil
}

// User returns the user with userid.
func (m *MemTenant) User(userid string) (User, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[key(userid)]
	return cloneUser(u), ok, nil
}

// CreateUser stores u.
func (m *MemTenant) CreateUser(u User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[key(u.UserID)] = cloneUser(u)
	return nil
}

// UpdateUser replaces the user with u.UserID.
func (m *MemTenant) UpdateUser(u User) error { return m.CreateUser(u) }

// DeleteUser removes the user with userid and its options.
func (m *MemTenant) DeleteUser(userid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, key(userid))
	delete(m.options, key(userid))
	return nil
}

// Group returns the group with groupid.
func (m *MemTenant) Group(groupid string) (Group, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.groups[key(groupid)]
	return cloneGroup(g), ok, nil
}

// Groups returns every group sorted by groupid.
func (m *MemTenant) Groups() ([]Group, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Group, 0, len(m.groups))
	for _, g := range m.groups {
		out = append(out, cloneGroup(g))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GroupID < out[j].GroupID })
	return out, nil
}

// CreateGroup stores g.
func (m *MemTenant) CreateGroup(g Group) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.groups[key(g.GroupID)] = cloneGroup(g)
	return nil
}

// UpdateGroup replaces the group with g.GroupID.
func (m *MemTenant) UpdateGroup(g Group) error { return m.CreateGroup(g) }

// DeleteGroup removes the group with groupid.
func (m *MemTenant) DeleteGroup(groupid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.groups, key(groupid))
	return nil
}

// UserOptions returns the options set for userid.
func (m *MemTenant) UserOptions(userid string) (map[int]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int]string{}
	for k, v := range m.options[key(userid)] {
		out[k] = v
	}
	return out, nil
}

// SetUserOptions stores opts for userid, keeping the other types.
func (m *MemTenant) SetUserOptions(userid string, opts map[int]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.options[key(userid)]
	if cur == nil {
		cur = map[int]string{}
		m.options[key(userid)] = cur
	}
	for k, v := range opts {
		cur[k] = v
	}
	return nil
}

func cloneUser(u User) User {
	u.Department = append([]int64(nil), u.Department...)
	u.Slaves = append([]string(nil), u.Slaves...)
	return u
}

func cloneGroup(g Group) Group {
	g.UserList = append([]string(nil), g.UserList...)
	g.GroupList = append([]string(nil), g.GroupList...)
	g.Department = append([]int64(nil), g.Department...)
	g.AllowUserList = append([]string(nil), g.AllowUserList...)
	g.TagList = append([]int64(nil), g.TagList...)
	return g
}

// SetGroupTags gives the group groupid the tag-based members tags, as an
// administrator does in the new console (the API cannot); false when there is no
// such group.
func (m *MemTenant) SetGroupTags(groupid string, tags []int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.groups[key(groupid)]
	if ok {
		g.TagList = append([]int64(nil), tags...)
		m.groups[key(groupid)] = g
	}
	return ok
}
