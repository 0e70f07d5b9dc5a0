package exmailapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type server struct {
	t     *testing.T
	url   string
	count *Counters
	now   time.Time
}

func newServer(t *testing.T, tweak func(*Options)) *server {
	s := &server{t: t, count: &Counters{}, now: time.Unix(1_700_000_000, 0)}
	o := Options{CorpID: "corp", Secrets: map[string]string{AppContacts: "cs", AppOptions: "os"}, Counters: s.count,
		Now: func() time.Time { return s.now }}
	if tweak != nil {
		tweak(&o)
	}
	srv := httptest.NewServer(NewHandler(NewMemTenant(), o))
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/cgi-bin/"
	return s
}

// call sends one request and decodes the JSON answer; status is the HTTP status.
func (s *server) call(method, path, query string, body any) (status int, resp map[string]any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path+"?"+query, rd)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer r.Body.Close()
	_ = json.NewDecoder(r.Body).Decode(&resp)
	return r.StatusCode, resp
}

func code(resp map[string]any) int {
	f, _ := resp["errcode"].(float64)
	return int(f)
}

func (s *server) token(secret string) string {
	_, r := s.call("GET", "gettoken", "corpid=corp&corpsecret="+secret, nil)
	tok, _ := r["access_token"].(string)
	if tok == "" {
		s.t.Fatalf("gettoken: %v", r)
	}
	return tok
}

func TestAuth(t *testing.T) {
	s := newServer(t, func(o *Options) { o.TokenTTL = time.Hour })
	tok := s.token("cs")
	tests := []struct {
		name       string
		method     string
		path, q    string
		body       any
		wantCode   int
		wantStatus int
	}{
		{"wrong secret", "GET", "gettoken", "corpid=corp&corpsecret=nope", nil, CodeInvalidCredential, 200},
		{"wrong corp", "GET", "gettoken", "corpid=x&corpsecret=cs", nil, CodeInvalidCredential, 200},
		{"no token", "GET", "department/list", "", nil, CodeInvalidToken, 200},
		{"unknown token", "GET", "department/list", "access_token=forged", nil, CodeInvalidToken, 200},
		{"contacts token on options", "POST", "useroption/get", "access_token=" + tok, map[string]any{"userid": "a@b.c", "type": []int{1}}, CodeNoPermission, 200},
		{"valid", "GET", "department/list", "access_token=" + tok, nil, CodeOK, 200},
		{"unknown endpoint", "GET", "domain/list", "access_token=" + tok, nil, 0, 404},
		{"wrong method", "GET", "user/create", "access_token=" + tok, nil, 0, 405},
		{"bad JSON", "POST", "user/create", "access_token=" + tok, "[", CodeInvalidParameter, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, r := s.call(tt.method, tt.path, tt.q, tt.body)
			if st != tt.wantStatus || (st == 200 && code(r) != tt.wantCode) {
				t.Fatalf("status %d errcode %d (%v), want %d / %d", st, code(r), r, tt.wantStatus, tt.wantCode)
			}
		})
	}
	s.now = s.now.Add(2 * time.Hour)
	if _, r := s.call("GET", "department/list", "access_token="+tok, nil); code(r) != CodeTokenExpired {
		t.Fatalf("expired token: %v", r)
	}
}

