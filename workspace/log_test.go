package workspace

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// Each line a provider logs becomes one record with time and level, secrets redacted.
func TestLogWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewLogWriter(&b, slog.LevelDebug)
	w.Write([]byte("GET /cgi-bin/gettoken?corpid=wwcorp&corpsecret=s3cr3t-value\nPOST user/create {\"userid\":\"a@example.com\",\"password\":\"Hunter2-pass\"}\n"))
	w.Write([]byte("Authorization: TC3-HMAC-SHA256 Credential=AKID/x, Signature=abcdef0123"))
	w.Write([]byte("\n"))
	out := b.String()
	if n := strings.Count(out, "\n"); n != 3 {
		t.Fatalf("want 3 records, got %d:\n%s", n, out)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "time=") || !strings.Contains(l, "level=DEBUG") {
			t.Errorf("record without time and level: %s", l)
		}
	}
	for _, secret := range []string{"s3cr3t-value", "Hunter2-pass", "abcdef0123"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q is not redacted:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "corpid=wwcorp") || !strings.Contains(out, "REDACTED") {
		t.Errorf("the line lost what is not secret:\n%s", out)
	}
}

func TestLogLevel(t *testing.T) {
	for v, want := range map[string]bool{"debug": true, "DEBUG": true, "info": true, "": false, "off": false} {
		if _, ok := logLevel(v); ok != want {
			t.Errorf("logLevel(%q) on = %v, want %v", v, ok, want)
		}
	}
}
