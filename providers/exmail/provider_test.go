package exmail

import (
	"errors"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

func byID(rs []providers.Remote) map[string]model.Object {
	out := map[string]model.Object{}
	for _, r := range rs {
		out[r.ID] = r.Attrs
	}
	return out
}

// same compares a read object with the desired one as the planner would.
func same(t *testing.T, typ *model.Type, read, desired model.Object) {
	t.Helper()
	if d := model.Diff(typ, model.Canonical(typ, read), model.Canonical(typ, desired), nil); len(d) > 0 {
		t.Fatalf("%s read back differs from what was written: %+v", typ.Name, d)
	}
}

func TestProviderDepartments(t *testing.T) {
	f := newFixture(t, nil, nil)
	p, c := NewWithClient(f.client), ctx(t)
	top, err := p.Create(c, "department", "sales", model.Object{"name": "Sales", "order": int64(2)})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := p.Create(c, "department", "emea", model.Object{"name": "EMEA", "parent": top.ID})
	if err != nil {
		t.Fatal(err)
	}
	live, err := p.Read(c, providers.ReadRequest{Type: "department"})
	if err != nil {
		t.Fatal(err)
	}
	got := byID(live)
	if len(got) != 2 {
		t.Fatalf("read %d departments, want 2 (the root is not one): %v", len(got), got)
	}
	if _, ok := got[top.ID]["parent"]; ok {
		t.Fatalf("a top-level department reads with a parent: %v", got[top.ID])
	}
	same(t, model.Department, got[sub.ID], model.Object{"name": "EMEA", "parent": top.ID})

	desired := model.Object{"name": "Europe", "order": int64(5)} // moved to the top level
	if _, err := p.Update(c, "department", sub.ID, got[sub.ID], desired); err != nil {
		t.Fatal(err)
	}
	live, _ = p.Read(c, providers.ReadRequest{Type: "department"})
	same(t, model.Department, byID(live)[sub.ID], desired)

	before := f.count.Get("department/update")
	if _, err := p.Update(c, "department", sub.ID, byID(live)[sub.ID], desired); err != nil {
		t.Fatal(err)
	}
	if f.count.Get("department/update") != before {
		t.Fatal("an update without changes called department/update")
	}
	if err := p.Delete(c, "department", sub.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(c, "department", sub.ID, nil); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if _, err := p.Update(c, "department", sub.ID, desired, model.Object{"name": "Gone"}); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("update of a deleted department: %v, want ErrNotFound", err)
	}
}

func TestProviderAccounts(t *testing.T) {
	f := newFixture(t, nil, nil)
	p, c := NewWithClient(f.client), ctx(t)
	dept, err := p.Create(c, "department", "ops", model.Object{"name": "Ops"})
	if err != nil {
		t.Fatal(err)
	}
	desired := model.Object{
		"email": "Alice@Example.com", "name": "Alice", "departments": []string{dept.ID},
		"position": "SRE", "mobile": "+8613800000001", "phone": "010-1", "external_id": "E7",
		"aliases": []string{"ali@example.com"}, "password": "S3cret!", "force_password_change": true,
		"imap_smtp": false, "force_secure_login": true,
	}
	r, err := p.Create(c, "account", "alice", desired)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "alice@example.com" || r.Attrs["password"] != nil {
		t.Fatalf("create returned %+v; want the canonical address and no password", r)
	}
	if u, _, _ := f.tenant.User("alice@example.com"); u.Password != "S3cret!" || u.CpwdLogin != 1 || u.Tel != "010-1" {
		t.Fatalf("stored user %+v", u)
	}

	live, err := p.Read(c, providers.ReadRequest{Type: "account", Detail: map[string]bool{"alice@example.com": true}})
	if err != nil {
		t.Fatal(err)
	}
	got := byID(live)["alice@example.com"]
	if got == nil || got["imap_smtp"] != false || got["force_secure_login"] != true || got["pop_smtp"] != true {
		t.Fatalf("read with detail = %v", got)
	}
	noPW := desired.Clone()
	delete(noPW, "password")
	same(t, model.Account, got, noPW)

	// Freeze, drop the position and an alias change; the password is left out of
	// desired because it did not change.
	next := noPW.Clone()
	next["status"] = "departed"
	next["position"] = nil
	next["aliases"] = []string{"alice.w@example.com"}
	next["pop_smtp"] = false
	if _, err := p.Update(c, "account", "alice@example.com", got, next); err != nil {
		t.Fatal(err)
	}
	u, _, _ := f.tenant.User("alice@example.com")
	if u.Enable != 0 || u.Position != "" || !reflect.DeepEqual(u.Slaves, []string{"alice.w@example.com"}) || u.Password != "S3cret!" {
		t.Fatalf("after update: %+v", u)
	}
	live, _ = p.Read(c, providers.ReadRequest{Type: "account", Detail: map[string]bool{"alice@example.com": true}})
	got = byID(live)["alice@example.com"]
	if got["status"] != "frozen" || got["pop_smtp"] != false {
		t.Fatalf("departed account reads as %v", got)
	}

	calls := f.count.Total()
	if _, err := p.Update(c, "account", "alice@example.com", got, got.Clone()); err != nil {
		t.Fatal(err)
	}
	if f.count.Total() != calls {
		t.Fatalf("an update without changes made %d calls", f.count.Total()-calls)
	}

	if _, err := p.Create(c, "account", "bob", model.Object{"email": "bob@example.com", "name": "Bob"}); err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("create without a password: %v", err)
	}
	if _, err := p.Create(c, "account", "dup", model.Object{"email": "alice@example.com", "name": "A", "password": "x"}); errCode(err) != exmailapi.CodeUserIDExists {
		t.Fatalf("create of an existing address: %v", err)
	}
	if err := p.Delete(c, "account", "alice@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Update(c, "account", "alice@example.com", got, noPW); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("update of a deleted account: %v, want ErrNotFound", err)
	}
	if err := p.Delete(c, "account", "alice@example.com", nil); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("delete of a deleted account: %v, want ErrNotFound", err)
	}
}