func TestLooseTypesAlternate(t *testing.T) {
	s := newServer(t, nil)
	tok := s.token("cs")
	_, r := s.call("POST", "user/create", "access_token="+tok, map[string]any{"userid": "a@b.cn", "name": "A", "department": []string{"1"}, "password": "p", "gender": "1"})
	if code(r) != 0 || r["errmsg"] != "created" {
		t.Fatalf("user/create: %v", r)
	}
	kinds := map[string]bool{}
	for i := 0; i < 4; i++ {
		_, u := s.call("GET", "user/get", "access_token="+tok+"&userid=a@b.cn", nil)
		switch u["enable"].(type) {
		case float64:
			kinds["number"] = true
		case string:
			kinds["string"] = true
		}
	}
	if !kinds["number"] || !kinds["string"] {
		t.Fatalf("enable came back only as %v; clients must meet both", kinds)
	}
	// One user/list answer mixes the forms across its items too.
	_, r = s.call("POST", "user/create", "access_token="+tok, map[string]any{"userid": "b@b.cn", "name": "B", "department": []int{1}, "password": "p", "gender": 2})
	if code(r) != 0 {
		t.Fatal(r)
	}
	_, l := s.call("GET", "user/list", "access_token="+tok+"&department_id=1&fetch_child=1", nil)
	items := l["userlist"].([]any)
	if len(items) != 2 {
		t.Fatalf("user/list = %v", l)
	}
	a, b := items[0].(map[string]any), items[1].(map[string]any)
	if fmt.Sprintf("%T", a["enable"]) == fmt.Sprintf("%T", b["enable"]) || fmt.Sprintf("%T", a["gender"]) == fmt.Sprintf("%T", b["gender"]) {
		t.Fatalf("user/list items use one form for enable and gender: %v", items)
	}
}

func TestFaultsAndRateLimit(t *testing.T) {
	tests := []struct {
		name   string
		opts   func(*Options)
		status int // 0: connection dropped
		code   int
		key    string
	}{
		{"busy", func(o *Options) { o.Faults = map[Fault]float64{FaultBusy: 1} }, 200, CodeBusy, "fault:busy"},
		{"throttle", func(o *Options) { o.Faults = map[Fault]float64{FaultThrottle: 1} }, 200, CodeFrequencyExceeded, "fault:throttle"},
		{"502", func(o *Options) { o.Faults = map[Fault]float64{FaultBadGateway: 1} }, 502, 0, "fault:502"},
		{"drop", func(o *Options) { o.Faults = map[Fault]float64{FaultDrop: 1} }, 0, 0, "fault:drop"},
		{"rate limit", func(o *Options) { o.RateLimit = 1 }, 200, CodeFrequencyExceeded, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.opts)
			var st int
			var r map[string]any
			for i := 0; i < 2; i++ { // the rate limit lets the first call through
				st, r = s.call("GET", "gettoken", "corpid=corp&corpsecret=cs", nil)
			}
			if st != tt.status || (st == 200 && code(r) != tt.code) {
				t.Fatalf("status %d errcode %d, want %d / %d", st, code(r), tt.status, tt.code)
			}
			if tt.key != "" && s.count.Get(tt.key) != 2 {
				t.Fatalf("counters %v", s.count.Snapshot())
			}
			if s.count.Get("gettoken") != 2 || s.count.Total() != 2 {
				t.Fatalf("counters %v, want 2 gettoken calls", s.count.Snapshot())
			}
		})
	}
}

