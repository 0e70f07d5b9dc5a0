package exmail

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

func TestDepartmentEndpoints(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := ctx(t)
	sales, err := f.client.CreateDepartment(c, exmailapi.Department{Name: "Sales", Order: 3})
	if err != nil {
		t.Fatal(err)
	}
	emea, err := f.client.CreateDepartment(c, exmailapi.Department{Name: "EMEA", ParentID: sales})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.client.UpdateDepartment(c, emea, map[string]any{"name": "Europe", "order": 7}); err != nil {
		t.Fatal(err)
	}
	ds, err := f.client.ListDepartments(c, sales)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[1].Name != "Europe" || ds[1].Order != 7 || ds[1].ParentID != sales {
		t.Fatalf("department/list of Sales = %+v", ds)
	}
	found, err := f.client.SearchDepartments(c, "eur", true)
	if err != nil || len(found) != 1 || found[0].ID != emea {
		t.Fatalf("department/search eur = %+v, %v", found, err)
	}
	f.seedUser(t, exmailapi.User{UserID: "bob@example.com", Name: "Bob", Department: []int64{emea}, Password: "x"})

	tests := []struct {
		name string
		call func() error
		code int
	}{
		{"name too long", func() error {
			_, err := f.client.CreateDepartment(c, exmailapi.Department{Name: strings.Repeat("n", 65)})
			return err
		}, exmailapi.CodeDeptNameLength},
		{"name with colon", func() error {
			_, err := f.client.CreateDepartment(c, exmailapi.Department{Name: "a:b"})
			return err
		}, exmailapi.CodeDeptNameInvalidChars},
		{"parent missing", func() error {
			_, err := f.client.CreateDepartment(c, exmailapi.Department{Name: "X", ParentID: 999})
			return err
		}, exmailapi.CodeParentDeptNotFound},
		{"sibling exists", func() error {
			_, err := f.client.CreateDepartment(c, exmailapi.Department{Name: "sales"})
			return err
		}, exmailapi.CodeDeptExists},
		{"update missing", func() error { return f.client.UpdateDepartment(c, 999, map[string]any{"name": "Y"}) }, exmailapi.CodeDeptNotFound},
		{"update under own child", func() error { return f.client.UpdateDepartment(c, sales, map[string]any{"parentid": emea}) }, exmailapi.CodeParentDeptNotFound},
		{"delete with members", func() error { return f.client.DeleteDepartment(c, emea) }, exmailapi.CodeDeptHasMembers},
		{"delete with children", func() error { return f.client.DeleteDepartment(c, sales) }, exmailapi.CodeDeptHasChildren},
		{"delete root", func() error { return f.client.DeleteDepartment(c, 1) }, exmailapi.CodeDeptIsRoot},
		{"delete missing", func() error { return f.client.DeleteDepartment(c, 999) }, exmailapi.CodeDeptNotFound},
		{"list missing", func() error { _, err := f.client.ListDepartments(c, 999); return err }, exmailapi.CodeDeptNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := errCode(err); got != tt.code {
				t.Fatalf("errcode = %d (%v), want %d", got, err, tt.code)
			}
		})
	}
	if err := f.tenant.DeleteUser("bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := f.client.DeleteDepartment(c, emea); err != nil {
		t.Fatalf("delete of an empty department: %v", err)
	}
}