func TestProviderGroups(t *testing.T) {
	f := newFixture(t, nil, nil)
	p, c := NewWithClient(f.client), ctx(t)
	f.seedUser(t, exmailapi.User{UserID: "alice@example.com", Name: "Alice", Password: "x"})
	f.seedUser(t, exmailapi.User{UserID: "bob@example.com", Name: "Bob", Password: "x"})
	desired := model.Object{"email": "Team@example.com", "name": "Team", "members": []string{"alice@example.com"},
		"member_departments": []string{"1"}, "senders": "list", "allowed_senders": []string{"ceo@partner.com"}}
	r, err := p.Create(c, "group", "team", desired)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "team@example.com" {
		t.Fatalf("group id %q", r.ID)
	}
	if g, _, _ := f.tenant.Group("team@example.com"); g.AllowType != 3 {
		t.Fatalf("senders list stored as allow_type %d", g.AllowType)
	}
	live, err := p.Read(c, providers.ReadRequest{Type: "group", Keys: []string{"team@example.com", "TEAM@example.com", "gone@example.com", "not-an-address"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 {
		t.Fatalf("read %d groups, want 1 (missing ones are absent): %+v", len(live), live)
	}
	same(t, model.Group, live[0].Attrs, desired)

	next := desired.Clone()
	next["members"] = []string{"bob@example.com", "alice@example.com"}
	next["senders"] = "members"
	next["allowed_senders"] = nil
	if _, err := p.Update(c, "group", "team@example.com", live[0].Attrs, next); err != nil {
		t.Fatal(err)
	}
	g, _, _ := f.tenant.Group("team@example.com")
	sort.Strings(g.UserList)
	if g.AllowType != 2 || len(g.AllowUserList) != 0 || !reflect.DeepEqual(g.UserList, []string{"alice@example.com", "bob@example.com"}) {
		t.Fatalf("after update: %+v", g)
	}

	bad := next.Clone()
	bad["members"] = []string{"ghost@example.com"}
	_, err = p.Update(c, "group", "team@example.com", next, bad)
	if err == nil || errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a missing member must be an error that is not ErrNotFound: %v", err)
	}
	if _, err := p.Create(c, "group", "empty", model.Object{"email": "empty@example.com", "name": "E"}); err == nil || !strings.Contains(err.Error(), "at least one") {
		t.Fatalf("group without members: %v", err)
	}
	if err := p.Delete(c, "group", "team@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Update(c, "group", "team@example.com", next, bad); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("update of a deleted group: %v, want ErrNotFound", err)
	}
}

func TestProviderDomainsAreDeclarations(t *testing.T) {
	f := newFixture(t, nil, nil)
	p, c := NewWithClient(f.client), ctx(t)
	r, err := p.Create(c, "domain", "main", model.Object{"name": "Example.COM."})
	if err != nil || r.ID != "example.com" {
		t.Fatalf("create domain = %+v, %v", r, err)
	}
	live, err := p.Read(c, providers.ReadRequest{Type: "domain", Keys: []string{"example.com", "example.com.", "b.org"}})
	if err != nil || len(live) != 2 {
		t.Fatalf("read domains = %+v, %v", live, err)
	}
	if err := p.Delete(c, "domain", "example.com", nil); err != nil {
		t.Fatal(err)
	}
	if n := f.count.Total(); n != 0 {
		t.Fatalf("domains made %d API calls, want 0", n)
	}
}

func TestProviderSupports(t *testing.T) {
	p := &Provider{}
	tests := []struct {
		typ  string
		ok   bool
		has  string
		lack string
	}{
		{"account", true, "imap_smtp", "quota_mb"},
		{"group", true, "allowed_senders", ""},
		{"department", true, "parent", ""},
		{"domain", true, "name", ""},
		{"send_restriction", false, "", ""},
		{"backup_rule", false, "", ""},
		{"dns_record", false, "", ""},
	}
	for _, tt := range tests {
		attrs, ok := p.Supports(tt.typ)
		if ok != tt.ok {
			t.Errorf("Supports(%s) = %v", tt.typ, ok)
		}
		set := map[string]bool{}
		for _, a := range attrs {
			set[a] = true
		}
		if tt.has != "" && !set[tt.has] || tt.lack != "" && set[tt.lack] {
			t.Errorf("Supports(%s) = %v", tt.typ, attrs)
		}
	}
	if _, err := p.Read(ctx(t), providers.ReadRequest{Type: "backup_rule"}); err == nil || !strings.Contains(err.Error(), "cannot manage") {
		t.Fatalf("read of an unsupported type: %v", err)
	}
}

// A plan that changes nothing reads N accounts and G groups in 2 + G calls besides
// tokens: one department/list, one user/list, one group/get per group.
func TestNoChangeReadCost(t *testing.T) {
	f := newFixture(t, nil, nil)
	p, c := NewWithClient(f.client), ctx(t)
	const n, g = 50, 7
	for i := 0; i < n; i++ {
		f.seedUser(t, exmailapi.User{UserID: "u" + itoa(i) + "@example.com", Name: "U", Password: "x"})
	}
	var keys []string
	for i := 0; i < g; i++ {
		id := "g" + itoa(i) + "@example.com"
		f.tenant.CreateGroup(exmailapi.Group{GroupID: id, GroupName: "G", UserList: []string{"u1@example.com"}})
		keys = append(keys, id)
	}
	f.count.Reset()
	for _, req := range []providers.ReadRequest{{Type: "department"}, {Type: "account"}, {Type: "group", Keys: keys}} {
		if _, err := p.Read(c, req); err != nil {
			t.Fatal(err)
		}
	}
	calls := f.count.Snapshot()
	tokens := calls["gettoken"]
	if got := f.count.Total() - tokens; got != 2+g {
		t.Fatalf("no-change read cost %d calls (%v), want %d", got, calls, 2+g)
	}
	if tokens != 1 {
		t.Fatalf("%d token calls, want 1 (the token is cached)", tokens)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