// The write is done before the answer is dropped: that is what makes a client's
// unknown outcome real.
func TestDropHappensAfterTheWrite(t *testing.T) {
	tenant := NewMemTenant()
	h := NewHandler(tenant, Options{CorpID: "corp", Secrets: map[string]string{AppContacts: "cs"},
		Faults: map[Fault]float64{FaultDrop: 1}}).(*handler)
	// The token comes straight from the handler: over HTTP its answer would be dropped too.
	tok, err := h.getToken(&call{query: map[string][]string{"corpid": {"corp"}, "corpsecret": {"cs"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := strings.NewReader(`{"userid":"x@y.cn","name":"X","department":[1],"password":"p"}`)
	if _, err := http.Post(srv.URL+"/cgi-bin/user/create?access_token="+tok["access_token"].(string), "application/json", body); err == nil {
		t.Fatal("the connection was not dropped")
	}
	if _, ok, _ := tenant.User("x@y.cn"); !ok {
		t.Fatal("the dropped create was not carried out")
	}
}

func TestUserOptionRules(t *testing.T) {
	s := newServer(t, nil)
	ctok, otok := s.token("cs"), s.token("os")
	if _, r := s.call("POST", "user/create", "access_token="+ctok, map[string]any{"userid": "a@b.cn", "name": "A", "department": []int{1}, "password": "p"}); code(r) != 0 {
		t.Fatal(r)
	}
	tests := []struct {
		name string
		body map[string]any
		want int
	}{
		{"secure login is read-only", map[string]any{"userid": "a@b.cn", "option": []map[string]any{{"type": 4, "value": "1"}}}, CodeInvalidParameter},
		{"unknown type", map[string]any{"userid": "a@b.cn", "option": []map[string]any{{"type": 9, "value": "1"}}}, CodeInvalidParameter},
		{"value not 0/1", map[string]any{"userid": "a@b.cn", "option": []map[string]any{{"type": 2, "value": "yes"}}}, CodeInvalidParameter},
		{"no options", map[string]any{"userid": "a@b.cn"}, CodeInvalidParameter},
		{"missing user", map[string]any{"userid": "z@b.cn", "option": []map[string]any{{"type": 2, "value": "1"}}}, CodeUserIDNotFound},
		{"type as string", map[string]any{"userid": "a@b.cn", "option": []map[string]any{{"type": "2", "value": "0"}}}, CodeOK},
	}
	for _, tt := range tests {
		if _, r := s.call("POST", "useroption/update", "access_token="+otok, tt.body); code(r) != tt.want {
			t.Errorf("%s: %v, want errcode %d", tt.name, r, tt.want)
		}
	}
}

func TestConcurrencyLimit(t *testing.T) {
	s := newServer(t, func(o *Options) { o.MaxInFlight = 2; o.Latency = 300 * time.Millisecond })
	codes := make(chan int, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, r := s.call("GET", "gettoken", "corpid=corp&corpsecret=cs", nil)
			codes <- code(r)
		}()
	}
	got := map[int]int{}
	for i := 0; i < 3; i++ {
		got[<-codes]++
	}
	if got[CodeOK] != 2 || got[CodeConcurrencyTooHigh] != 1 {
		t.Fatalf("three calls at once with MaxInFlight 2 answered %v; want two 0 and one 40093", got)
	}
	if s.count.Get("fault:concurrency") != 1 {
		t.Fatalf("counters %v", s.count.Snapshot())
	}
	// The refused call and the finished ones no longer count.
	if _, r := s.call("GET", "gettoken", "corpid=corp&corpsecret=cs", nil); code(r) != CodeOK {
		t.Fatalf("a call after the others finished: %v", r)
	}
}

func TestRecycleBin(t *testing.T) {
	for _, window := range []time.Duration{0, 10 * time.Minute} {
		s := newServer(t, func(o *Options) { o.RecycleWindow = window })
		tok := s.token("cs")
		create := func() map[string]any {
			_, r := s.call("POST", "user/create", "access_token="+tok, map[string]any{"userid": "a@b.cn", "name": "A", "department": []int{1}, "password": "p"})
			return r
		}
		if r := create(); code(r) != 0 {
			t.Fatal(r)
		}
		if _, r := s.call("GET", "user/delete", "access_token="+tok+"&userid=A@b.cn", nil); code(r) != 0 {
			t.Fatal(r)
		}
		r := create()
		if window == 0 {
			if code(r) != 0 {
				t.Fatalf("no recycle bin: re-create answered %v", r)
			}
			continue
		}
		if code(r) != CodeInRecycleBin || !strings.Contains(r["errmsg"].(string), "a@b.cn") {
			t.Fatalf("re-create within the window: %v, want 60116 naming the address", r)
		}
		// Another address is not affected; after the window the address is free.
		if _, r := s.call("POST", "user/create", "access_token="+tok, map[string]any{"userid": "b@b.cn", "name": "B", "department": []int{1}, "password": "p"}); code(r) != 0 {
			t.Fatal(r)
		}
		s.now = s.now.Add(window)
		tok = s.token("cs")
		if r := create(); code(r) != 0 {
			t.Fatalf("re-create after the window: %v", r)
		}
	}
}

// Department ids far above 2^53 that differ by 1 stay apart whichever way a request
// writes them: as JSON numbers or as numeric strings.
func TestBigDepartmentIDsExactInRequests(t *testing.T) {
	s := newServer(t, nil)
	tok := s.token("cs")
	var ids []string
	for _, name := range []string{"A", "B"} {
		req, _ := http.NewRequest("POST", s.url+"department/create?access_token="+tok, strings.NewReader(`{"name":"`+name+`","parentid":"1"}`))
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(r.Body)
		r.Body.Close()
		var resp struct {
			Errcode int         `json:"errcode"`
			ID      json.Number `json:"id"`
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&resp); err != nil || resp.Errcode != 0 {
			t.Fatalf("department/create: %s", raw)
		}
		ids = append(ids, resp.ID.String())
	}
	if ids[0] != "4913577855806636138" || ids[1] != "4913577855806636139" {
		t.Fatalf("ids = %v; want the big neighbours", ids)
	}
	post := func(body string) map[string]any {
		req, _ := http.NewRequest("POST", s.url+"department/update?access_token="+tok, strings.NewReader(body))
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(r.Body).Decode(&out)
		return out
	}
	// B under A by numbers, then renamed by a string id: both must hit B, not A.
	if r := post(`{"id":` + ids[1] + `,"parentid":` + ids[0] + `}`); code(r) != 0 {
		t.Fatalf("update by numbers: %v", r)
	}
	if r := post(`{"id":"` + ids[1] + `","name":"B2","order":"7"}`); code(r) != 0 {
		t.Fatalf("update by strings: %v", r)
	}
	if r := post(`{"id":4.913577855806636e18,"name":"X"}`); code(r) != CodeInvalidParameter {
		t.Fatalf("a rounded float id must be refused, not matched to a neighbour: %v", r)
	}
	req, _ := http.NewRequest("GET", s.url+"department/list?access_token="+tok, nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, want := range []string{
		`{"id":4913577855806636138,"name":"A","order":0,"parentid":1}`,
		`{"id":4913577855806636139,"name":"B2","order":7,"parentid":4913577855806636138}`,
	} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("department/list lacks %s:\n%s", want, raw)
		}
	}
}

func TestQuirks(t *testing.T) {
	for _, quirks := range []bool{false, true} {
		t.Run(map[bool]string{false: "off", true: "on"}[quirks], func(t *testing.T) {
			tenant := NewMemTenant()
			o := Options{CorpID: "corp", Secrets: map[string]string{AppContacts: "cs"}, Quirks: quirks}
			srv := httptest.NewServer(NewHandler(tenant, o))
			t.Cleanup(srv.Close)
			s := &server{t: t, url: srv.URL + "/cgi-bin/"}
			tok := s.token("cs")
			q := "access_token=" + tok
			if _, r := s.call("POST", "user/create", q, map[string]any{"userid": "a@b.cn", "name": "A", "department": []int{1}, "password": "p"}); code(r) != 0 {
				t.Fatal(r)
			}
			// (a) enable: absent from user/list items with quirks, always in user/get.
			for i := 0; i < 2; i++ { // both loose forms
				_, r := s.call("GET", "user/list", q+"&department_id=1&fetch_child=1", nil)
				item := r["userlist"].([]any)[0].(map[string]any)
				if _, has := item["enable"]; has == quirks {
					t.Fatalf("user/list item %v: enable present = %v", item, has)
				}
				if _, r := s.call("GET", "user/get", q+"&userid=a@b.cn", nil); r["enable"] == nil {
					t.Fatalf("user/get without enable: %v", r)
				}
			}
			// (b) order 1–10000 written is stored as 0 with quirks; others stay.
			_, r := s.call("POST", "department/create", q, map[string]any{"name": "D", "parentid": 1, "order": 5})
			// Not r["id"]: this helper decodes through float64, which rounds the id.
			id := DepartmentIDAfter(RootDepartment)
			_, r2 := s.call("POST", "department/create", q, map[string]any{"name": "E", "parentid": 1, "order": 10001})
			ds, _ := tenant.Departments()
			wantOrder := map[bool]int64{false: 5, true: 0}[quirks]
			if ds[1].Order != wantOrder || ds[2].Order != 10001 || code(r) != 0 || code(r2) != 0 {
				t.Fatalf("orders after create = %+v; want %d and 10001", ds, wantOrder)
			}
			for _, body := range []map[string]any{{"id": id, "order": 10000}, {"id": id, "name": "D2"}} { // no order: unchanged
				if _, r := s.call("POST", "department/update", q, body); code(r) != 0 {
					t.Fatal(r)
				}
			}
			ds, _ = tenant.Departments()
			if wantOrder = map[bool]int64{false: 10000, true: 0}[quirks]; ds[1].Order != wantOrder || ds[1].Name != "D2" {
				t.Fatalf("after update = %+v; want order %d", ds[1], wantOrder)
			}
			// (c) tag members: shown with quirks, count as membership, kept by update.
			if _, r := s.call("POST", "group/create", q, map[string]any{"groupid": "g@b.cn", "groupname": "G", "userlist": []string{"a@b.cn"}}); code(r) != 0 {
				t.Fatal(r)
			}
			if !tenant.SetGroupTags("g@b.cn", []int64{7, 9}) || tenant.SetGroupTags("none@b.cn", []int64{1}) {
				t.Fatal("SetGroupTags")
			}
			if _, r := s.call("POST", "group/update", q, map[string]any{"groupid": "g@b.cn", "userlist": []string{}, "groupname": "G2"}); code(r) != 0 {
				t.Fatalf("a group with tag members may lose its last user: %v", r)
			}
			_, r = s.call("GET", "group/get", q+"&groupid=g@b.cn", nil)
			tags, has := r["taglist"].([]any)
			if has != quirks || (quirks && len(tags) != 2) {
				t.Fatalf("group/get = %v; taglist shown = %v, want %v", r, has, quirks)
			}
			if quirks && fmt.Sprint(tags[0].(map[string]any)["tagid"]) != "7" {
				t.Fatalf("taglist = %v", tags)
			}
			if g, _, _ := tenant.Group("g@b.cn"); len(g.TagList) != 2 || len(g.UserList) != 0 || g.GroupName != "G2" {
				t.Fatalf("group after update = %+v; tags must survive", g)
			}
		})
	}
}

// enable is not a documented field of user/create: a client that freezes through it
// must find the account active.
func TestCreateIgnoresEnable(t *testing.T) {
	tenant := NewMemTenant()
	srv := httptest.NewServer(NewHandler(tenant, Options{CorpID: "corp", Secrets: map[string]string{AppContacts: "cs"}}))
	t.Cleanup(srv.Close)
	s := &server{t: t, url: srv.URL + "/cgi-bin/"}
	tok := s.token("cs")
	if _, r := s.call("POST", "user/create", "access_token="+tok, map[string]any{"userid": "a@b.cn", "name": "A", "department": []int{1}, "password": "p", "enable": 0}); code(r) != 0 {
		t.Fatal(r)
	}
	if u, _, _ := tenant.User("a@b.cn"); u.Enable != 1 {
		t.Fatalf("created with enable %d; want active", u.Enable)
	}
	if _, r := s.call("POST", "user/update", "access_token="+tok, map[string]any{"userid": "a@b.cn", "enable": "0"}); code(r) != 0 {
		t.Fatal(r)
	}
	if u, _, _ := tenant.User("a@b.cn"); u.Enable != 0 {
		t.Fatalf("user/update enable 0 left enable %d", u.Enable)
	}
}
