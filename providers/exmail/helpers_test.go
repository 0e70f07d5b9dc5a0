package exmail

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

const (
	testCorp     = "wwcorp-test"
	testContacts = "contacts-SECRET-8f3a"
	testOptions  = "options-SECRET-77b1"
)

// fixture is a fake Exmail server with a client pointed at it.
type fixture struct {
	tenant *exmailapi.MemTenant
	count  *exmailapi.Counters
	client *Client
	url    string
}

// newFixture starts a handler over a fresh tenant; tweak adjusts the server options
// and cfg the client configuration.
func newFixture(t testing.TB, tweak func(*exmailapi.Options), cfg func(*Config)) *fixture {
	t.Helper()
	f := &fixture{tenant: exmailapi.NewMemTenant(), count: &exmailapi.Counters{}}
	opts := exmailapi.Options{
		CorpID:   testCorp,
		Secrets:  map[string]string{exmailapi.AppContacts: testContacts, exmailapi.AppOptions: testOptions},
		Counters: f.count,
	}
	if tweak != nil {
		tweak(&opts)
	}
	srv := httptest.NewServer(exmailapi.NewHandler(f.tenant, opts))
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/cgi-bin/"
	c := Config{Endpoint: f.url, CorpID: testCorp, ContactsSecret: testContacts, OptionsSecret: testOptions,
		RateLimit: 10000, BackoffBase: time.Millisecond, MaxAttempts: 10, Timeout: 5 * time.Second}
	if cfg != nil {
		cfg(&c)
	}
	client, err := NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	f.client = client
	return f
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// seedUser creates a user directly in the tenant.
func (f *fixture) seedUser(t testing.TB, u exmailapi.User) {
	t.Helper()
	if u.Department == nil {
		u.Department = []int64{exmailapi.RootDepartment}
	}
	if u.Enable == 0 {
		u.Enable = 1
	}
	if err := f.tenant.CreateUser(u); err != nil {
		t.Fatal(err)
	}
}

// errCode returns the errcode of an APIError, or 0.
func errCode(err error) int {
	if ae, ok := err.(*APIError); ok {
		return ae.Code
	}
	return 0
}
