package exmail

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/providers/retry"
)

// docServer answers every path with the transcribed doc body of testdata/contract
// (user/get → user_get.json).
func docServer(t *testing.T) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.ReplaceAll(strings.TrimPrefix(r.URL.Path, "/cgi-bin/"), "/", "_")
		b, err := os.ReadFile("testdata/contract/" + name + ".json")
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: testCorp, ContactsSecret: testContacts,
		OptionsSecret: testOptions, RateLimit: 10000, BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

const (
	bigA  = int64(4913577855806636138)
	bigA1 = int64(4913577855806636139) // differs from bigA by one: float64 makes them equal
	bigB  = int64(5196969938080910636)
)

// The response bodies of the doc pages decode to exactly what they say: 64-bit ids
// intact and distinct, loose types (strings for numbers) read as numbers.
func TestDocResponseBodies(t *testing.T) {
	c, cx := docServer(t), ctx(t)

	ds, err := c.ListDepartments(cx, 0)
	want := []exmailapi.Department{
		{ID: bigA, Name: "广州研发中心", ParentID: 1, Order: 10},
		{ID: bigA1, Name: "邮箱产品部", ParentID: bigA, Order: 40},
		{ID: bigB, Name: "Export Sales", ParentID: 1},
	}
	if err != nil || !reflect.DeepEqual(ds, want) {
		t.Fatalf("department/list = %+v, %v\nwant %+v", ds, err, want)
	}
	found, err := c.SearchDepartments(cx, "邮箱", true)
	if err != nil || len(found) != 1 || found[0].ID != bigA1 || found[0].ParentID != bigA {
		t.Fatalf("department/search = %+v, %v", found, err)
	}
	id, err := c.CreateDepartment(cx, exmailapi.Department{Name: "X"})
	if err != nil || id != bigB {
		t.Fatalf("department/create id = %d, %v; want %d", id, err, bigB)
	}

	u, err := c.GetUser(cx, "zhangsan@gzdev.com")
	wantU := exmailapi.User{UserID: "zhangsan@gzdev.com", Name: "李四", Department: []int64{bigA, bigA1},
		Position: "后台工程师", Mobile: "15913215421", Tel: "60000", ExtID: "123456789", Gender: 1, Enable: 0,
		Slaves: []string{"zhangsan@gz.com", "zhangsan@bjdev.com"}}
	if err != nil || !reflect.DeepEqual(u, wantU) {
		t.Fatalf("user/get = %+v, %v\nwant %+v", u, err, wantU)
	}
	us, err := c.ListUsers(cx, 1, true)
	if err != nil || len(us) != 2 {
		t.Fatalf("user/list = %+v, %v", us, err)
	}
	if us[0].Enable != 1 || us[0].Gender != 1 || !reflect.DeepEqual(us[0].Department, []int64{bigA, bigA1}) {
		t.Errorf("user/list first = %+v", us[0])
	}
	if us[1].Gender != 2 || us[1].CpwdLogin != 1 || !reflect.DeepEqual(us[1].Department, []int64{bigB}) {
		t.Errorf("user/list second = %+v", us[1])
	}
	sl, err := c.SimpleListUsers(cx, 1, true)
	if err != nil || len(sl) != 1 || !reflect.DeepEqual(sl[0].Department, []int64{bigA, bigA1}) {
		t.Fatalf("user/simplelist = %+v, %v", sl, err)
	}
	owners, err := c.BatchCheck(cx, []string{"zhangsan@bjdev.com", "zhangsangroup@shdev.com", "nobody@shdev.com", "not an address"})
	if wantO := map[string]int{"zhangsan@bjdev.com": 1, "zhangsangroup@shdev.com": 3, "nobody@shdev.com": 0, "not an address": -1}; err != nil || !reflect.DeepEqual(owners, wantO) {
		t.Fatalf("user/batchcheck = %v, %v", owners, err)
	}

	g, err := c.GetGroup(cx, "zhangsangroup@gzdev.com")
	wantG := exmailapi.Group{GroupID: "zhangsangroup@gzdev.com", GroupName: "zhangsangroup",
		UserList: []string{"zhangsan@gzdev.com", "lisi@gzdev.com"}, GroupList: []string{"group@gzdev.com"},
		Department: []int64{bigA, bigA1}, AllowType: 3, AllowUserList: []string{"zhangsan@bjdev.com"}}
	if err != nil || !reflect.DeepEqual(g, wantG) {
		t.Fatalf("group/get = %+v, %v\nwant %+v", g, err, wantG)
	}
	// The provider's view of the same group: department ids as exact strings.
	if o := groupAttrs(g); !reflect.DeepEqual(o.Strings("member_departments"), []string{"4913577855806636138", "4913577855806636139"}) {
		t.Fatalf("member_departments = %v", o.Strings("member_departments"))
	}
	opts, err := c.GetUserOptions(cx, "zhangsan@gzdev.com", []int{1, 2, 3, 4})
	if wantOpt := map[int]bool{1: false, 2: true, 3: false, 4: true}; err != nil || !reflect.DeepEqual(opts, wantOpt) {
		t.Fatalf("useroption/get = %v, %v", opts, err)
	}
}

