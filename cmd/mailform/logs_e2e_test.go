package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/mailform/mailform/logarchive"
	"github.com/mailform/mailform/providers/exmail"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/state/pgtest"
)

const (
	e2eLogSecret = "log-e2e-SECRET-3f7a"
	logSeed      = "11"
)

var logUsers = []string{"alice@example.com", "bob@example.com", "carol@example.com"}

// logsStart is the first day of the served history.
var logsStart = time.Date(2026, 1, 1, 0, 0, 0, 0, exmailapi.LogLocation)

func day(n int) string { return logsStart.AddDate(0, 0, n).Format("2006-01-02") }

// serveLogsAt serves dir's sandbox as it is on day n at 09:00 (history from day 0)
// and points the configuration at it.
func serveLogsAt(t *testing.T, dir string, n int, extra ...string) *served {
	t.Helper()
	args := append([]string{"--log-days", fmt.Sprint(n), "--log-seed", logSeed,
		"--log-today", logsStart.AddDate(0, 0, n).Add(9 * time.Hour).Format(time.RFC3339)}, extra...)
	s := startServe(t, dir, []string{"EXMAIL_LOG_SECRET=" + e2eLogSecret}, args...)
	writeFile(t, dir, "main.mf.hcl", fmt.Sprintf(`provider "exmail" {
  endpoint   = %q
  corp_id    = %q
  rate_limit = 500
}

logs {
  retain_days = 400
}
`, s.url, e2eCorp))
	return s
}

func logsEnv(n int) []string {
	return []string{"EXMAIL_CONTACTS_SECRET=" + e2eContacts, "EXMAIL_LOG_SECRET=" + e2eLogSecret,
		"MAILFORM_NOW=" + logsStart.AddDate(0, 0, n).Add(9*time.Hour).Format(time.RFC3339)}
}

func noSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{e2eContacts, e2eLogSecret} {
		if strings.Contains(s, secret) {
			t.Fatalf("%s shows a secret:\n%s", what, s)
		}
	}
}

