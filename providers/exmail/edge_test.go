package exmail

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// Codes the API page does not list are errors with the API's own message, never
// retried and never guessed at.
func TestUnknownErrcode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "gettoken") {
			fmt.Fprint(w, `{"errcode":0,"access_token":"t","expires_in":"7200"}`)
			return
		}
		fmt.Fprint(w, `{"errcode":"61234","errmsg":"quota exhausted"}`)
	}))
	defer srv.Close()
	c, err := NewClient(Config{Endpoint: srv.URL, CorpID: "c", ContactsSecret: "s", BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(ctx(t), "a@example.com")
	want := "exmail user/get a@example.com: errcode 61234 (unknown errcode: quota exhausted)"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

// A server slower than the timeout makes reads give up with a message that says so.
func TestTimeoutGivesUp(t *testing.T) {
	f := newFixture(t, func(o *exmailapi.Options) { o.Latency = 200 * time.Millisecond },
		func(c *Config) { c.Timeout = 20 * time.Millisecond; c.MaxAttempts = 2 })
	_, err := f.client.ListDepartments(ctx(t), 0)
	if err == nil || !strings.Contains(err.Error(), "gave up after 2 attempts") || !strings.Contains(err.Error(), "gettoken") {
		t.Fatalf("error = %v", err)
	}
}

// The planner applies with parallelism: concurrent creates under faults still end
// with exactly one object each and no failure.
func TestConcurrentCreatesUnderFaults(t *testing.T) {
	f := newFixture(t, func(o *exmailapi.Options) {
		o.Faults = map[exmailapi.Fault]float64{exmailapi.FaultDrop: 0.05, exmailapi.FaultBadGateway: 0.05, exmailapi.FaultThrottle: 0.1}
		o.Seed = 42
	}, nil)
	p := NewWithClient(f.client)
	const n = 30
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			e := fmt.Sprintf("p%02d@example.com", i)
			_, err := p.Create(ctx(t), "account", e, model.Object{"email": e, "name": "P", "password": "x", "pop_smtp": false})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if users, _ := f.tenant.Users(); len(users) != n {
		t.Fatalf("%d users, want %d", len(users), n)
	}
	if f.count.Get("fault:drop")+f.count.Get("fault:502") == 0 {
		t.Fatal("no answer was lost; the test proves nothing")
	}
}
