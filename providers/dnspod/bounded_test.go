package dnspod

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/unreachable"
)

// An unreachable, failing or hanging endpoint fails a read within the retry budget,
// with one cause that names the endpoint, and without the secret.
func TestDeadEndpointFailsWithinBudget(t *testing.T) {
	refused := unreachable.Refused(t, "/")
	for _, tc := range []struct{ name, url, cause string }{
		{"refused", refused, "cannot reach " + refused},
		{"http 500", unreachable.Failing(t, http.StatusInternalServerError, "/"), "answered HTTP 500"},
		{"hangs", unreachable.Hanging(t, "/"), "no answer from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(Config{Endpoint: tc.url, SecretID: testID, SecretKey: testKey, RateLimit: 1000,
				BackoffBase: 10 * time.Millisecond, Timeout: 400 * time.Millisecond, RetryTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			p := &Provider{c: c}
			start := time.Now()
			_, err = p.Read(context.Background(), providers.ReadRequest{Type: "dns_record", Zones: []string{"example.com"}})
			if el := time.Since(start); el > 10*time.Second {
				t.Fatalf("took %s with a retry budget of 1s", el)
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.cause) || strings.Count(msg, "gave up") != 1 || !strings.Contains(msg, "check the endpoint and the network") {
				t.Fatalf("message %q: want %q, one 'gave up' and a hint", msg, tc.cause)
			}
			if strings.Contains(msg, testKey) {
				t.Fatal("the message shows the secret key")
			}
		})
	}
}