// expectedRows asks an in-process fake with the same seed and accounts for every
// row of the given days, as a multiset of canonical rows.
func expectedRows(t *testing.T, days []string) map[string]int {
	t.Helper()
	var cur time.Time
	tenant := exmailapi.NewMemTenant()
	for _, u := range logUsers {
		if err := tenant.CreateUser(exmailapi.User{UserID: u, Name: u, Department: []int64{1}, Enable: 1}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(exmailapi.NewHandler(tenant, exmailapi.Options{CorpID: "c",
		Secrets: map[string]string{exmailapi.AppContacts: "cs", exmailapi.AppLog: "ls"},
		Logs:    exmailapi.LogOptions{Days: 100000, Seed: 11, Now: func() time.Time { return cur }}}))
	defer srv.Close()
	c, err := exmail.NewClient(exmail.Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: "c", ContactsSecret: "cs", LogSecret: "ls", RateLimit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	src := c.LogSource()
	ctx := context.Background()
	units, err := src.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, d := range days {
		cur, _ = time.ParseInLocation("2006-01-02", d, exmailapi.LogLocation)
		cur = cur.AddDate(0, 0, 1).Add(9 * time.Hour)
		for _, u := range units {
			rows, err := src.Fetch(ctx, d, d, u)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				r.Day = d
				out[string(r.Canonical())]++
			}
		}
	}
	return out
}

// exportedRows runs logs export -format jsonl and returns the rows as a multiset,
// Seq left out so that a duplicate shows as a count of 2.
func exportedRows(t *testing.T, dir string, env []string) (map[string]int, int) {
	t.Helper()
	r := runEnv(t, dir, env, "logs", "export", "-format", "jsonl")
	if r.code != 0 {
		t.Fatalf("logs export: %s", r)
	}
	out, n := map[string]int{}, 0
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var row logarchive.Row
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		row.Seq = 0
		out[string(row.Canonical())]++
		n++
	}
	return out, n
}

func TestLogsPullE2E(t *testing.T) {
	dir := t.TempDir()
	s := serveLogsAt(t, dir, 30)
	for _, u := range logUsers {
		s.call(t, http.MethodPost, "user/create", map[string]any{"userid": u, "name": u, "department": []int{1}, "password": "Passw0rd-1!"})
	}
	pull := func(n int) result {
		t.Helper()
		r := runEnv(t, dir, logsEnv(n), "logs", "pull")
		if r.code != 0 {
			t.Fatalf("logs pull on day %d: %s", n, r)
		}
		noSecrets(t, "logs pull", r.output())
		return r
	}
	// Day 30: the first pull starts at the oldest day the API answers.
	r := pull(30)
	if !strings.Contains(r.stdout, fmt.Sprintf("Pulled 29 days, %s to %s", day(1), day(29))) {
		t.Fatalf("first pull:\n%s", r)
	}
	// One log/login call per account for the whole window, the other logs day by day.
	if out := s.stop(t); servedCount(t, out, "log/login") != 3 || servedCount(t, out, "log/mail") != 29 {
		t.Fatalf("calls of the first pull:\n%s", out)
	}
	s = serveLogsAt(t, dir, 55)
	pull(55)
	s.stop(t)

	// Day 80, slowly, killed in the middle: days 55–79 take 3 login calls (one per
	// account for the window) and 25 × 3 calls of the tenant-wide logs.
	s = serveLogsAt(t, dir, 80, "--latency", "100ms")
	cmd := command(dir, logsEnv(80), "logs", "pull", "-concurrency", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	archive := filepath.Join(dir, logarchive.DefaultFile)
	func() {
		a, err := logarchive.OpenBolt(archive, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		days, _ := a.Days(context.Background())
		if last := days[len(days)-1].Date; last != day(54) {
			t.Fatalf("the killed pull sealed days up to %s", last)
		}
		units, partial := 0, 0
		for n := 55; n < 80; n++ {
			done, _ := a.Done(context.Background(), day(n))
			units += len(done)
			if len(done) > 0 && len(done) < 6 {
				partial++
			}
		}
		if units == 0 || units == 25*6 || partial == 0 {
			t.Fatalf("the kill was not mid-pull: %d of %d day-units done, %d days part-done", units, 25*6, partial)
		}
	}()
	r = pull(80)
	if !strings.Contains(r.stdout, day(79)) {
		t.Fatalf("the resumed pull did not finish:\n%s", r)
	}
	out := s.stop(t)
	// Resuming re-asks nothing that was stored (at most the call in flight at the kill).
	calls := servedCount(t, out, "log/login") + servedCount(t, out, "log/mail") + servedCount(t, out, "log/operation") + servedCount(t, out, "log/batchjob")
	if calls > 3+25*3+1 {
		t.Fatalf("the killed and the resumed pull made %d log calls, want at most %d:\n%s", calls, 3+25*3+1, out)
	}

	// Day 150: days 80–120 have left the API's month.
	s = serveLogsAt(t, dir, 150)
	r = pull(150)
	if !strings.Contains(r.stdout, fmt.Sprintf("Gaps: 41 days (%s…%s)", day(80), day(120))) ||
		!strings.Contains(r.stdout, day(80)+"  gap:") {
		t.Fatalf("gaps not reported:\n%s", r)
	}
	s.stop(t)
	for _, n := range []int{175, 200} {
		s = serveLogsAt(t, dir, n)
		pull(n)
		s.stop(t)
	}
	if r := pull(200); !strings.Contains(r.stdout, "up to date") {
		t.Fatalf("a pull with nothing new:\n%s", r)
	}

	var days []string
	for n := 1; n < 200; n++ {
		if n < 80 || n > 120 {
			days = append(days, day(n))
		}
	}
	want := expectedRows(t, days)
	got, n := exportedRows(t, dir, logsEnv(200))
	wantN := 0
	for k, c := range want {
		wantN += c
		if got[k] != c {
			t.Fatalf("row %s: archived %d times, served %d times", k, got[k], c)
		}
	}
	if n != wantN || len(got) != len(want) {
		t.Fatalf("archived %d rows, served %d", n, wantN)
	}

	r = runEnv(t, dir, logsEnv(200), "logs", "verify")
	if r.code != 0 || !strings.Contains(r.stdout, "41 gap days") || !strings.Contains(r.stdout, "chain is unbroken") {
		t.Fatalf("verify of a sound archive: %s", r)
	}
	raw, _ := os.ReadFile(archive)
	noSecrets(t, "the archive", string(raw))

	// Someone edits one archived login.
	db, err := bolt.Open(archive, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		rb := tx.Bucket([]byte("d:" + day(60))).Bucket([]byte("rows"))
		k, v := rb.Cursor().Last()
		return rb.Put(append([]byte(nil), k...), []byte(strings.Replace(string(v), `"time":`, `"time":1`, 1)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r = runEnv(t, dir, logsEnv(200), "logs", "verify")
	if r.code != 2 || !strings.Contains(r.stdout, day(60)+"  a row was edited") || !strings.Contains(r.stdout, "NOT intact: 1 problems") {
		t.Fatalf("verify after an edit: %s", r)
	}

	q := runEnv(t, dir, logsEnv(200), "logs", "query", "-account", "bob@example.com", "-kind", "login", "-from", day(190), "-to", day(190))
	if q.code != 0 || strings.Contains(q.stdout, "alice@") || !strings.Contains(q.stdout, " rows.") {
		t.Fatalf("query: %s", q)
	}
	if r := runEnv(t, dir, logsEnv(200), "logs", "export", "-format", "xml"); r.code != 1 || !strings.Contains(r.stderr, "csv or jsonl") {
		t.Fatalf("export -format xml: %s", r)
	}
}

func TestLogsWithoutExmailProviderOrArchive(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.mf.hcl": `provider "sandbox" {}` + "\n"})
	r := runEnv(t, dir, nil, "logs", "pull")
	if r.code != 1 || !strings.Contains(r.stderr, `no configured provider keeps logs`) {
		t.Fatalf("%s", r)
	}
	for _, args := range [][]string{{"logs", "verify"}, {"logs", "query"}, {"logs", "export"}} {
		if r := runEnv(t, dir, nil, args...); r.code != 1 || !strings.Contains(r.stderr, "no log archive yet") {
			t.Fatalf("%v without an archive: %s", args, r)
		}
	}
	// audit reads: a missing archive is a finding, and stays missing.
	if r := runEnv(t, dir, []string{"MAILFORM_NOW=2026-06-01"}, "audit"); r.code != 2 || !strings.Contains(r.stdout, "No log archive") {
		t.Fatalf("audit without an archive: %s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, logarchive.DefaultFile)); err == nil {
		t.Fatal("reading commands created the archive")
	}
}

// The PostgreSQL archive, set like the pg state backend, holds exactly the served
// rows too, and verify and query read it.
func TestLogsPGArchiveE2E(t *testing.T) {
	srv := pgtest.Start1(t, "cmd/mailform")
	dir := t.TempDir()
	s := serveLogsAt(t, dir, 40)
	for _, u := range logUsers {
		s.call(t, http.MethodPost, "user/create", map[string]any{"userid": u, "name": u, "department": []int{1}, "password": "Passw0rd-1!"})
	}
	writeFile(t, dir, "main.mf.hcl", fmt.Sprintf(`provider "exmail" {
  endpoint = %q
  corp_id  = %q
}

logs {
  archive "pg" {
    conn_str    = %q
    schema_name = "mail_logs"
  }
}
`, s.url, e2eCorp, srv.ConnStr()))
	r := runEnv(t, dir, logsEnv(40), "logs", "pull")
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("Pulled 29 days, %s to %s", day(11), day(39))) {
		t.Fatalf("pull into PostgreSQL: %s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, logarchive.DefaultFile)); err == nil {
		t.Fatal("a pg archive must not also write the local file")
	}
	var days []string
	for n := 11; n < 40; n++ {
		days = append(days, day(n))
	}
	want := expectedRows(t, days)
	got, _ := exportedRows(t, dir, logsEnv(40))
	if len(got) != len(want) {
		t.Fatalf("archived %d distinct rows, served %d", len(got), len(want))
	}
	for k, c := range want {
		if got[k] != c {
			t.Fatalf("row %s: archived %d times, served %d times", k, got[k], c)
		}
	}
	if r := runEnv(t, dir, logsEnv(40), "logs", "verify"); r.code != 0 || !strings.Contains(r.stdout, "29 days") {
		t.Fatalf("verify: %s", r)
	}
	if r := runEnv(t, dir, logsEnv(40), "logs", "query", "-account", "carol@example.com", "-kind", "login"); r.code != 0 ||
		strings.Contains(r.stdout, "bob@") || !strings.Contains(r.stdout, "carol@example.com") {
		t.Fatalf("query: %s", r)
	}
	s.stop(t)
}
