package exmail

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailform/mailform/providers"

	"github.com/mailform/mailform/providers/exmail/exmailapi"

	"github.com/mailform/mailform/providers/retry"
)

// APIError is a non-zero errcode answered by the API.
type APIError struct {
	Endpoint string // "user/create"
	Object   string // what the call was about: an address, a department
	Code     int
	Msg      string // errmsg as the API sent it
}

// hints say what to do about the codes a user can act on.
var hints = map[int]string{
	exmailapi.CodeInvalidCredential:  "check corp_id and the app secret (contacts_secret, options_secret or EXMAIL_* variables)",
	exmailapi.CodeNoPermission:       "give this app the permission in the Exmail admin console, or configure the right app's secret",
	exmailapi.CodeUserIDExists:       "the address is taken by an account, alias or group; import it or choose another address",
	exmailapi.CodeMobileExists:       "another account has this mobile number",
	exmailapi.CodeDeptHasMembers:     "move or delete its accounts first",
	exmailapi.CodeDeptHasChildren:    "delete its sub-departments first",
	exmailapi.CodeTooManyDepartments: "an account can belong to at most 20 departments",
}

// Error names the endpoint, the object, the errcode with its meaning and what to do.
func (e *APIError) Error() string {
	meaning := exmailapi.CodeMessage(e.Code)
	if meaning == "" {
		meaning = "unknown errcode: " + e.Msg
	}
	s := fmt.Sprintf("exmail %s", e.Endpoint)
	if e.Object != "" {
		s += " " + e.Object
	}
	s += fmt.Sprintf(": errcode %d (%s)", e.Code, meaning)
	if h := hints[e.Code]; h != "" {
		s += "; " + h
	}
	return s
}

// Is makes a not-found answer match providers.ErrNotFound.
func (e *APIError) Is(target error) bool {
	return target == providers.ErrNotFound && e.notFound()
}

// notFound reports whether the answer says the object of the call does not exist;
// a user/update naming a missing department is not a missing user.
func (e *APIError) notFound() bool {
	switch {
	case strings.HasPrefix(e.Endpoint, "department/"):
		return e.Code == exmailapi.CodeDeptNotFound
	case e.Endpoint == "group/get" || e.Endpoint == "group/delete":
		// 600008 is the documented answer; 60111 is accepted too, since groups share
		// the address space of users and a call naming only the group cannot mean
		// a missing member.
		return e.Code == exmailapi.CodeGroupNotFound || e.Code == exmailapi.CodeUserIDNotFound
	case strings.HasPrefix(e.Endpoint, "group/"):
		return e.Code == exmailapi.CodeGroupNotFound
	}
	return e.Code == exmailapi.CodeUserIDNotFound
}

// IsNotFound reports whether err is an answer that the object does not exist.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.notFound()
}

// transientError is a failure after which the same call may succeed: a throttle,
// "system busy", a 5xx, a dropped connection or a timeout. For a write, the
// outcome is unknown unless notDone says the server refused before acting.
type transientError struct {
	Endpoint string
	Object   string
	Cause    string // already free of secrets
	Code     int    // errcode, or 0 for a transport failure
	notDone  bool
}

func (e *transientError) Error() string {
	s := "exmail " + e.Endpoint
	if e.Object != "" {
		s += " " + e.Object
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s: errcode %d (%s)", s, e.Code, exmailapi.CodeMessage(e.Code))
	}
	return s + ": " + e.Cause
}

// RetryOutcome tells retry.Do what the failure means: a call refused before it acted
// is sent again; one that may have acted is verified first.
func (e *transientError) RetryOutcome() retry.Outcome {
	if e.notDone {
		return retry.NotDone
	}
	return retry.Unknown
}
