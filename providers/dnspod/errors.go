package dnspod

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailform/mailform/providers/dnspod/dnspodapi"

	"github.com/mailform/mailform/providers/retry"
)

// APIError is an error answered by the API.
type APIError struct {
	Action    string // "CreateRecord"
	Object    string // what the call was about, e.g. "www.example.com A"
	Code      string // "InvalidParameter.RecordValueInvalid"
	Message   string // as the API sent it
	RequestID string
	hint      string
}

// Error names the action, the object, the code and what to do.
func (e *APIError) Error() string {
	s := "dnspod " + e.Action
	if e.Object != "" {
		s += " " + e.Object
	}
	s += ": " + e.Code
	if e.Message != "" {
		s += " (" + e.Message + ")"
	}
	if e.hint != "" {
		s += "; " + e.hint
	}
	return s
}

// hints say what to do about the codes a user can act on; "%s" is the secret_id.
var hints = map[string]string{
	dnspodapi.CodeSignatureFailure:  "the API refused the signature of secret_id %s: check secret_id and secret_key (or TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY)",
	dnspodapi.CodeSecretIDNotFound:  "the API does not know secret_id %s: check secret_id (or TENCENTCLOUD_SECRET_ID) and that the key is enabled",
	dnspodapi.CodeSignatureExpire:   "the request of secret_id %s was signed with a clock more than 5 minutes from the API's: set this machine's clock",
	dnspodapi.CodeDomainRecordExist: "a record with this name, type and value exists already; run plan again to see it (new records can take about 30 s to be listed)",
	dnspodapi.CodeRecordTTLLimit:    "the TTL is outside what the domain's DNSPod plan allows (600 s minimum on the free plan); change ttl",
	dnspodapi.CodeRecordLineInvalid: "the record line is not available to this account; check site (\"china\" or \"intl\") and the endpoint",
	dnspodapi.CodeMXInvalid:         "the MX priority is outside what DNSPod accepts; check the records of the dns_record",
	dnspodapi.CodeRecordValueBad:    "check the records of the dns_record",
	dnspodapi.CodeSubdomainInvalid:  "check the name of the dns_record",
	dnspodapi.CodeDomainNotExists:   "add the zone to the DNSPod account of secret_id %s, or check the zone of the dns_record",
}

// isAuthCode reports whether code says the credentials were refused.
func isAuthCode(code string) bool { return strings.HasPrefix(code, "AuthFailure") }

func (c *Client) apiError(r *request, e *dnspodapi.Error, reqID string) *APIError {
	h := hints[e.Code]
	if h == "" && isAuthCode(e.Code) {
		h = hints[dnspodapi.CodeSignatureFailure]
	}
	if strings.Contains(h, "%s") {
		h = fmt.Sprintf(h, quote(c.cfg.SecretID))
	}
	return &APIError{Action: r.action, Object: r.object, Code: e.Code, Message: e.Message, RequestID: reqID, hint: h}
}

// HasCode reports whether err is an API answer with code.
func HasCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// transientError is a failure after which the same call may succeed: throttling, an
// internal error, a 5xx, a dropped connection or a timeout. For a write the outcome
// is unknown unless notDone says the API refused before acting.
type transientError struct {
	Action  string
	Object  string
	Cause   string // free of secrets
	notDone bool
	// transport marks a failure to get any answer (refused, timeout, HTTP 5xx).
	transport bool
}

func (e *transientError) Error() string {
	s := "dnspod " + e.Action
	if e.Object != "" {
		s += " " + e.Object
	}
	return s + ": " + e.Cause
}

// Hint says what to do once retrying has not helped; retry.GaveUp appends it.
func (e *transientError) Hint() string {
	if e.transport {
		return "check the endpoint and the network, then run again"
	}
	return "DNSPod kept refusing or failing for the whole retry budget; lower rate_limit or run again later"
}

// RetryOutcome tells retry.Do what the failure means: a call refused before it acted
// is sent again; one that may have acted is verified first.
func (e *transientError) RetryOutcome() retry.Outcome {
	switch {
	case e.notDone && !e.transport:
		// An error code answered by the API: it is up and refused before acting.
		return retry.Throttled
	case e.notDone:
		return retry.NotDone
	}
	return retry.Unknown
}

// transientCode classifies an error code: throttled (refused before acting:
// RequestLimitExceeded for the API, FailedOperation.FrequencyLimit "操作过于频繁" for
// an account's writes), unknown (InternalError, FailedOperation.UnknowError "操作未响应":
// a write may or may not have taken effect), or neither.
func transientCode(code string) (transient, notDone bool) {
	switch {
	case code == dnspodapi.CodeRequestLimit || strings.HasPrefix(code, dnspodapi.CodeRequestLimit+"."),
		code == dnspodapi.CodeFrequencyLimit:
		return true, true
	case code == dnspodapi.CodeInternalError || strings.HasPrefix(code, dnspodapi.CodeInternalError+"."),
		code == dnspodapi.CodeUnknownError:
		return true, false
	}
	return false, false
}
