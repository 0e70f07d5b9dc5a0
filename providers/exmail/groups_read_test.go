package exmail

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// wrappedProvider serves tenant through wrap around the fake API handler (with
// latency per call) and returns a provider whose client calls it.
func wrappedProvider(t *testing.T, tenant exmailapi.Tenant, latency time.Duration, wrap func(http.Handler) http.Handler) *Provider {
	t.Helper()
	h := exmailapi.NewHandler(tenant, exmailapi.Options{CorpID: testCorp, Latency: latency,
		Secrets: map[string]string{exmailapi.AppContacts: testContacts, exmailapi.AppOptions: testOptions}})
	srv := httptest.NewServer(wrap(h))
	t.Cleanup(srv.Close)
	client, err := NewClient(Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: testCorp, ContactsSecret: testContacts,
		OptionsSecret: testOptions, RateLimit: 10000, BackoffBase: time.Millisecond, MaxAttempts: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return NewWithClient(client)
}

// TestReadGroupsConcurrently reads more groups than there are readers: every existing
// group comes back once, in key order, duplicates and missing groups left out, with one
// group/get per distinct address, and several calls were in flight at once.
func TestReadGroupsConcurrently(t *testing.T) {
	tenant := exmailapi.NewMemTenant()
	var gets, inFlight, peak atomic.Int64
	p := wrappedProvider(t, tenant, 5*time.Millisecond, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "group/get") {
				gets.Add(1)
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	if err := tenant.CreateUser(exmailapi.User{UserID: "u@example.com", Name: "U", Password: "x", Enable: 1,
		Department: []int64{exmailapi.RootDepartment}}); err != nil {
		t.Fatal(err)
	}
	var keys, want []string
	for i := 0; i < 5*groupReaders; i++ {
		id := "g" + itoa(i) + "@example.com"
		keys = append(keys, id)
		if i%7 == 3 {
			continue // declared but missing on the server
		}
		if err := tenant.CreateGroup(exmailapi.Group{GroupID: id, GroupName: "G" + itoa(i), UserList: []string{"u@example.com"}}); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	keys = append(keys, "G1@Example.com", "not-an-address")
	got, err := p.Read(ctx(t), providers.ReadRequest{Type: "group", Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d groups, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.ID != want[i] || r.Attrs.Str("name") != "G"+strings.TrimSuffix(strings.TrimPrefix(want[i], "g"), "@example.com") {
			t.Fatalf("group %d = %s %v, want %s", i, r.ID, r.Attrs, want[i])
		}
	}
	if n := gets.Load(); n != 5*groupReaders {
		t.Fatalf("%d group/get calls, want one per distinct address (%d)", n, 5*groupReaders)
	}
	if n := peak.Load(); n < 2 || n > groupReaders {
		t.Fatalf("at most %d group/get calls were in flight at once, want between 2 and %d", n, groupReaders)
	}
}

// TestReadGroupsFailure: one group/get that fails fails the whole read with that
// group's error, the other readers stop, and a cancelled context is reported.
func TestReadGroupsFailure(t *testing.T) {
	var gets atomic.Int64
	p := wrappedProvider(t, exmailapi.NewMemTenant(), 0, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "group/get") {
				gets.Add(1)
				if r.URL.Query().Get("groupid") == "g13@example.com" {
					http.Error(w, "forbidden", http.StatusForbidden)
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	var keys []string
	for i := 0; i < 400; i++ {
		keys = append(keys, "g"+itoa(i)+"@example.com")
	}
	_, err := p.Read(ctx(t), providers.ReadRequest{Type: "group", Keys: keys})
	if err == nil || !strings.Contains(err.Error(), "g13@example.com") || !strings.Contains(err.Error(), "403") {
		t.Fatalf("read with a failing group/get: %v, want the error of g13@example.com", err)
	}
	if n := gets.Load(); n >= 400 {
		t.Errorf("%d group/get calls after the failure, want the readers to stop early", n)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Read(cancelled, providers.ReadRequest{Type: "group", Keys: keys[:20]}); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("read with a cancelled context: %v, want the cancellation", err)
	}
}
