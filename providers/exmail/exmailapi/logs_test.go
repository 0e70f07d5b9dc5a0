package exmailapi

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// newLogServer serves a tenant of two accounts whose logs go back days before a
// fixed today.
func newLogServer(t *testing.T, days int, tweak func(*LogOptions)) *server {
	t.Helper()
	s := &server{t: t, count: &Counters{}, now: time.Date(2026, 6, 1, 9, 0, 0, 0, LogLocation)}
	lo := LogOptions{Days: days, Seed: 7}
	if tweak != nil {
		tweak(&lo)
	}
	o := Options{CorpID: "corp", Secrets: map[string]string{AppContacts: "cs", AppLog: "ls"}, Counters: s.count,
		Now: func() time.Time { return s.now }, Logs: lo}
	m := NewMemTenant()
	for _, u := range []string{"alice@example.com", "bob@example.com"} {
		if err := m.CreateUser(User{UserID: u, Name: u, Department: []int64{1}, Enable: 1}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(NewHandler(m, o))
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/cgi-bin/"
	return s
}

func listLen(r map[string]any) int {
	l, _ := r["list"].([]any)
	return len(l)
}

func TestLogEndpointsAnswerOnlyTheLastMonth(t *testing.T) {
	s := newLogServer(t, 200, nil)
	tok := s.token("ls")
	q := "access_token=" + tok
	logins := func(begin, end string) map[string]any {
		_, r := s.call("POST", "log/login", q, map[string]any{"userid": "alice@example.com", "begin_date": begin, "end_date": end})
		return r
	}
	inWindow := logins("2026-05-02", "2026-06-01")
	if code(inWindow) != CodeOK || listLen(inWindow) == 0 {
		t.Fatalf("the last 31 days: %v", inWindow)
	}
	if r := logins("2026-01-01", "2026-05-01"); code(r) != CodeOK || listLen(r) != 0 {
		t.Fatalf("days before the window must answer nothing, got %d rows", listLen(r))
	}
	again := logins("2026-05-02", "2026-06-01")
	if listLen(again) != listLen(inWindow) {
		t.Fatalf("not deterministic: %d then %d rows", listLen(inWindow), listLen(again))
	}
	// Small numbers come as numbers in one answer and as strings in the next.
	kinds := map[string]bool{}
	for i := 0; i < 2; i++ {
		for _, it := range logins("2026-05-02", "2026-06-01")["list"].([]any) {
			kinds[fmt.Sprintf("%T", it.(map[string]any)["type"])] = true
		}
	}
	if !kinds["string"] || !kinds["float64"] {
		t.Fatalf("types of log/login's type across two answers: %v", kinds)
	}
	// Today is logged only up to now.
	for _, it := range logins("2026-06-01", "2026-06-01")["list"].([]any) {
		if int64(it.(map[string]any)["time"].(float64)) > s.now.Unix() {
			t.Fatalf("a login after now: %v", it)
		}
	}
	for _, tt := range []struct {
		name string
		path string
		q    string
		body map[string]any
		want int
	}{
		{"login without userid", "log/login", q, map[string]any{"begin_date": "2026-05-30", "end_date": "2026-05-31"}, CodeInvalidUserID},
		{"login of an unknown account", "log/login", q, map[string]any{"userid": "nobody@example.com", "begin_date": "2026-05-30", "end_date": "2026-05-31"}, CodeUserIDNotFound},
		{"bad date", "log/mail", q, map[string]any{"begin_date": "30.5.2026", "end_date": "2026-05-31"}, CodeInvalidParameter},
		{"end before begin", "log/batchjob", q, map[string]any{"begin_date": "2026-05-31", "end_date": "2026-05-30"}, CodeInvalidParameter},
		{"operation without type", "log/operation", q, map[string]any{"begin_date": "2026-05-30", "end_date": "2026-05-31"}, CodeInvalidParameter},
		{"mailstatus without domain", "log/mailstatus", q, map[string]any{"begin_date": "2026-05-30", "end_date": "2026-05-31"}, CodeInvalidParameter},
		{"contacts token", "log/mail", "access_token=" + s.token("cs"), map[string]any{"begin_date": "2026-05-30", "end_date": "2026-05-31"}, CodeNoPermission},
		{"mail", "log/mail", q, map[string]any{"begin_date": "2026-05-30", "end_date": "2026-05-31", "mailtype": 0}, CodeOK},
		{"operation", "log/operation", q, map[string]any{"type": 1, "begin_date": "2026-05-30", "end_date": "2026-05-31"}, CodeOK},
		{"mailstatus", "log/mailstatus", q, map[string]any{"domain": "example.com", "begin_date": "2026-05-30", "end_date": "2026-05-31"}, CodeOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, r := s.call("POST", tt.path, tt.q, tt.body); code(r) != tt.want {
				t.Fatalf("errcode %d (%v), want %d", code(r), r, tt.want)
			}
		})
	}
}

func TestLogGeneratorIdleAndOperations(t *testing.T) {
	s := newLogServer(t, 60, func(o *LogOptions) {
		o.Idle = map[string]int{"bob@example.com": 10}
		o.Operations = []LogOperation{{DaysAgo: 3, Type: 35, Operator: "boss@example.com", Operand: "finance@example.com"}}
	})
	q := "access_token=" + s.token("ls")
	if _, r := s.call("POST", "log/login", q, map[string]any{"userid": "bob@example.com", "begin_date": "2026-05-22", "end_date": "2026-06-01"}); listLen(r) != 0 {
		t.Fatalf("an account idle for 10 days logged in: %v", r)
	}
	_, r := s.call("POST", "log/operation", q, map[string]any{"type": 9, "begin_date": "2026-05-02", "end_date": "2026-06-01"})
	l, _ := r["list"].([]any)
	if len(l) != 1 || l[0].(map[string]any)["operator"] != "boss@example.com" {
		t.Fatalf("mail backup operations: %v", r)
	}
	if _, r := s.call("POST", "log/operation", q, map[string]any{"type": 1, "begin_date": "2026-05-29", "end_date": "2026-05-29"}); listLen(r) == 0 {
		t.Fatalf("type 1 (all) must include the backup change: %v", r)
	}
}
