package dnspodapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Signature returns the hex TC3-HMAC-SHA256 signature of a POST to "/" on host with
// body at unix time ts, following the four steps of the API documentation.
func Signature(secretKey, host string, ts int64, body []byte) string {
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	canonical := "POST\n/\n\n" +
		"content-type:" + ContentType + "\nhost:" + host + "\n\n" +
		"content-type;host\n" + sha256Hex(body)
	toSign := Algorithm + "\n" + strconv.FormatInt(ts, 10) + "\n" + Scope(ts) + "\n" + sha256Hex([]byte(canonical))
	kDate := hmacSHA256([]byte("TC3"+secretKey), date)
	kService := hmacSHA256(kDate, Service)
	kSigning := hmacSHA256(kService, "tc3_request")
	return hex.EncodeToString(hmacSHA256(kSigning, toSign))
}

// Scope is the credential scope of a request made at unix time ts.
func Scope(ts int64) string {
	return time.Unix(ts, 0).UTC().Format("2006-01-02") + "/" + Service + "/tc3_request"
}

// Authorization returns the Authorization header of a signed request.
func Authorization(secretID, secretKey, host string, ts int64, body []byte) string {
	return Algorithm + " Credential=" + secretID + "/" + Scope(ts) +
		", SignedHeaders=content-type;host, Signature=" + Signature(secretKey, host, ts, body)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
