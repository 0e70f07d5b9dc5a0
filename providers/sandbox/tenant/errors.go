package tenant

import (
	"errors"
	"fmt"

	"github.com/mailform/mailform/providers"
)

// The kinds of refusal an Error wraps; test them with errors.Is.
var (
	// ErrNotFound is providers.ErrNotFound, so provider callers see the same sentinel.
	ErrNotFound = providers.ErrNotFound
	// ErrExists means the id or address is already taken.
	ErrExists = errors.New("already exists")
	// ErrInvalid means the object breaks a rule of the tenant (limits, names, references).
	ErrInvalid = errors.New("invalid")
	// ErrInUse means the object cannot go while others still refer to it.
	ErrInUse = errors.New("in use")
)

// Exmail error codes the store's refusals correspond to, so an Exmail-compatible
// front end can answer with the code the real service would.
const (
	CodeDepartmentNotFound   = 60003
	CodeParentNotFound       = 60004
	CodeDepartmentHasMembers = 60005
	CodeDepartmentHasChild   = 60006
	CodeDepartmentIsRoot     = 60007
	CodeDepartmentExists     = 60008
	CodeUserExists           = 60102
	CodeMobileExists         = 60104
	CodeTooManyDepartments   = 60110
	CodeUserNotFound         = 60111
	CodeInvalidUserID        = 40003
)

// Error is a refusal by the tenant. Code is the Exmail errcode of the condition, or 0
// when Exmail has none (DNS, rules).
type Error struct {
	Code int
	Msg  string
	kind error
}

// Error returns the message, which names the object and says what to do.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind of refusal (ErrNotFound, ErrExists, ErrInvalid, ErrInUse).
func (e *Error) Unwrap() error { return e.kind }

func refuse(kind error, code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), kind: kind}
}

// ErrChanged is providers.ErrChangedSincePlan: UpdateIf and DeleteIf found the object
// different from what the caller last saw.
var ErrChanged = providers.ErrChangedSincePlan
