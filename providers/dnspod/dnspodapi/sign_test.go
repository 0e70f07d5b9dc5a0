package dnspodapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestSignatureMatchesTheDocumentedSteps computes a signature by hand, step by step
// as shared/dnspod-api.md describes it, and compares it with Signature and
// Authorization.
func TestSignatureMatchesTheDocumentedSteps(t *testing.T) {
	const (
		id   = "AKIDexample0000000000000000000000000"
		key  = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
		host = "dnspod.tencentcloudapi.com"
		ts   = int64(1551113065) // 2019-02-25 16:44:25 UTC
	)
	body := []byte(`{"Domain":"example.com","Limit":3000}`)

	h := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	mac := func(k []byte, m string) []byte { x := hmac.New(sha256.New, k); x.Write([]byte(m)); return x.Sum(nil) }
	canonical := "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:" + host + "\n\ncontent-type;host\n" + h(body)
	toSign := "TC3-HMAC-SHA256\n1551113065\n2019-02-25/dnspod/tc3_request\n" + h([]byte(canonical))
	kDate := mac([]byte("TC3"+key), "2019-02-25")
	kService := mac(kDate, "dnspod")
	kSigning := mac(kService, "tc3_request")
	want := hex.EncodeToString(mac(kSigning, toSign))

	if got := Signature(key, host, ts, body); got != want {
		t.Fatalf("Signature = %s, want %s", got, want)
	}
	wantAuth := "TC3-HMAC-SHA256 Credential=" + id + "/2019-02-25/dnspod/tc3_request, SignedHeaders=content-type;host, Signature=" + want
	if got := Authorization(id, key, host, ts, body); got != wantAuth {
		t.Fatalf("Authorization =\n%s\nwant\n%s", got, wantAuth)
	}
	// The signature covers the body, the host, the key and the day.
	for name, other := range map[string]string{
		"body": Signature(key, host, ts, []byte(`{"Domain":"example.org","Limit":3000}`)),
		"host": Signature(key, "127.0.0.1:8080", ts, body),
		"key":  Signature(key+"x", host, ts, body),
		"day":  Signature(key, host, ts+86400, body),
	} {
		if other == want {
			t.Errorf("changing the %s does not change the signature", name)
		}
	}
}
