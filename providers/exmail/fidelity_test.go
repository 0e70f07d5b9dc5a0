package exmail

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// TestBigNeighbourDepartmentIDs follows two departments whose ids exceed 2^53 and
// differ by 1 through every call that carries a department id, over HTTP with the
// real client: decoded through float64 they would be one department.
func TestBigNeighbourDepartmentIDs(t *testing.T) {
	f := newFixture(t, nil, nil)
	p, c := NewWithClient(f.client), ctx(t)
	a, err := p.Create(c, "department", "a", model.Object{"name": "A"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Create(c, "department", "b", model.Object{"name": "B"})
	if err != nil {
		t.Fatal(err)
	}
	ida, _ := strconv.ParseInt(a.ID, 10, 64)
	idb, _ := strconv.ParseInt(b.ID, 10, 64)
	if ida <= 1<<53 || idb != ida+1 || float64(ida) != float64(idb) {
		t.Fatalf("ids %d, %d: the fake must hand out neighbours above 2^53 that float64 cannot tell apart", ida, idb)
	}

	// read: both, exactly.
	live, err := p.Read(c, providers.ReadRequest{Type: "department"})
	if err != nil {
		t.Fatal(err)
	}
	got := byID(live)
	if got[a.ID].Str("name") != "A" || got[b.ID].Str("name") != "B" || got[b.ID].Str("id") != b.ID {
		t.Fatalf("read = %v", got)
	}
	// user department and group department: B, not A.
	if _, err := p.Create(c, "account", "u", model.Object{"email": "u@example.com", "name": "U", "password": "pw-123456", "departments": []string{b.ID}}); err != nil {
		t.Fatal(err)
	}
	if u, _, _ := f.tenant.User("u@example.com"); !reflect.DeepEqual(u.Department, []int64{idb}) {
		t.Fatalf("user stored in %v, want [%d]", u.Department, idb)
	}
	accts, err := p.Read(c, providers.ReadRequest{Type: "account", Keys: []string{"u@example.com"}})
	if err != nil || !reflect.DeepEqual(byID(accts)["u@example.com"].Strings("departments"), []string{b.ID}) {
		t.Fatalf("account read = %v, %v", accts, err)
	}
	if _, err := p.Create(c, "group", "g", model.Object{"email": "g@example.com", "name": "G", "member_departments": []string{b.ID}}); err != nil {
		t.Fatal(err)
	}
	if g, _, _ := f.tenant.Group("g@example.com"); !reflect.DeepEqual(g.Department, []int64{idb}) {
		t.Fatalf("group stored with %v, want [%d]", g.Department, idb)
	}
	groups, err := p.Read(c, providers.ReadRequest{Type: "group", Keys: []string{"g@example.com"}})
	if err != nil || !reflect.DeepEqual(byID(groups)["g@example.com"].Strings("member_departments"), []string{b.ID}) {
		t.Fatalf("group read = %v, %v", groups, err)
	}
	// The client's single-object reads too: user/get, group/get, department/list?id=B.
	if u, err := f.client.GetUser(c, "u@example.com"); err != nil || !reflect.DeepEqual(u.Department, []int64{idb}) {
		t.Fatalf("user/get = %+v, %v; want department %d", u, err, idb)
	}
	if g, err := f.client.GetGroup(c, "g@example.com"); err != nil || !reflect.DeepEqual(g.Department, []int64{idb}) {
		t.Fatalf("group/get = %+v, %v; want department %d", g, err, idb)
	}
	if ds, err := f.client.ListDepartments(c, idb); err != nil || len(ds) != 1 || ds[0].ID != idb || ds[0].Name != "B" {
		t.Fatalf("department/list id=%d: %+v, %v", idb, ds, err)
	}
	// update: B moves under A and is renamed; A is untouched.
	if _, err := p.Update(c, "department", b.ID, got[b.ID], model.Object{"name": "B2", "parent": a.ID}); err != nil {
		t.Fatal(err)
	}
	ds, _ := f.tenant.Departments()
	byNum := map[int64]exmailapi.Department{}
	for _, d := range ds {
		byNum[d.ID] = d
	}
	if byNum[idb].Name != "B2" || byNum[idb].ParentID != ida || byNum[ida].Name != "A" || byNum[ida].ParentID != 1 {
		t.Fatalf("after update: A %+v, B %+v", byNum[ida], byNum[idb])
	}
	// delete: B goes (once emptied), A stays.
	if err := p.Delete(c, "group", "g@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(c, "account", "u@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(c, "department", b.ID, nil); err != nil {
		t.Fatal(err)
	}
	live, _ = p.Read(c, providers.ReadRequest{Type: "department"})
	if got := byID(live); len(got) != 1 || got[a.ID].Str("name") != "A" {
		t.Fatalf("after deleting B: %v", got)
	}
}

// recorder serves the fake API and keeps the body of every call by endpoint; fail,
// when it returns an errcode, answers that instead of serving the call.
type recorder struct {
	mu     sync.Mutex
	bodies map[string][]map[string]any
	fail   func(path string) int
}

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/cgi-bin/")
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		rec.mu.Lock()
		if rec.bodies == nil {
			rec.bodies = map[string][]map[string]any{}
		}
		rec.bodies[path] = append(rec.bodies[path], body)
		fail := rec.fail
		rec.mu.Unlock()
		if fail != nil {
			if code := fail(path); code != 0 {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"errcode":` + strconv.Itoa(code) + `,"errmsg":"refused"}`))
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		h.ServeHTTP(w, r)
	})
}

func (rec *recorder) calls(path string) []map[string]any {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.bodies[path]
}

// quirkyProvider serves tenant with the given quirks through rec.
func quirkyProvider(t *testing.T, tenant exmailapi.Tenant, quirks bool, rec *recorder, count *exmailapi.Counters) *Provider {
	t.Helper()
	h := exmailapi.NewHandler(tenant, exmailapi.Options{CorpID: testCorp, Quirks: quirks, Counters: count,
		Secrets: map[string]string{exmailapi.AppContacts: testContacts, exmailapi.AppOptions: testOptions}})
	srv := httptest.NewServer(rec.wrap(h))
	t.Cleanup(srv.Close)
	client, err := NewClient(Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: testCorp, ContactsSecret: testContacts,
		OptionsSecret: testOptions, RateLimit: 10000, BackoffBase: time.Millisecond, MaxAttempts: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return NewWithClient(client)
}

func TestFrozenAccountIsCreatedThenFrozen(t *testing.T) {
	for _, status := range []string{"active", "frozen", "departed"} {
		t.Run(status, func(t *testing.T) {
			tenant, rec := exmailapi.NewMemTenant(), &recorder{}
			p, c := quirkyProvider(t, tenant, false, rec, nil), ctx(t)
			r, err := p.Create(c, "account", "a", model.Object{"email": "a@example.com", "name": "A", "password": "pw-123456", "status": status})
			if err != nil {
				t.Fatal(err)
			}
			if r.Attrs.Str("status") != status {
				t.Errorf("create returned status %q", r.Attrs.Str("status"))
			}
			creates := rec.calls("user/create")
			if len(creates) != 1 {
				t.Fatalf("%d user/create calls", len(creates))
			}
			if _, sent := creates[0]["enable"]; sent {
				t.Errorf("user/create sent enable, which it does not document: %v", creates[0])
			}
			updates := rec.calls("user/update")
			u, _, _ := tenant.User("a@example.com")
			if status == "active" {
				if len(updates) != 0 || u.Enable != 1 {
					t.Fatalf("active account: %d user/update calls, enable %d", len(updates), u.Enable)
				}
				return
			}
			if len(updates) != 1 || updates[0]["enable"] != float64(0) || len(updates[0]) != 2 || u.Enable != 0 {
				t.Fatalf("frozen account: user/update calls %v, stored enable %d; want one call with enable 0 only", updates, u.Enable)
			}
		})
	}
}

func TestFrozenAccountWhoseFreezeFails(t *testing.T) {
	tenant := exmailapi.NewMemTenant()
	rec := &recorder{fail: func(path string) int {
		if path == "user/update" {
			return exmailapi.CodeNoPermission
		}
		return 0
	}}
	p, c := quirkyProvider(t, tenant, false, rec, nil), ctx(t)
	_, err := p.Create(c, "account", "a", model.Object{"email": "a@example.com", "name": "A", "password": "pw-123456", "status": "frozen"})
	if err == nil {
		t.Fatal("a failed freeze was not reported")
	}
	for _, want := range []string{"a@example.com was created but is not frozen", "next plan", "48002"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if u, ok, _ := tenant.User("a@example.com"); !ok || u.Enable != 1 {
		t.Fatalf("stored %+v, %v; the account exists, active", u, ok)
	}
}

// seedAccounts stores n accounts u0…, every third frozen.
func seedAccounts(t *testing.T, tenant *exmailapi.MemTenant, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		u := exmailapi.User{UserID: "u" + strconv.Itoa(i) + "@example.com", Name: "U", Department: []int64{1}, Enable: 1}
		if i%3 == 0 {
			u.Enable = 0
		}
		if err := tenant.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUserListWithoutEnable(t *testing.T) {
	const n = 50
	keys := []string{"U0@example.com", "u1@example.com", "u4@example.com", "gone@example.com"}
	tests := []struct {
		name     string
		quirks   bool
		req      providers.ReadRequest
		wantGets int
		exact    []string // accounts whose status must be right
	}{
		{"enable present: no user/get however many keys", false, providers.ReadRequest{Type: "account", Keys: allKeys(n)}, 0, allKeys(n)},
		{"enable absent: user/get for the known accounts only", true, providers.ReadRequest{Type: "account", Keys: keys, Detail: map[string]bool{}}, 3, keys[:3]},
		{"enable absent: detail accounts count as known", true, providers.ReadRequest{Type: "account", Detail: map[string]bool{"u3@example.com": true}}, 1, []string{"u3@example.com"}},
		{"enable absent, no keys (export): every account", true, providers.ReadRequest{Type: "account"}, n, allKeys(n)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant, count := exmailapi.NewMemTenant(), &exmailapi.Counters{}
			seedAccounts(t, tenant, n)
			p, c := quirkyProvider(t, tenant, tt.quirks, &recorder{}, count), ctx(t)
			live, err := p.Read(c, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(live) != n {
				t.Fatalf("read %d accounts, want %d", len(live), n)
			}
			if got := count.Get("user/get"); got != tt.wantGets {
				t.Errorf("%d user/get calls, want %d", got, tt.wantGets)
			}
			got := byID(live)
			for _, k := range tt.exact {
				k = model.CanonicalEmail(k)
				u, _, _ := tenant.User(k)
				want := map[int]string{0: "frozen", 1: "active"}[u.Enable]
				if got[k].Str("status") != want {
					t.Errorf("%s reads %q, want %q", k, got[k].Str("status"), want)
				}
			}
		})
	}
}

func allKeys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "u" + strconv.Itoa(i) + "@example.com"
	}
	return out
}

func TestUserListWithoutEnableFailures(t *testing.T) {
	t.Run("user/get fails", func(t *testing.T) {
		tenant := exmailapi.NewMemTenant()
		seedAccounts(t, tenant, 5)
		rec := &recorder{fail: func(path string) int {
			if path == "user/get" {
				return exmailapi.CodeNoPermission
			}
			return 0
		}}
		p, c := quirkyProvider(t, tenant, true, rec, nil), ctx(t)
		if _, err := p.Read(c, providers.ReadRequest{Type: "account", Keys: []string{"u1@example.com"}}); err == nil || !strings.Contains(err.Error(), "user/get") {
			t.Fatalf("read = %v; want the user/get failure", err)
		}
	})
	t.Run("deleted between list and get", func(t *testing.T) {
		tenant := exmailapi.NewMemTenant()
		seedAccounts(t, tenant, 3)
		rec := &recorder{}
		rec.fail = func(path string) int {
			if path == "user/get" {
				_ = tenant.DeleteUser("u1@example.com")
			}
			return 0
		}
		p, c := quirkyProvider(t, tenant, true, rec, nil), ctx(t)
		live, err := p.Read(c, providers.ReadRequest{Type: "account", Keys: []string{"u1@example.com"}})
		if err != nil || len(live) != 2 || byID(live)["u1@example.com"] != nil {
			t.Fatalf("read = %v, %v; want the two that remain", live, err)
		}
	})
	t.Run("user/get without enable either", func(t *testing.T) {
		tenant := exmailapi.NewMemTenant()
		seedAccounts(t, tenant, 2)
		strip := func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "user/get") {
					h.ServeHTTP(w, r)
					return
				}
				rw := httptest.NewRecorder()
				h.ServeHTTP(rw, r)
				var m map[string]any
				_ = json.Unmarshal(rw.Body.Bytes(), &m)
				delete(m, "enable")
				_ = json.NewEncoder(w).Encode(m)
			})
		}
		h := exmailapi.NewHandler(tenant, exmailapi.Options{CorpID: testCorp, Quirks: true,
			Secrets: map[string]string{exmailapi.AppContacts: testContacts}})
		srv := httptest.NewServer(strip(h))
		t.Cleanup(srv.Close)
		client, err := NewClient(Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: testCorp, ContactsSecret: testContacts,
			RateLimit: 10000, BackoffBase: time.Millisecond, MaxAttempts: 2, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		_, err = NewWithClient(client).Read(ctx(t), providers.ReadRequest{Type: "account", Keys: []string{"u0@example.com"}})
		if err == nil || !strings.Contains(err.Error(), "cannot tell whether the account is active or frozen") {
			t.Fatalf("read = %v; want a refusal to guess", err)
		}
	})
}

func TestDepartmentOrderReset(t *testing.T) {
	for _, quirks := range []bool{false, true} {
		t.Run(map[bool]string{false: "order kept", true: "order reset"}[quirks], func(t *testing.T) {
			tenant := exmailapi.NewMemTenant()
			p, c := quirkyProvider(t, tenant, quirks, &recorder{}, nil), ctx(t)
			small, err := p.Create(c, "department", "s", model.Object{"name": "S", "order": int64(5)})
			if err != nil {
				t.Fatal(err)
			}
			big, err := p.Create(c, "department", "b", model.Object{"name": "B", "order": int64(20000)})
			if err != nil {
				t.Fatal(err)
			}
			if small.Attrs.Int("order") != 5 {
				t.Fatalf("create reports order %v, want what it wrote", small.Attrs["order"])
			}
			// What the server holds, without state.
			live, _ := p.Read(c, providers.ReadRequest{Type: "department"})
			wantRaw := map[bool]int64{false: 5, true: 0}[quirks]
			if got := byID(live)[small.ID].Int("order"); got != wantRaw {
				t.Fatalf("read without state: order %d, want %d", got, wantRaw)
			}
			// With state, the reset of a written reserved order is not drift…
			applied := map[string]model.Object{small.ID: small.Attrs, big.ID: big.Attrs}
			live, _ = p.Read(c, providers.ReadRequest{Type: "department", Applied: applied})
			same(t, model.Department, byID(live)[small.ID], model.Object{"name": "S", "order": int64(5)})
			same(t, model.Department, byID(live)[big.ID], model.Object{"name": "B", "order": int64(20000)})
			// …but a real change of an order that is not reserved is.
			if err := tenant.UpdateDepartment(exmailapi.Department{ID: mustInt(t, big.ID), Name: "B", ParentID: 1, Order: 0}); err != nil {
				t.Fatal(err)
			}
			live, _ = p.Read(c, providers.ReadRequest{Type: "department", Applied: applied})
			if got := byID(live)[big.ID].Int("order"); got != 0 {
				t.Fatalf("order 20000 changed to 0 in the console reads %d; it must show as drift", got)
			}
		})
	}
}

func TestValidateWarnsAboutReservedOrders(t *testing.T) {
	p := &Provider{}
	for _, tt := range []struct {
		typ   string
		order int64
		warn  bool
	}{
		{"department", 0, false}, {"department", 1, true}, {"department", 10000, true},
		{"department", 10001, false}, {"account", 5, false}, {"domain", 5, false},
	} {
		ws := p.ValidateObject(tt.typ, model.Object{"name": "D", "order": tt.order})
		if (len(ws) > 0) != tt.warn {
			t.Errorf("%s order %d: warnings %v, want warning %v", tt.typ, tt.order, ws, tt.warn)
			continue
		}
		if tt.warn && (ws[0].Attr != "order" || !strings.Contains(ws[0].Detail, "reset to 0") || !strings.Contains(ws[0].Detail, "above 10000")) {
			t.Errorf("warning %+v does not point at order, say it may be reset and what to use", ws[0])
		}
	}
}

func TestGroupTagMembersSurvive(t *testing.T) {
	tenant, rec := exmailapi.NewMemTenant(), &recorder{}
	p, c := quirkyProvider(t, tenant, true, rec, nil), ctx(t)
	for _, a := range []string{"a@example.com", "b@example.com"} {
		if err := tenant.CreateUser(exmailapi.User{UserID: a, Name: "U", Department: []int64{1}, Enable: 1}); err != nil {
			t.Fatal(err)
		}
	}
	desired := model.Object{"email": "g@example.com", "name": "G", "members": []string{"a@example.com"}}
	if _, err := p.Create(c, "group", "g", desired); err != nil {
		t.Fatal(err)
	}
	tenant.SetGroupTags("g@example.com", []int64{7})
	read := func() model.Object {
		live, err := p.Read(c, providers.ReadRequest{Type: "group", Keys: []string{"g@example.com"}})
		if err != nil || len(live) != 1 {
			t.Fatalf("read = %v, %v", live, err)
		}
		return live[0].Attrs
	}
	// The tag members are not the configuration's business: no diff.
	same(t, model.Group, read(), desired)

	next := desired.Clone()
	next["name"] = "G2"
	next["members"] = []string{"b@example.com"}
	if _, err := p.Update(c, "group", "g@example.com", read(), next); err != nil {
		t.Fatal(err)
	}
	up := rec.calls("group/update")
	if len(up) != 1 || len(up[0]) != 3 || up[0]["groupname"] != "G2" || up[0]["userlist"] == nil {
		t.Fatalf("group/update sent %v; want groupid, groupname and userlist only", up)
	}
	g, _, _ := tenant.Group("g@example.com")
	if !reflect.DeepEqual(g.TagList, []int64{7}) || !reflect.DeepEqual(g.UserList, []string{"b@example.com"}) || g.GroupName != "G2" {
		t.Fatalf("group after update = %+v; the tag members must survive", g)
	}

	// Emptying every member list would leave only tag members: refused before any call.
	only := next.Clone()
	only["members"] = []string{}
	_, err := p.Update(c, "group", "g@example.com", read(), only)
	if err == nil || !strings.Contains(err.Error(), "tag-based members") || !strings.Contains(err.Error(), "at least one member") {
		t.Fatalf("update emptying every list: %v", err)
	}
	if len(rec.calls("group/update")) != 1 {
		t.Fatal("the refused update was sent")
	}
	if g, _, _ := tenant.Group("g@example.com"); len(g.TagList) != 1 || len(g.UserList) != 1 {
		t.Fatalf("group after the refused update = %+v", g)
	}
}

// TestGroupOnlyTagMembers: a group whose only members are tags reads as a group with
// no listed members; declared so, it plans no change, and a change of its name
// sends no member list at all.
func TestGroupOnlyTagMembers(t *testing.T) {
	tenant, rec := exmailapi.NewMemTenant(), &recorder{}
	p, c := quirkyProvider(t, tenant, true, rec, nil), ctx(t)
	if err := tenant.CreateGroup(exmailapi.Group{GroupID: "tags@example.com", GroupName: "T", TagList: []int64{3, 4}}); err != nil {
		t.Fatal(err)
	}
	live, err := p.Read(c, providers.ReadRequest{Type: "group", Keys: []string{"tags@example.com"}})
	if err != nil || len(live) != 1 {
		t.Fatalf("read = %v, %v; a tag-only group exists", live, err)
	}
	desired := model.Object{"email": "tags@example.com", "name": "T"}
	same(t, model.Group, live[0].Attrs, desired)
	renamed := desired.Clone()
	renamed["name"] = "Tagged"
	if _, err := p.Update(c, "group", "tags@example.com", live[0].Attrs, renamed); err != nil {
		t.Fatal(err)
	}
	up := rec.calls("group/update")
	if len(up) != 1 || len(up[0]) != 2 || up[0]["groupname"] != "Tagged" {
		t.Fatalf("group/update sent %v; want the name only", up)
	}
	if g, _, _ := tenant.Group("tags@example.com"); len(g.TagList) != 2 || g.GroupName != "Tagged" {
		t.Fatalf("group = %+v", g)
	}
}

func TestValidateWarnsAboutGroupsWithoutMembers(t *testing.T) {
	p := &Provider{}
	for _, tt := range []struct {
		o    model.Object
		warn bool
	}{
		{model.Object{"email": "g@example.com"}, true},
		{model.Object{"email": "g@example.com", "members": []string{}}, true},
		{model.Object{"email": "g@example.com", "members": []string{"a@example.com"}}, false},
		{model.Object{"email": "g@example.com", "member_groups": []string{"b@example.com"}}, false},
		{model.Object{"email": "g@example.com", "member_departments": []string{"4913577855806636138"}}, false},
		{model.Object{"email": "g@example.com", "member_departments": model.Unknown}, false},
	} {
		ws := p.ValidateObject("group", tt.o)
		if (len(ws) > 0) != tt.warn {
			t.Errorf("%v: warnings %v, want warning %v", tt.o, ws, tt.warn)
		}
		if tt.warn && (ws[0].Attr != "members" || !strings.Contains(ws[0].Detail, "tags")) {
			t.Errorf("warning %+v", ws[0])
		}
	}
}
