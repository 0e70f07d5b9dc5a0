package exmail

import (
	"errors"
	"fmt"
	"strconv"
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

// hints say what to do about each errcode of the table in shared/exmail-api.md.
// Codes the client retries by itself (-1, 45009, 45033, 40093, token codes) reach a
// user only after the retry budget ran out; their hint says so.
var hints = map[int]string{
	exmailapi.CodeBusy:                 "Exmail was busy for the whole retry budget; run again later",
	exmailapi.CodeInvalidCredential:    "check corp_id and the app secret (contacts_secret, options_secret or EXMAIL_* variables)",
	exmailapi.CodeInvalidToken:         "the token was refused even after fetching new ones; check that corp_id and the secret belong to the same company",
	exmailapi.CodeTokenExpired:         "the token kept expiring; check this machine's clock, then run again",
	exmailapi.CodeInvalidUserID:        "the address is not a valid mailbox address of a domain of this company; check its spelling and that the domain is added in the Exmail console",
	exmailapi.CodeInvalidParameter:     "the request was refused as malformed; run with MAILFORM_LOG=debug and report it as a mailform bug",
	exmailapi.CodeFrequencyExceeded:    "Exmail kept throttling for the whole retry budget; lower rate_limit in the provider block or run again later",
	exmailapi.CodeTooManyConcurrent:    "Exmail kept refusing concurrent calls; another tool may be using the API at the same time, run again later",
	exmailapi.CodeConcurrencyTooHigh:   "Exmail kept refusing concurrent calls; another tool may be using the API at the same time, run again later",
	exmailapi.CodeNoPermission:         "give this app the permission in the Exmail admin console, or configure the right app's secret",
	exmailapi.CodeNoAppPermission:      "give this app the permission in the Exmail admin console, or configure the right app's secret",
	exmailapi.CodeDeptNameLength:       "a department name is 1–64 bytes",
	exmailapi.CodeDeptNotFound:         "the department was deleted outside mailform; run plan again to see it",
	exmailapi.CodeParentDeptNotFound:   "the parent department does not exist (deleted outside mailform?); run plan again",
	exmailapi.CodeDeptHasMembers:       "move or delete its accounts first",
	exmailapi.CodeDeptHasChildren:      "delete its sub-departments first",
	exmailapi.CodeDeptIsRoot:           "the root department (id 1) is the company itself and cannot be changed or deleted",
	exmailapi.CodeDeptExists:           "a department with this name already exists under the same parent; import it (mailform import) or rename one",
	exmailapi.CodeDeptNameInvalidChars: `a department name cannot contain any of \ : * ? " < > |`,
	exmailapi.CodeUserIDExists:         "the address is taken by an account, alias or group; import it or choose another address",
	exmailapi.CodeMobileExists:         "another account has this mobile number (Exmail's own table reads the code as an invalid position: check both)",
	exmailapi.CodeTooManyUserDepts:     "an account can belong to at most 20 departments",
	exmailapi.CodeTooManyDepartments:   "an account can belong to at most 20 departments",
	exmailapi.CodeUserIDNotFound:       "the account was deleted outside mailform; run plan again to see it",
	exmailapi.CodeInRecycleBin:         "an account with this address was deleted recently and is still in the recycle bin; restore it or empty it in the Exmail console (or wait until it is purged), then apply again",
	exmailapi.CodeGroupNotFound:        "the group was deleted outside mailform; run plan again to see it",
	exmailapi.CodeGroupBadUserList:     "a member address is not an account of this company; create it first or remove it from members",
	exmailapi.CodeGroupBadGroupList:    "a member group does not exist or cannot be nested here; create it first or remove it from member_groups",
	exmailapi.CodeGroupBadDepartment:   "a member department does not exist; create it first or remove it from member_departments",
	exmailapi.CodeGroupBadAllowType:    `senders must be one of "organization", "anyone", "members" or "list"`,
	exmailapi.CodeGroupBadAllowUsers:   "allowed_senders must hold valid addresses, and only with senders = \"list\"",
	exmailapi.CodeGroupBadAllowList:    "allowed_senders must hold valid addresses, and only with senders = \"list\"",
	exmailapi.CodeGroupExists:          "a group with this address already exists; import it (mailform import) or choose another address",
	exmailapi.CodeGroupMemberUserGone:  "a member account does not exist; create it first or remove it from members",
	exmailapi.CodeGroupMemberDeptGone:  "a member department does not exist; create it first or remove it from member_departments",
	exmailapi.CodeGroupMemberGroupGone: "a member group does not exist; create it first or remove it from member_groups",
	exmailapi.CodeGroupAddressClash:    "the group address is already an account or an alias; choose another address or remove the alias first",
	exmailapi.CodeBatchCheckTooMany:    "user/batchcheck takes at most 20 addresses; this is a mailform bug, please report it",
}

// Error names the endpoint, the object, the errcode with its meaning and what to do.
func (e *APIError) Error() string {
	meaning := exmailapi.CodeMessage(e.Code)
	switch msg := strings.TrimSpace(e.Msg); {
	case meaning == "":
		meaning = "unknown errcode: " + msg
	case msg != "" && !strings.HasPrefix(strings.ToLower(msg), strings.ToLower(meaning)):
		// The service's own words may say more (when a recycled address frees up).
		meaning += "; the service says " + strconv.Quote(msg)
	case len(msg) > len(meaning):
		meaning = msg
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

// Hint says what to do once retrying has not helped; retry.GaveUp appends it.
func (e *transientError) Hint() string {
	if e.Code != 0 {
		return hints[e.Code]
	}
	return "check the endpoint and the network, then run again"
}

// RetryOutcome tells retry.Do what the failure means: a call refused before it acted
// is sent again; one that may have acted is verified first.
func (e *transientError) RetryOutcome() retry.Outcome {
	switch {
	case e.notDone && e.Code != 0:
		// An errcode answer: the API is up and refused before acting.
		return retry.Throttled
	case e.notDone:
		return retry.NotDone
	}
	return retry.Unknown
}