func TestUserEndpoints(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := ctx(t)
	dept, err := f.client.CreateDepartment(c, exmailapi.Department{Name: "Ops"})
	if err != nil {
		t.Fatal(err)
	}
	alice := map[string]any{"userid": "alice@example.com", "name": "Alice", "department": []int64{dept},
		"password": "Pw-1", "mobile": "+8613800000000", "slaves": []string{"a@example.com"}, "gender": "2", "extid": "E1"}
	if err := f.client.CreateUser(c, alice); err != nil {
		t.Fatal(err)
	}
	u, err := f.client.GetUser(c, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "Alice" || u.Enable != 1 || u.Gender != 2 || u.ExtID != "E1" || len(u.Slaves) != 1 || u.Department[0] != dept {
		t.Fatalf("user/get = %+v", u)
	}
	if err := f.client.UpdateUser(c, "alice@example.com", map[string]any{"enable": 0, "position": "Lead"}); err != nil {
		t.Fatal(err)
	}
	// Two reads cover both renderings of enable and gender (number and string).
	for i := 0; i < 2; i++ {
		u, err = f.client.GetUser(c, "alice@example.com")
		if err != nil || u.Enable != 0 || u.Position != "Lead" || u.Gender != 2 {
			t.Fatalf("after update, read %d: %+v, %v", i, u, err)
		}
	}
	for _, fetchChild := range []bool{false, true} {
		list, err := f.client.ListUsers(c, 1, fetchChild)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 0, true: 1}[fetchChild]; len(list) != want {
			t.Fatalf("user/list fetch_child=%v: %d users, want %d", fetchChild, len(list), want)
		}
	}
	simple, err := f.client.SimpleListUsers(c, dept, false)
	if err != nil || len(simple) != 1 || simple[0].UserID != "alice@example.com" {
		t.Fatalf("user/simplelist = %+v, %v", simple, err)
	}
	f.tenant.CreateGroup(exmailapi.Group{GroupID: "all@example.com", GroupName: "All", UserList: []string{"alice@example.com"}})
	kinds, err := f.client.BatchCheck(c, []string{"alice@example.com", "a@example.com", "all@example.com", "free@example.com", "nonsense"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"alice@example.com": 1, "a@example.com": 2, "all@example.com": 3, "free@example.com": 0, "nonsense": -1}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("batchcheck %s = %d, want %d", k, kinds[k], v)
		}
	}

	many := make([]int64, 21)
	for i := range many {
		many[i] = 1
	}
	base := func(id string, extra map[string]any) map[string]any {
		m := map[string]any{"userid": id, "name": "N", "department": []int64{1}, "password": "p"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		call func() error
		code int
	}{
		{"userid exists", func() error { return f.client.CreateUser(c, base("ALICE@example.com", nil)) }, exmailapi.CodeUserIDExists},
		{"userid is an alias", func() error { return f.client.CreateUser(c, base("a@example.com", nil)) }, exmailapi.CodeUserIDExists},
		{"userid is a group", func() error { return f.client.CreateUser(c, base("all@example.com", nil)) }, exmailapi.CodeUserIDExists},
		{"invalid userid", func() error { return f.client.CreateUser(c, base("not-an-address", nil)) }, exmailapi.CodeInvalidUserID},
		{"mobile exists", func() error {
			return f.client.CreateUser(c, base("carol@example.com", map[string]any{"mobile": "+8613800000000"}))
		}, exmailapi.CodeMobileExists},
		{"more than 20 departments", func() error {
			return f.client.CreateUser(c, base("dan@example.com", map[string]any{"department": many}))
		}, exmailapi.CodeTooManyDepartments},
		{"department missing", func() error {
			return f.client.CreateUser(c, base("dan@example.com", map[string]any{"department": []int64{999}}))
		}, exmailapi.CodeDeptNotFound},
		{"six aliases", func() error {
			return f.client.CreateUser(c, base("dan@example.com", map[string]any{"slaves": []string{"1@e.com", "2@e.com", "3@e.com", "4@e.com", "5@e.com", "6@e.com"}}))
		}, exmailapi.CodeInvalidParameter},
		{"get missing", func() error { _, err := f.client.GetUser(c, "nobody@example.com"); return err }, exmailapi.CodeUserIDNotFound},
		{"update missing", func() error { return f.client.UpdateUser(c, "nobody@example.com", map[string]any{"name": "N"}) }, exmailapi.CodeUserIDNotFound},
		{"delete missing", func() error { return f.client.DeleteUser(c, "nobody@example.com") }, exmailapi.CodeUserIDNotFound},
		{"list missing department", func() error { _, err := f.client.ListUsers(c, 999, true); return err }, exmailapi.CodeDeptNotFound},
		{"batchcheck of 21", func() error { _, err := f.client.BatchCheck(c, make([]string, 21)); return err }, exmailapi.CodeBatchCheckTooMany},
		{"batchcheck of none", func() error { _, err := f.client.BatchCheck(c, []string{}); return err }, exmailapi.CodeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := errCode(err); got != tt.code {
				t.Fatalf("errcode = %d (%v), want %d", got, err, tt.code)
			}
		})
	}
	if err := f.client.DeleteUser(c, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.GetUser(c, "alice@example.com"); !IsNotFound(err) {
		t.Fatalf("deleted user still readable: %v", err)
	}
}

