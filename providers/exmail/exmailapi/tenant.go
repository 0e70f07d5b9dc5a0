package exmailapi

// Tenant stores one company's objects. It is plain storage: the handler checks every
// rule before it calls a write, and serialises calls, so an implementation needs no
// validation of its own. Returned values are copies the caller may keep.
type Tenant interface {
	// Departments returns every department, the root (id 1) included.
	Departments() ([]Department, error)
	// CreateDepartment stores a new department and returns the id it assigned.
	CreateDepartment(d Department) (int64, error)
	// UpdateDepartment replaces the department with d.ID.
	UpdateDepartment(d Department) error
	// DeleteDepartment removes the department with id.
	DeleteDepartment(id int64) error

	// Users returns every user.
	Users() ([]User, error)
	// User returns the user with userid (compared case-insensitively) and whether it exists.
	User(userid string) (User, bool, error)
	// CreateUser stores a new user.
	CreateUser(u User) error
	// UpdateUser replaces the user with u.UserID.
	UpdateUser(u User) error
	// DeleteUser removes the user with userid and its options.
	DeleteUser(userid string) error

	// Group returns the group with groupid (compared case-insensitively) and whether it exists.
	Group(groupid string) (Group, bool, error)
	// Groups returns every group; the API cannot list them, the handler needs them for
	// address uniqueness and batchcheck.
	Groups() ([]Group, error)
	// CreateGroup stores a new group.
	CreateGroup(g Group) error
	// UpdateGroup replaces the group with g.GroupID.
	UpdateGroup(g Group) error
	// DeleteGroup removes the group with groupid.
	DeleteGroup(groupid string) error

	// UserOptions returns the options set for userid by type; types never set are absent.
	UserOptions(userid string) (map[int]string, error)
	// SetUserOptions stores the given option values for userid, keeping the others.
	SetUserOptions(userid string, opts map[int]string) error
}
