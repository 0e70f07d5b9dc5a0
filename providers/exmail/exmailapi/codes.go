package exmailapi

// The errcodes the API answers with (shared/exmail-api.md). The handler answers only
// with these; a client treats any other code as an error too.
const (
	CodeBusy              = -1
	CodeOK                = 0
	CodeInvalidCredential = 40001
	CodeInvalidUserID     = 40003
	CodeInvalidToken      = 40014
	CodeTokenExpired      = 42001
	// CodeInvalidParameter is the WeCom family's "invalid parameter", answered for a
	// malformed request that no more specific code describes.
	CodeInvalidParameter     = 40058
	CodeFrequencyExceeded    = 45009
	CodeTooManyConcurrent    = 45033
	CodeNoPermission         = 48002
	CodeDeptNameLength       = 60001 // WeCom family: department name length out of range
	CodeDeptNotFound         = 60003
	CodeParentDeptNotFound   = 60004
	CodeDeptHasMembers       = 60005
	CodeDeptHasChildren      = 60006
	CodeDeptIsRoot           = 60007
	CodeDeptExists           = 60008
	CodeDeptNameInvalidChars = 60009 // WeCom family: department name has invalid characters
	CodeUserIDExists         = 60102
	CodeMobileExists         = 60104
	CodeTooManyDepartments   = 60110
	CodeUserIDNotFound       = 60111
)

var codeMessages = map[int]string{
	CodeBusy:                 "system busy",
	CodeOK:                   "ok",
	CodeInvalidCredential:    "invalid credential",
	CodeInvalidUserID:        "invalid userid",
	CodeInvalidToken:         "invalid access_token",
	CodeTokenExpired:         "access_token expired",
	CodeInvalidParameter:     "invalid parameter",
	CodeFrequencyExceeded:    "call frequency exceeded",
	CodeTooManyConcurrent:    "too many concurrent calls",
	CodeNoPermission:         "no API permission for this app",
	CodeDeptNameLength:       "department name length out of range",
	CodeDeptNotFound:         "department not found",
	CodeParentDeptNotFound:   "parent department not found",
	CodeDeptHasMembers:       "department has members",
	CodeDeptHasChildren:      "department has children",
	CodeDeptIsRoot:           "department is root",
	CodeDeptExists:           "department exists",
	CodeDeptNameInvalidChars: "department name has invalid characters",
	CodeUserIDExists:         "userid exists",
	CodeMobileExists:         "mobile exists",
	CodeTooManyDepartments:   "more than 20 departments",
	CodeUserIDNotFound:       "userid not found",
}

// CodeMessage returns the meaning of an errcode, or "" for a code the API page does
// not list.
func CodeMessage(code int) string { return codeMessages[code] }

// apiError is an errcode answer; the handler writes it as the response envelope.
type apiError struct {
	code int
	msg  string // detail appended to the code's meaning
}

func (e *apiError) Error() string {
	if e.msg == "" {
		return codeMessages[e.code]
	}
	return codeMessages[e.code] + ": " + e.msg
}

func fail(code int, msg string) error { return &apiError{code: code, msg: msg} }
