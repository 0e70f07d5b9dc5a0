package exmailtenant

import (
	"context"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/exmail"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

const (
	corp     = "wwcorp-test"
	contacts = "contacts-secret"
	options  = "options-secret"
)

func openStore(t *testing.T, dir string) *tenant.Store {
	t.Helper()
	s, err := tenant.Open(dir, tenant.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serve starts the Exmail handler over the sandbox in dir and returns a client.
func serve(t *testing.T, s *tenant.Store) *exmail.Client {
	t.Helper()
	tn, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(exmailapi.NewHandler(tn, exmailapi.Options{CorpID: corp,
		Secrets: map[string]string{exmailapi.AppContacts: contacts, exmailapi.AppOptions: options}}))
	t.Cleanup(srv.Close)
	c, err := exmail.NewClient(exmail.Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: corp,
		ContactsSecret: contacts, OptionsSecret: options, RateLimit: 1000, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestServedWritesAreDurableAndVisibleToTheStore writes through the API, reopens the
// directory and checks what the sandbox store (and so the sandbox provider) sees.
func TestServedWritesAreDurableAndVisibleToTheStore(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	c := serve(t, s)
	ctx := context.Background()

	eng, err := c.CreateDepartment(ctx, exmailapi.Department{Name: "Eng", ParentID: 1, Order: 3})
	if err != nil {
		t.Fatal(err)
	}
	web, err := c.CreateDepartment(ctx, exmailapi.Department{Name: "Web", ParentID: eng})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateUser(ctx, map[string]any{"userid": "Alice@Example.com", "name": "Alice",
		"department": []int64{web}, "password": "S3cret-pw", "slaves": []string{"al@example.com"}, "position": "Lead"}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateUser(ctx, map[string]any{"userid": "bob@example.com", "name": "Bob", "department": []int64{1}, "password": "pw-bob-1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateUserOptions(ctx, "alice@example.com", map[int]bool{exmailapi.OptionIMAPSMTP: false, exmailapi.OptionForceSecureLogin: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateGroup(ctx, map[string]any{"groupid": "all@example.com", "groupname": "All",
		"userlist": []string{"alice@example.com"}, "department": []int64{eng}, "allow_type": 3, "allow_userlist": []string{"bob@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateUser(ctx, "bob@example.com", map[string]any{"enable": 0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, dir)
	defer s.Close()
	get := func(typ, id string) model.Object {
		o, err := s.Get(typ, id)
		if err != nil {
			t.Fatalf("%s %s after reopening: %v", typ, id, err)
		}
		return o
	}
	engID, webID := strconv.FormatInt(eng, 10), strconv.FormatInt(web, 10)
	if eng != tenant.FirstDepartmentID || web != eng+1 {
		t.Errorf("department ids %d, %d; want the sandbox's big neighbours %d, %d", eng, web, tenant.FirstDepartmentID, tenant.FirstDepartmentID+1)
	}
	if d := get("department", webID); d.Str("parent") != engID || d.Str("name") != "Web" {
		t.Errorf("department %s = %v", webID, d)
	}
	if d := get("department", engID); d.Str("parent") != "" || d.Int("order") != 3 {
		t.Errorf("department %s = %v; want top level with order 3", engID, d)
	}
	a := get("account", "alice@example.com")
	want := model.Object{"email": "alice@example.com", "name": "Alice", "departments": []string{webID},
		"aliases": []string{"al@example.com"}, "position": "Lead", "status": "active",
		"imap_smtp": false, "force_secure_login": true}
	for k, v := range want {
		if !model.Equal(a[k], v) {
			t.Errorf("alice.%s = %v, want %v", k, a[k], v)
		}
	}
	if ok, err := s.CheckPassword("alice@example.com", "S3cret-pw"); !ok || err != nil {
		t.Errorf("alice's password not stored: %v %v", ok, err)
	}
	if b := get("account", "bob@example.com"); b.Str("status") != "frozen" || len(b.Strings("departments")) != 0 {
		t.Errorf("bob = %v; want frozen, in the root only", b)
	}
	g := get("group", "all@example.com")
	if g.Str("senders") != "list" || !reflect.DeepEqual(g.Strings("allowed_senders"), []string{"bob@example.com"}) ||
		!reflect.DeepEqual(g.Strings("member_departments"), []string{engID}) {
		t.Errorf("group = %v", g)
	}

	// A new Tenant over the reopened store serves the same objects.
	c = serve(t, s)
	u, err := c.GetUser(ctx, "ALICE@example.com")
	if err != nil || u.Name != "Alice" || !reflect.DeepEqual(u.Department, []int64{web}) {
		t.Fatalf("user/get after reopening = %+v, %v", u, err)
	}
	opts, err := c.GetUserOptions(ctx, "alice@example.com", []int{1, 2, 3})
	if err != nil || opts[1] != true || opts[2] != false || opts[3] != true {
		t.Fatalf("useroption/get = %v, %v; want force secure login on, IMAP off, POP default on", opts, err)
	}
	users, err := c.ListUsers(ctx, 1, true)
	if err != nil || len(users) != 2 || users[0].UserID != "alice@example.com" {
		t.Fatalf("user/list = %+v, %v", users, err)
	}
	// Deletes reach the store, and a department with members is refused by the handler.
	if err := c.DeleteDepartment(ctx, web); err == nil || !strings.Contains(err.Error(), "60005") {
		t.Fatalf("deleting a department with members: %v; want 60005", err)
	}
	for _, step := range []func() error{
		func() error { return c.DeleteGroup(ctx, "all@example.com") },
		func() error { return c.DeleteUser(ctx, "alice@example.com") },
		func() error { return c.DeleteDepartment(ctx, web) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range [][2]string{{"group", "all@example.com"}, {"account", "alice@example.com"}, {"department", webID}} {
		if _, err := s.Get(id[0], id[1]); err == nil {
			t.Errorf("%s %s still stored after its delete", id[0], id[1])
		}
	}
}

func TestAccountObjectKeepsWhatTheAPIDoesNotCarry(t *testing.T) {
	tests := []struct {
		name string
		u    exmailapi.User
		old  model.Object
		want model.Object // attributes checked; nil value = absent
	}{
		{name: "departed stays departed when disabled",
			u:    exmailapi.User{UserID: "a@x.com", Name: "A", Department: []int64{1}, Enable: 0},
			old:  model.Object{"email": "a@x.com", "status": "departed", "quota_mb": int64(2048), "departments": []string{"5"}},
			want: model.Object{"status": "departed", "quota_mb": int64(2048), "departments": nil}},
		{name: "enabling makes it active",
			u:    exmailapi.User{UserID: "a@x.com", Name: "A", Department: []int64{1, 4}, Enable: 1},
			old:  model.Object{"email": "a@x.com", "status": "frozen"},
			want: model.Object{"status": "active", "departments": []string{"1", "4"}}},
		{name: "new user, emptied fields absent, password passed on",
			u:    exmailapi.User{UserID: "B@X.com", Name: "B", Enable: 1, Password: "pw", Slaves: []string{"Bb@X.com"}},
			want: model.Object{"email": "b@x.com", "position": nil, "aliases": []string{"bb@x.com"}, "password": "pw", "force_password_change": nil}},
		{name: "cpwd_login off is written where it was set",
			u:    exmailapi.User{UserID: "a@x.com", Name: "A", Enable: 1},
			old:  model.Object{"email": "a@x.com", "force_password_change": true, "position": "Old"},
			want: model.Object{"force_password_change": false, "position": nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := accountObject(tc.u, tc.old)
			for k, v := range tc.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

func TestGroupRoundTrip(t *testing.T) {
	for typ := range senders {
		g := exmailapi.Group{GroupID: "g@x.com", GroupName: "G", UserList: []string{"a@x.com"},
			GroupList: []string{"h@x.com"}, Department: []int64{7}, AllowType: typ, AllowUserList: []string{"b@x.com"}}
		if got := group(groupObject(g)); !reflect.DeepEqual(got, g) {
			t.Errorf("allow_type %d: round trip = %+v, want %+v", typ, got, g)
		}
	}
}

func TestWritesOnAClosedStoreFail(t *testing.T) {
	s := openStore(t, t.TempDir())
	tn, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := tn.CreateUser(exmailapi.User{UserID: "a@x.com", Name: "A", Enable: 1}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("CreateUser on a closed store: %v", err)
	}
	if _, err := tn.CreateDepartment(exmailapi.Department{Name: "D", ParentID: 1}); err == nil {
		t.Error("CreateDepartment on a closed store succeeded")
	}
	if err := tn.UpdateUser(exmailapi.User{UserID: "nobody@x.com"}); err == nil || !strings.Contains(err.Error(), "not stored") {
		t.Errorf("UpdateUser of a missing account: %v", err)
	}
	if err := tn.SetUserOptions("nobody@x.com", map[int]string{2: "1"}); err == nil {
		t.Error("SetUserOptions of a missing account succeeded")
	}
	if err := tn.UpdateGroup(exmailapi.Group{GroupID: "nobody@x.com"}); err == nil {
		t.Error("UpdateGroup of a missing group succeeded")
	}
	if _, ok, _ := tn.User("a@x.com"); ok {
		t.Error("a failed create is in the in-memory copy")
	}
}

// Tag members seeded for an address (as --group-tags does) belong to the group made
// there, count as members, survive its updates and are never written to the store.
func TestGroupTags(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	tn, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	tn.SetGroupTags("All@example.com", []int64{7, 9})
	if err := tn.CreateGroup(exmailapi.Group{GroupID: "all@example.com", GroupName: "All"}); err != nil {
		t.Fatal(err)
	}
	g, ok, err := tn.Group("ALL@example.com")
	if err != nil || !ok || !reflect.DeepEqual(g.TagList, []int64{7, 9}) {
		t.Fatalf("group = %+v, %v, %v; want tags 7, 9", g, ok, err)
	}
	g.GroupName = "Everyone"
	g.TagList = nil // what a write carries does not touch the tags
	if err := tn.UpdateGroup(g); err != nil {
		t.Fatal(err)
	}
	all, _ := tn.Groups()
	if len(all) != 1 || all[0].GroupName != "Everyone" || len(all[0].TagList) != 2 {
		t.Fatalf("groups = %+v", all)
	}
	if o, err := s.Get("group", "all@example.com"); err != nil || len(o) == 0 || strings.Contains(fmt.Sprint(o), "7") {
		t.Fatalf("stored group = %v, %v; tags are not the store's", o, err)
	}
}
