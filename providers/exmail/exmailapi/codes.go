package exmailapi

// The errcodes the API answers with: the whole table of shared/exmail-api.md plus the
// WeCom family's codes the handler needs for malformed requests. A client treats any
// other code as an error too.
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
	CodeConcurrencyTooHigh   = 40093 // 请求并发过大: too many calls in flight
	CodeNoPermission         = 48002
	CodeNoAppPermission      = 602005 // Exmail's own "no API permission for this app"
	CodeDeptNameLength       = 60001  // WeCom family: department name length out of range
	CodeDeptNotFound         = 60003
	CodeParentDeptNotFound   = 60004
	CodeDeptHasMembers       = 60005
	CodeDeptHasChildren      = 60006
	CodeDeptIsRoot           = 60007
	CodeDeptExists           = 60008
	CodeDeptNameInvalidChars = 60009 // WeCom family: department name has invalid characters
	CodeUserIDExists         = 60102
	// CodeMobileExists is 60104: "mobile exists" in WeCom's table, "invalid position"
	// in one Exmail copy; both readings are reported.
	CodeMobileExists         = 60104
	CodeTooManyUserDepts     = 60105 // an Exmail copy's code for too many departments
	CodeTooManyDepartments   = 60110
	CodeUserIDNotFound       = 60111
	CodeInRecycleBin         = 60116
	CodeGroupNotFound        = 600008
	CodeGroupBadUserList     = 600010
	CodeGroupBadGroupList    = 600011
	CodeGroupBadDepartment   = 600012
	CodeGroupBadAllowType    = 600013
	CodeGroupBadAllowUsers   = 600014
	CodeGroupExists          = 600015
	CodeGroupMemberUserGone  = 600016
	CodeGroupMemberDeptGone  = 600017
	CodeGroupMemberGroupGone = 600018
	CodeGroupBadAllowList    = 600023
	CodeGroupAddressClash    = 600024
	CodeBatchCheckTooMany    = 600027
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
	CodeConcurrencyTooHigh:   "too many concurrent calls",
	CodeNoPermission:         "no API permission for this app",
	CodeNoAppPermission:      "no API permission for this app",
	CodeDeptNameLength:       "department name length out of range",
	CodeDeptNotFound:         "department not found",
	CodeParentDeptNotFound:   "parent department not found",
	CodeDeptHasMembers:       "department has members",
	CodeDeptHasChildren:      "department has children",
	CodeDeptIsRoot:           "department is root",
	CodeDeptExists:           "department exists",
	CodeDeptNameInvalidChars: "department name has invalid characters",
	CodeUserIDExists:         "userid exists",
	CodeMobileExists:         "mobile exists, or invalid position",
	CodeTooManyUserDepts:     "too many departments for one user",
	CodeTooManyDepartments:   "too many departments for one user",
	CodeUserIDNotFound:       "userid not found",
	CodeInRecycleBin:         "the address is in the recycle bin",
	CodeGroupNotFound:        "group not found",
	CodeGroupBadUserList:     "invalid userlist of a group",
	CodeGroupBadGroupList:    "invalid grouplist of a group",
	CodeGroupBadDepartment:   "invalid department list of a group",
	CodeGroupBadAllowType:    "invalid allow_type",
	CodeGroupBadAllowUsers:   "invalid allow_userlist",
	CodeGroupExists:          "group exists",
	CodeGroupMemberUserGone:  "a member user does not exist",
	CodeGroupMemberDeptGone:  "a member department does not exist",
	CodeGroupMemberGroupGone: "a member group does not exist",
	CodeGroupBadAllowList:    "invalid allow_userlist",
	CodeGroupAddressClash:    "the group address clashes with an account or alias",
	CodeBatchCheckTooMany:    "more than 20 addresses in one batchcheck",
}

// Codes returns every errcode of the table, for tests that walk it.
func Codes() []int {
	out := make([]int, 0, len(codeMessages))
	for c := range codeMessages {
		out = append(out, c)
	}
	return out
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
