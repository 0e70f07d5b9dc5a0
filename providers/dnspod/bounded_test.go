package dnspod

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/providers"
)

// An unreachable, failing or hanging endpoint fails a read within the retry budget,
// with one cause that names the endpoint, and without the secret.
func TestDeadEndpointFailsWithinBudget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	s500 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "oops", http.StatusInternalServerError)
	}))
	defer s500.Close()
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		hang.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	for _, tc := range []struct{ name, url, cause string }{
		{"refused", refused, "cannot reach " + refused},
		{"http 500", s500.URL + "/", "answered HTTP 500"},
		{"hangs", "http://" + hang.Addr().String() + "/", "no answer from"},
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