func TestGroupAndOptionEndpoints(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := ctx(t)
	f.seedUser(t, exmailapi.User{UserID: "alice@example.com", Name: "Alice", Password: "x", Slaves: []string{"al@example.com"}})
	g := map[string]any{"groupid": "team@example.com", "groupname": "Team", "userlist": []string{"alice@example.com"}, "allow_type": 3, "allow_userlist": []string{"boss@other.com"}}
	if err := f.client.CreateGroup(c, g); err != nil {
		t.Fatal(err)
	}
	if err := f.client.UpdateGroup(c, "team@example.com", map[string]any{"groupname": "The Team", "department": []int64{1}}); err != nil {
		t.Fatal(err)
	}
	got, err := f.client.GetGroup(c, "team@example.com")
	if err != nil || got.GroupName != "The Team" || got.AllowType != 3 || len(got.Department) != 1 || got.UserList[0] != "alice@example.com" {
		t.Fatalf("group/get = %+v, %v", got, err)
	}
	opts, err := f.client.GetUserOptions(c, "alice@example.com", []int{1, 2, 3, 4})
	if err != nil || opts[1] || !opts[2] || !opts[3] || opts[4] {
		t.Fatalf("default options = %v, %v", opts, err)
	}
	if err := f.client.UpdateUserOptions(c, "alice@example.com", map[int]bool{1: true, 2: false}); err != nil {
		t.Fatal(err)
	}
	opts, err = f.client.GetUserOptions(c, "alice@example.com", []int{1, 2, 3, 4})
	if err != nil || !opts[1] || opts[2] || !opts[3] || !opts[4] {
		t.Fatalf("options after update = %v, %v", opts, err)
	}

	tests := []struct {
		name string
		call func() error
		code int
	}{
		{"create existing", func() error { return f.client.CreateGroup(c, g) }, exmailapi.CodeGroupExists},
		{"create at an account's address", func() error {
			return f.client.CreateGroup(c, map[string]any{"groupid": "ALICE@example.com", "groupname": "G", "userlist": []string{"alice@example.com"}})
		}, exmailapi.CodeGroupAddressClash},
		{"create at an alias", func() error {
			return f.client.CreateGroup(c, map[string]any{"groupid": "al@example.com", "groupname": "G", "userlist": []string{"alice@example.com"}})
		}, exmailapi.CodeGroupAddressClash},
		{"member department missing", func() error {
			return f.client.CreateGroup(c, map[string]any{"groupid": "g2@example.com", "groupname": "G", "department": []int64{exmailapi.FirstDepartmentID}})
		}, exmailapi.CodeGroupMemberDeptGone},
		{"member group missing", func() error {
			return f.client.CreateGroup(c, map[string]any{"groupid": "g2@example.com", "groupname": "G", "grouplist": []string{"nogroup@example.com"}})
		}, exmailapi.CodeGroupMemberGroupGone},
		{"member not an address", func() error {
			return f.client.CreateGroup(c, map[string]any{"groupid": "g2@example.com", "groupname": "G", "userlist": []string{"alice"}})
		}, exmailapi.CodeGroupBadUserList},
		{"group in itself", func() error {
			return f.client.UpdateGroup(c, "team@example.com", map[string]any{"grouplist": []string{"team@example.com"}})
		}, exmailapi.CodeGroupBadGroupList},
		{"department id 0", func() error {
			return f.client.UpdateGroup(c, "team@example.com", map[string]any{"department": []int64{0}})
		}, exmailapi.CodeGroupBadDepartment},
		{"allow_type 7", func() error {
			return f.client.UpdateGroup(c, "team@example.com", map[string]any{"allow_type": 7})
		}, exmailapi.CodeGroupBadAllowType},
		{"allow_userlist not addresses", func() error {
			return f.client.UpdateGroup(c, "team@example.com", map[string]any{"allow_userlist": []string{"boss"}})
		}, exmailapi.CodeGroupBadAllowUsers},
		{"allow_type 3 without addresses", func() error {
			return f.client.UpdateGroup(c, "team@example.com", map[string]any{"allow_userlist": []string{}})
		}, exmailapi.CodeGroupBadAllowList},
		{"taglist cannot be set", func() error {
			return f.client.UpdateGroup(c, "team@example.com", map[string]any{"taglist": []any{}})
		}, exmailapi.CodeInvalidParameter},
		{"create without members", func() error {
			return f.client.CreateGroup(c, map[string]any{"groupid": "empty@example.com", "groupname": "E"})
		}, exmailapi.CodeInvalidParameter},
		{"member missing", func() error {
			return f.client.CreateGroup(c, map[string]any{"groupid": "g2@example.com", "groupname": "G", "userlist": []string{"ghost@example.com"}})
		}, exmailapi.CodeGroupMemberUserGone},
		{"get missing", func() error { _, err := f.client.GetGroup(c, "nogroup@example.com"); return err }, exmailapi.CodeGroupNotFound},
		{"update missing", func() error { return f.client.UpdateGroup(c, "nogroup@example.com", map[string]any{"groupname": "x"}) }, exmailapi.CodeGroupNotFound},
		{"delete missing", func() error { return f.client.DeleteGroup(c, "nogroup@example.com") }, exmailapi.CodeGroupNotFound},
		{"options of missing user", func() error { _, err := f.client.GetUserOptions(c, "nobody@example.com", []int{1}); return err }, exmailapi.CodeUserIDNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := errCode(err); got != tt.code {
				t.Fatalf("errcode = %d (%v), want %d", got, err, tt.code)
			}
		})
	}
	if err := f.client.DeleteGroup(c, "team@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.tenant.Group("team@example.com"); ok {
		t.Fatal("group/delete left the group")
	}
}

