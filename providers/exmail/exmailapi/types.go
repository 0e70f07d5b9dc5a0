// Package exmailapi is the server side of the Tencent Exmail open API: an http.Handler
// that speaks the wire protocol of shared/exmail-api.md over a Tenant that stores the
// objects. The handler owns every rule (limits, error codes, auth), so the in-memory
// tenant of the tests and the sandbox's durable tenant behave the same.
package exmailapi

// RootDepartment is the id of the company's root department, which always exists.
const RootDepartment int64 = 1

// FirstDepartmentID is the first id MemTenant hands out. Real department ids are
// 64-bit integers far above 2^53 (this one was seen on a live tenant) and neighbours
// differ by little, so a client that reads them through float64 merges neighbours;
// the fakes must show that. The sandbox store (tenant.FirstDepartmentID) uses the
// same sequence.
const FirstDepartmentID int64 = 4913577855806636138

// DepartmentIDAfter returns the id handed out after prev: FirstDepartmentID first,
// then steps of 1 to 98 (never 1,000 or more), so that both neighbours one apart and
// uneven gaps occur.
func DepartmentIDAfter(prev int64) int64 {
	switch {
	case prev < FirstDepartmentID:
		return FirstDepartmentID
	case prev%2 == 0:
		return prev + 1
	}
	return prev + 2 + prev%97
}

// Department is one department as the API describes it.
type Department struct {
	ID       int64
	Name     string
	ParentID int64
	Order    int64
}

// User is one mail account as the API describes it.
type User struct {
	UserID     string // the address, the account's identity
	Name       string
	Department []int64
	Position   string
	Mobile     string
	Tel        string
	ExtID      string
	Gender     int // 0 unset, 1 male, 2 female
	Enable     int // 1 active, 0 frozen; EnableUnknown in a client's read that lacked it
	Slaves     []string
	CpwdLogin  int // 1 forces a password change at next login
	Password   string
}

// EnableUnknown is the Enable of a user read from an answer without enable: the field
// table of user/list leaves it out, so a client must not take it for "active".
const EnableUnknown = -1

// Group is one mail group as the API describes it.
type Group struct {
	GroupID       string // the group's address
	GroupName     string
	UserList      []string
	GroupList     []string
	Department    []int64
	AllowType     int // 0 organisation, 1 anyone, 2 members, 3 AllowUserList
	AllowUserList []string
	// TagList holds the tag-based members of a group upgraded in the new console:
	// group/get answers them (with Options.Quirks) as taglist, [{"tagid":N}], but
	// the API cannot set them; they count as membership and survive group/update.
	TagList []int64
}

// The user option types of useroption/get and useroption/update.
const (
	OptionForceSecureLogin = 1
	OptionIMAPSMTP         = 2
	OptionPOPSMTP          = 3
	OptionSecureLogin      = 4 // read-only
)

// The apps whose secrets give tokens; each endpoint belongs to one.
const (
	AppContacts = "contacts"
	AppOptions  = "options"
	AppLog      = "log"
)
