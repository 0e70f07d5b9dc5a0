package exmail

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/providers/unreachable"
)

// deadEndpoints are the ways an endpoint fails to answer: nothing listening, HTTP
// 500 on every call, a body that is not JSON, and a server that accepts connections
// and never answers.
func deadEndpoints(t *testing.T) map[string]string {
	t.Helper()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "<html>maintenance</html>")
	}))
	t.Cleanup(html.Close)
	return map[string]string{
		"refused":  unreachable.Refused(t, "/cgi-bin/"),
		"http 500": unreachable.Failing(t, http.StatusInternalServerError, "/cgi-bin/"),
		"not json": html.URL + "/cgi-bin/",
		"hangs":    unreachable.Hanging(t, "/cgi-bin/"),
	}
}

// An unreachable or broken endpoint fails a read of every type within the retry
// budget, with one cause that names the endpoint, said once; the concurrent reads
// of a run stop together.
func TestDeadEndpointFailsWithinBudget(t *testing.T) {
	want := map[string]string{"refused": "cannot reach", "http 500": "answered HTTP 500", "not json": "not JSON", "hangs": "no answer from"}
	for name, url := range deadEndpoints(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(Config{Endpoint: url, CorpID: testCorp, ContactsSecret: testContacts,
				BackoffBase: 10 * time.Millisecond, Timeout: 400 * time.Millisecond, RetryTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			p := NewWithClient(c)
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i, typ := range []string{"department", "account", "group"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = p.Read(ctx(t), providers.ReadRequest{Type: typ, Keys: []string{"a@example.com", "b@example.com"}})
				}()
			}
			wg.Wait()
			if el := time.Since(start); el > 10*time.Second {
				t.Fatalf("took %s with a retry budget of 1s", el)
			}
			for _, err := range errs {
				if err == nil || err.Error() != errs[0].Error() {
					t.Fatalf("reads failed with different errors: %v", errs)
				}
			}
			msg := errs[0].Error()
			if !strings.Contains(msg, url) || !strings.Contains(msg, want[name]) || strings.Count(msg, "gave up") != 1 ||
				!strings.Contains(msg, "check the endpoint and the network") {
				t.Fatalf("message %q: want the endpoint, %q, and one 'gave up'", msg, want[name])
			}
			if strings.Contains(msg, testContacts) {
				t.Fatal("the message shows the secret")
			}
		})
	}
}

// tokenChurn answers 42001 at random to calls other than gettoken, so that a token
// is sometimes refused again right after a refresh.
type tokenChurn struct {
	next http.Handler
	mu   sync.Mutex
	rng  *rand.Rand
	n    atomic.Int64
}

func (h *tokenChurn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "gettoken") {
		h.mu.Lock()
		expired := h.rng.Float64() < 0.5
		h.mu.Unlock()
		if expired {
			h.n.Add(1)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"errcode":42001,"errmsg":"access_token expired"}`)
			return
		}
	}
	h.next.ServeHTTP(w, r)
}

// Token expiry is always recoverable: half the calls are refused with 42001, many
// of them twice in a row, and 30 % are throttled; the workload still succeeds.
func TestTokenRefusedAgainAfterRefresh(t *testing.T) {
	tenant := exmailapi.NewMemTenant()
	h := &tokenChurn{rng: rand.New(rand.NewSource(7)), next: exmailapi.NewHandler(tenant, exmailapi.Options{
		CorpID: testCorp, Secrets: map[string]string{exmailapi.AppContacts: testContacts, exmailapi.AppOptions: testOptions},
		Faults: map[exmailapi.Fault]float64{exmailapi.FaultThrottle: 0.3}, Seed: 3,
	})}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := NewClient(Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: testCorp, ContactsSecret: testContacts, OptionsSecret: testOptions,
		RateLimit: 10000, BackoffBase: time.Millisecond, MaxAttempts: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	workload(t, &fixture{tenant: tenant, count: &exmailapi.Counters{}, client: c}, 6)
	if h.n.Load() < 20 {
		t.Fatalf("only %d calls were refused with 42001", h.n.Load())
	}
}

// 40093 answers lower the calls in flight, and the reads still complete.
func TestConcurrencyRefusalLowersInflight(t *testing.T) {
	tenant := exmailapi.NewMemTenant()
	var keys []string
	for i := 0; i < 40; i++ {
		a := fmt.Sprintf("g%02d@example.com", i)
		keys = append(keys, a)
		if err := tenant.CreateGroup(exmailapi.Group{GroupID: a, GroupName: a, GroupList: nil, UserList: []string{"x@example.com"}}); err != nil {
			t.Fatal(err)
		}
	}
	inner := exmailapi.NewHandler(tenant, exmailapi.Options{CorpID: testCorp,
		Secrets: map[string]string{exmailapi.AppContacts: testContacts}, Latency: 5 * time.Millisecond})
	var inflight, refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer inflight.Add(-1)
		if inflight.Add(1) > 2 && !strings.HasSuffix(r.URL.Path, "gettoken") {
			refused.Add(1)
			fmt.Fprint(w, `{"errcode":40093,"errmsg":"请求并发过大"}`)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, err := NewClient(Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: testCorp, ContactsSecret: testContacts,
		RateLimit: 10000, BackoffBase: time.Millisecond, MaxAttempts: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := NewWithClient(c).Read(context.Background(), providers.ReadRequest{Type: "group", Keys: keys})
	if err != nil || len(got) != len(keys) {
		t.Fatalf("read %d groups, %v", len(got), err)
	}
	if refused.Load() == 0 || c.gate.bound() >= 8 {
		t.Fatalf("%d refusals, bound now %d: 40093 did not lower the calls in flight", refused.Load(), c.gate.bound())
	}
}
