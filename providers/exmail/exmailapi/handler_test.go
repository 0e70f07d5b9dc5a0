package exmailapi

import (
	"bytes"
	"encoding/json"
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
