package exmail

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/logarchive"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

const testLogSecret = "log-SECRET-19c2"

func TestLogSourceFetchesEveryUnitWithTheLogToken(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, exmailapi.LogLocation)
	var debug bytes.Buffer
	f := newFixture(t, func(o *exmailapi.Options) {
		o.Secrets[exmailapi.AppLog] = testLogSecret
		o.Logs = exmailapi.LogOptions{Days: 90, Seed: 3, Now: func() time.Time { return now },
			Operations: []exmailapi.LogOperation{{DaysAgo: 1, Type: 35, Operator: "boss@example.com"}}}
	}, func(c *Config) { c.LogSecret = testLogSecret; c.Log = &debug })
	f.seedUser(t, exmailapi.User{UserID: "alice@example.com", Name: "Alice"})
	f.seedUser(t, exmailapi.User{UserID: "Bob@example.com", Name: "Bob"})
	src := f.client.LogSource()
	oldest, newest := src.Window(now)
	if oldest != "2026-05-03" || newest != "2026-05-31" {
		t.Fatalf("window %s..%s, want 2026-05-03..2026-05-31 (a day's margin, today excluded)", oldest, newest)
	}
	units, err := src.Units(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(units, ",") != "mail,operation,batchjob,login:alice@example.com,login:bob@example.com" {
		t.Fatalf("units %v", units)
	}
	total := 0
	f.count.Reset()
	for _, u := range units {
		rows, err := src.Fetch(ctx(t), "2026-05-31", "2026-05-31", u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		for _, r := range rows {
			if r.Kind == "" || r.Time == 0 {
				t.Fatalf("%s: incomplete row %+v", u, r)
			}
			if u == "operation" && r.Type == 35 && r.Operator != "boss@example.com" {
				t.Fatalf("backup change lost its operator: %+v", r)
			}
		}
		total += len(rows)
	}
	if total == 0 {
		t.Fatal("no rows for a day in the window")
	}
	if n := f.count.Get("log/login"); n != 2 {
		t.Fatalf("log/login called %d times, want one per account", n)
	}
	// Logins come one call per account for a whole window, each row filed under its day.
	if !src.Windowed("login:alice@example.com") || src.Windowed("mail") {
		t.Fatal("only log/login is asked per window")
	}
	f.count.Reset()
	rows, err := src.Fetch(ctx(t), "2026-05-20", "2026-05-31", "login:alice@example.com")
	if err != nil || f.count.Get("log/login") != 1 {
		t.Fatalf("a 12-day window took %d calls: %v", f.count.Get("log/login"), err)
	}
	perDay := map[string]int{}
	for _, r := range rows {
		if got := time.Unix(r.Time, 0).In(exmailapi.LogLocation).Format("2006-01-02"); r.Day != got {
			t.Fatalf("row of %s filed under %s", got, r.Day)
		}
		perDay[r.Day]++
	}
	for d, n := range perDay {
		one, err := src.Fetch(ctx(t), d, d, "login:alice@example.com")
		if err != nil || len(one) != n {
			t.Fatalf("%s: %d rows in the window, %d alone (%v)", d, n, len(one), err)
		}
	}
	if strings.Contains(debug.String(), testLogSecret) {
		t.Fatal("the log secret appears in the debug log")
	}
	if _, err := src.Fetch(ctx(t), "2026-05-31", "2026-05-31", "bogus"); err == nil {
		t.Fatal("an unknown unit must fail")
	}
}

func TestLogCallsWithoutLogSecretSayWhatToSet(t *testing.T) {
	f := newFixture(t, nil, nil)
	_, err := f.client.LoginLog(ctx(t), "alice@example.com", "2026-05-01", "2026-05-01")
	if err == nil || !strings.Contains(err.Error(), "log_secret") {
		t.Fatalf("err = %v, want one naming log_secret", err)
	}
}

var _ logarchive.Source = (*logSource)(nil)
