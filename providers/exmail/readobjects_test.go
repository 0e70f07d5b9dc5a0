package exmail

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// ReadObjects reads the requested accounts with one user/get each (options only for
// those in Detail), never a user/list; an account that is gone is left out.
func TestReadObjectsAccounts(t *testing.T) {
	tenant := exmailapi.NewMemTenant()
	var mu sync.Mutex
	calls := map[string]int{}
	p := wrappedProvider(t, tenant, 0, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			calls[r.URL.Path[strings.LastIndex(r.URL.Path, "cgi-bin/")+len("cgi-bin/"):]]++
			mu.Unlock()
			h.ServeHTTP(w, r)
		})
	})
	for _, u := range []exmailapi.User{
		{UserID: "a@example.com", Name: "A", Password: "x", Enable: 1, Department: []int64{exmailapi.RootDepartment}},
		{UserID: "b@example.com", Name: "B", Password: "x", Enable: 0, Department: []int64{exmailapi.RootDepartment}},
		{UserID: "c@example.com", Name: "C", Password: "x", Enable: 1, Department: []int64{exmailapi.RootDepartment}},
	} {
		if err := tenant.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := p.ReadObjects(ctx(t), providers.ReadRequest{Type: "account", Keys: []string{"a@example.com", "b@example.com", "gone@example.com"},
		Detail: map[string]bool{"a@example.com": true}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]providers.Remote{}
	for _, r := range rs {
		got[r.ID] = r
	}
	if len(rs) != 2 || got["a@example.com"].Attrs.Str("name") != "A" || got["b@example.com"].Attrs.Str("status") != "frozen" {
		t.Fatalf("read %+v; want a (active) and b (frozen), and nothing for the one that is gone", rs)
	}
	if _, ok := got["a@example.com"].Attrs["imap_smtp"]; !ok {
		t.Errorf("a's options were not read though Detail asks for them: %v", got["a@example.com"].Attrs)
	}
	if _, ok := got["b@example.com"].Attrs["imap_smtp"]; ok {
		t.Errorf("b's options were read though Detail does not ask for them: %v", got["b@example.com"].Attrs)
	}
	if calls["user/get"] != 3 || calls["user/list"] != 0 || calls["useroption/get"] != 1 {
		t.Errorf("calls %v; want 3 user/get, 1 useroption/get and no user/list", calls)
	}

	// Other types go through Read, filtered by id.
	rs, err = p.ReadObjects(ctx(t), providers.ReadRequest{Type: "domain", Keys: []string{"example.com"}})
	if err != nil || len(rs) != 1 || rs[0].ID != "example.com" {
		t.Errorf("domain: %+v, %v", rs, err)
	}
}