// What the client does with each errcode of the table, as the closing note of issue
// 9 lists it: not found (the planner sees an absent object), retried (token
// refreshed, or backing off), or an error with the code's meaning and a hint.
type codeHandling int

const (
	failsWithHint codeHandling = iota
	notFound
	retried
	tokenRefreshed
)

func TestEveryErrcodeOfTheTable(t *testing.T) {
	cases := map[int]struct {
		path string
		want codeHandling
	}{
		exmailapi.CodeBusy:               {"user/get", retried},
		exmailapi.CodeInvalidCredential:  {"user/get", tokenRefreshed},
		exmailapi.CodeInvalidToken:       {"user/get", tokenRefreshed},
		exmailapi.CodeTokenExpired:       {"user/get", tokenRefreshed},
		exmailapi.CodeFrequencyExceeded:  {"user/get", retried},
		exmailapi.CodeTooManyConcurrent:  {"user/get", retried},
		exmailapi.CodeConcurrencyTooHigh: {"user/get", retried},
		exmailapi.CodeUserIDNotFound:     {"user/get", notFound},
		exmailapi.CodeDeptNotFound:       {"department/list", notFound},
		exmailapi.CodeGroupNotFound:      {"group/get", notFound},
	}
	for _, code := range exmailapi.Codes() {
		if code == exmailapi.CodeOK {
			continue
		}
		tc, ok := cases[code]
		if !ok {
			tc.path = "user/update"
			if code >= 600000 {
				tc.path = "group/update"
			}
		}
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "gettoken") {
					fmt.Fprint(w, `{"errcode":0,"errmsg":"ok","access_token":"t","expires_in":7200}`)
					return
				}
				calls.Add(1)
				fmt.Fprintf(w, `{"errcode":%d,"errmsg":"doc text"}`, code)
			}))
			defer srv.Close()
			c, err := NewClient(Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: testCorp, ContactsSecret: testContacts,
				RateLimit: 10000, BackoffBase: time.Millisecond, MaxAttempts: 3, RetryTimeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			switch tc.path {
			case "user/get":
				_, err = c.GetUser(ctx(t), "a@example.com")
			case "department/list":
				_, err = c.ListDepartments(ctx(t), bigA)
			case "group/get":
				_, err = c.GetGroup(ctx(t), "g@example.com")
			case "user/update":
				err = c.UpdateUser(ctx(t), "a@example.com", map[string]any{"name": "A"})
			case "group/update":
				err = c.UpdateGroup(ctx(t), "g@example.com", map[string]any{"groupname": "G"})
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprint(code)) || !strings.Contains(msg, exmailapi.CodeMessage(code)) {
				t.Errorf("%q does not name errcode %d and its meaning", msg, code)
			}
			if hints[code] == "" {
				t.Errorf("errcode %d has no hint", code)
			} else if tc.want != notFound && !strings.Contains(msg, hints[code]) {
				t.Errorf("%q lacks the hint %q", msg, hints[code])
			}
			if got := errors.Is(err, providers.ErrNotFound); got != (tc.want == notFound) {
				t.Errorf("errors.Is(ErrNotFound) = %v for %d", got, code)
			}
			var g *retry.GaveUp
			switch tc.want {
			case retried, tokenRefreshed:
				// Sent again until the attempts ran out: a token code once more per
				// attempt after a refresh.
				if !errors.As(err, &g) || calls.Load() < 3 {
					t.Errorf("errcode %d: %d calls, %v; want it retried", code, calls.Load(), err)
				}
			default:
				if errors.As(err, &g) || calls.Load() != 1 {
					t.Errorf("errcode %d: %d calls, %v; want one call and a definite answer", code, calls.Load(), err)
				}
			}
		})
	}
}

// The service's own errmsg is kept when it says more than the code's meaning: the
// recycle bin's answer tells when the address frees up.
func TestErrmsgThatSaysMoreIsKept(t *testing.T) {
	for _, tt := range []struct{ msg, want string }{
		{"该帐号在回收站中，请7天后再创建", `(the address is in the recycle bin; the service says "该帐号在回收站中，请7天后再创建")`},
		{"the address is in the recycle bin: can be created again after 12:00", "(the address is in the recycle bin: can be created again after 12:00)"},
		{"", "(the address is in the recycle bin)"},
	} {
		e := &APIError{Endpoint: "user/create", Object: "a@example.com", Code: exmailapi.CodeInRecycleBin, Msg: tt.msg}
		if !strings.Contains(e.Error(), tt.want) || !strings.Contains(e.Error(), hints[exmailapi.CodeInRecycleBin]) {
			t.Errorf("%q: got %q, want %q and the hint", tt.msg, e.Error(), tt.want)
		}
	}
}