func TestErrorsNameObjectEndpointAndMeaning(t *testing.T) {
	f := newFixture(t, nil, nil)
	c := ctx(t)
	f.seedUser(t, exmailapi.User{UserID: "alice@example.com", Name: "Alice", Password: "x"})
	err := f.client.CreateUser(c, map[string]any{"userid": "alice@example.com", "name": "A", "department": []int64{1}, "password": "p"})
	want := "exmail user/create alice@example.com: errcode 60102 (userid exists"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error = %v, want prefix %q", err, want)
	}
	_, err = f.client.GetUser(c, "ghost@example.com")
	if !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("user/get of a missing user does not match providers.ErrNotFound: %v", err)
	}
	err = f.client.UpdateUser(c, "alice@example.com", map[string]any{"department": []int64{999}})
	if errCode(err) != exmailapi.CodeDeptNotFound || errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("a missing department in user/update must not read as a missing user: %v", err)
	}
}

func TestCredentialErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*Config)
		call func(f *fixture) error
		code int
		hint string
	}{
		{"wrong contacts secret", func(c *Config) { c.ContactsSecret = "wrong" },
			func(f *fixture) error { _, err := f.client.ListDepartments(context.Background(), 0); return err },
			exmailapi.CodeInvalidCredential, "contacts_secret"},
		{"wrong corp id", func(c *Config) { c.CorpID = "other" },
			func(f *fixture) error { _, err := f.client.ListDepartments(context.Background(), 0); return err },
			exmailapi.CodeInvalidCredential, "corp_id"},
		{"contacts token on an options endpoint", func(c *Config) { c.OptionsSecret = testContacts },
			func(f *fixture) error {
				_, err := f.client.GetUserOptions(context.Background(), "alice@example.com", []int{1})
				return err
			}, exmailapi.CodeNoPermission, "permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, tt.cfg)
			f.seedUser(t, exmailapi.User{UserID: "alice@example.com", Name: "Alice", Password: "x"})
			err := tt.call(f)
			if errCode(err) != tt.code || !strings.Contains(err.Error(), tt.hint) {
				t.Fatalf("error = %v, want errcode %d and a hint about %s", err, tt.code, tt.hint)
			}
			for _, s := range []string{testContacts, testOptions} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error shows a secret: %v", err)
				}
			}
		})
	}
	if _, err := NewClient(Config{CorpID: "x"}); err == nil || !strings.Contains(err.Error(), "EXMAIL_CONTACTS_SECRET") {
		t.Fatalf("missing secret: %v", err)
	}
	f := newFixture(t, nil, func(c *Config) { c.OptionsSecret = "" })
	if _, err := f.client.GetUserOptions(ctx(t), "a@example.com", []int{1}); err == nil || !strings.Contains(err.Error(), "options_secret") {
		t.Fatalf("missing options secret: %v", err)
	}
}
