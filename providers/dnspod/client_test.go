package dnspod

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

func TestClientActions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, dnspodapi.Options{}, "example.com", "example.org")
	c := f.client(t, nil)

	domains, err := c.ListDomains(ctx)
	if err != nil || strings.Join(domains, ",") != "example.com,example.org" {
		t.Fatalf("ListDomains = %v, %v", domains, err)
	}
	id, err := c.CreateRecord(ctx, "example.com", Row{Name: "@", Type: "MX", Value: "mxbiz1.qq.com.", MX: 5, TTL: 600})
	if err != nil || id == 0 {
		t.Fatalf("CreateRecord = %d, %v", id, err)
	}
	rows, err := c.ListRecords(ctx, "example.com", "@", "MX")
	if err != nil || len(rows) != 1 || rows[0].ID != id || rows[0].MX != 5 || rows[0].Value != "mxbiz1.qq.com." || rows[0].Line != dnspodapi.DefaultLine || rows[0].LineID != "0" || rows[0].paused() {
		t.Fatalf("ListRecords(@ MX) = %+v, %v", rows, err)
	}
	all, err := c.ListRecords(ctx, "example.com", "", "")
	if err != nil || len(all) != 3 {
		t.Fatalf("ListRecords(all) = %+v, %v; want the 2 apex NS rows and the MX", all, err)
	}
	if err := c.ModifyRecord(ctx, "example.com", Row{ID: id, Name: "@", Type: "MX", Value: "mxbiz2.qq.com.", MX: 10, TTL: 3600}); err != nil {
		t.Fatal(err)
	}
	got := f.rows("example.com")
	if len(got) != 1 || got[0].Value != "mxbiz2.qq.com." || got[0].MX != 10 || got[0].TTL != 3600 {
		t.Fatalf("after ModifyRecord the fake holds %+v", got)
	}
	if err := c.DeleteRecord(ctx, "example.com", Row{ID: id, Name: "@", Type: "MX"}); err != nil {
		t.Fatal(err)
	}
	if got := f.rows("example.com"); len(got) != 0 {
		t.Fatalf("after DeleteRecord the fake holds %+v", got)
	}
	// No rows is the error NoDataOfRecord, which the client reports as an empty list.
	rows, err = c.ListRecords(ctx, "example.com", "www", "A")
	if err != nil || len(rows) != 0 {
		t.Fatalf("ListRecords of nothing = %+v, %v", rows, err)
	}
	// A failed call names the action, the object and the code.
	err = c.DeleteRecord(ctx, "example.com", Row{ID: 42, Name: "www", Type: "A"})
	if !HasCode(err, dnspodapi.CodeRecordIDInvalid) || !strings.Contains(err.Error(), "www.example.com A (RecordId 42)") {
		t.Fatalf("DeleteRecord of a missing row: %v", err)
	}
}

func TestClientPaginates(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "big.example")
	for i := range 3100 {
		if _, err := f.fake.AddRecord("big.example", dnspodapi.Record{Name: fmt.Sprintf("h%d", i), Type: "A", Value: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := f.client(t, nil).ListRecords(context.Background(), "big.example", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3102 {
		t.Fatalf("read %d rows, want 3102", len(rows))
	}
	if n := f.fake.Calls(dnspodapi.ActionDescribeRecordList); n != 2 {
		t.Fatalf("%d DescribeRecordList calls, want 2 pages of up to 3000", n)
	}
}

func TestClientCredentialErrors(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	cases := []struct {
		name string
		edit func(*Config)
		code string
		says string
	}{
		{"wrong key", func(c *Config) { c.SecretKey = "wrong-SECRET" }, dnspodapi.CodeSignatureFailure, "check secret_id and secret_key"},
		{"unknown id", func(c *Config) { c.SecretID = "AKIDunknown" }, dnspodapi.CodeSecretIDNotFound, `secret_id "AKIDunknown"`},
		{"skewed clock", func(c *Config) { c.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) } }, dnspodapi.CodeSignatureExpire, "clock"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			c := f.client(t, func(cfg *Config) { tc.edit(cfg); cfg.Log = &log })
			_, err := c.ListRecords(context.Background(), "example.com", "", "")
			if !HasCode(err, tc.code) {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.says) || !strings.Contains(msg, "secret_id") {
				t.Fatalf("error %q does not say %q and name secret_id", msg, tc.says)
			}
			for _, secret := range []string{testKey, "wrong-SECRET"} {
				if strings.Contains(msg, secret) || strings.Contains(log.String(), secret) {
					t.Fatalf("the secret key leaked: %q / log %q", msg, log.String())
				}
			}
			if strings.Contains(log.String(), "Signature=") {
				t.Fatalf("the log holds the signature: %s", log.String())
			}
			if f.fake.Calls(dnspodapi.ActionDescribeRecordList) == 0 {
				t.Fatal("no call reached the fake")
			}
		})
	}
}

func TestClientConfigErrors(t *testing.T) {
	cases := []struct {
		cfg  Config
		says string
	}{
		{Config{SecretKey: "SECRETk3y"}, "secret_id is not set"},
		{Config{SecretID: "id"}, "secret_key is not set"},
		{Config{SecretID: "id", SecretKey: "SECRETk3y", Endpoint: "ftp://x"}, "not an http(s) URL"},
	}
	for _, c := range cases {
		_, err := NewClient(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("NewClient(%+v) = %v, want %q", c.cfg, err, c.says)
		}
		if err != nil && strings.Contains(err.Error(), c.cfg.SecretKey) && c.cfg.SecretKey != "" {
			t.Errorf("error %q holds the key", err)
		}
	}
}

// TestClientFaults injects throttling, internal errors and dropped connections and
// checks that every write ends with exactly one row and that unknown outcomes are
// re-read before a retry.
func TestClientFaults(t *testing.T) {
	row := Row{Name: "www", Type: "A", Value: "192.0.2.1", TTL: 600}
	cases := []struct {
		name        string
		opts        dnspodapi.Options
		fault       dnspodapi.Fault
		wantCreates int // CreateRecord calls
		wantLists   int // DescribeRecordList calls (re-reads)
	}{
		{"throttled twice", dnspodapi.Options{}, dnspodapi.Fault{Code: dnspodapi.CodeRequestLimit, Times: 2}, 3, 0},
		{"account writes throttled twice", dnspodapi.Options{}, dnspodapi.Fault{Code: dnspodapi.CodeFrequencyLimit, Times: 2}, 3, 0},
		{"no answer from the operation, after acting", dnspodapi.Options{}, dnspodapi.Fault{Code: dnspodapi.CodeUnknownError, AfterWrite: true}, 1, 1},
		{"no answer from the operation, before acting", dnspodapi.Options{}, dnspodapi.Fault{Code: dnspodapi.CodeUnknownError}, 2, 1},
		{"internal error before acting", dnspodapi.Options{}, dnspodapi.Fault{Code: dnspodapi.CodeInternalError}, 2, 1},
		{"internal error after acting", dnspodapi.Options{}, dnspodapi.Fault{Code: dnspodapi.CodeInternalError, AfterWrite: true}, 1, 1},
		{"connection dropped after acting", dnspodapi.Options{}, dnspodapi.Fault{Action: dnspodapi.ActionCreateRecord, Drop: true}, 1, 1},
		{"dropped, and the listing lags", dnspodapi.Options{ListingDelay: time.Hour}, dnspodapi.Fault{Action: dnspodapi.ActionCreateRecord, Drop: true}, 2, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts, "example.com")
			f.fake.Inject(tc.fault)
			c := f.client(t, nil)
			if _, err := c.CreateRecord(context.Background(), "example.com", row); err != nil {
				t.Fatal(err)
			}
			if got := f.rows("example.com"); len(got) != 1 {
				t.Fatalf("the fake holds %d rows, want exactly 1: %+v", len(got), got)
			}
			if n := f.fake.Calls(dnspodapi.ActionCreateRecord); n != tc.wantCreates {
				t.Errorf("%d CreateRecord calls, want %d", n, tc.wantCreates)
			}
			if n := f.fake.Calls(dnspodapi.ActionDescribeRecordList); n != tc.wantLists {
				t.Errorf("%d DescribeRecordList calls, want %d", n, tc.wantLists)
			}
		})
	}
}

func TestClientModifyAndDeleteAfterDroppedAnswers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	c := f.client(t, nil)
	id, err := c.CreateRecord(ctx, "example.com", Row{Name: "www", Type: "CNAME", Value: "a.example.net.", TTL: 600})
	if err != nil {
		t.Fatal(err)
	}
	f.fake.Inject(dnspodapi.Fault{Action: dnspodapi.ActionModifyRecord, Drop: true})
	if err := c.ModifyRecord(ctx, "example.com", Row{ID: id, Name: "www", Type: "CNAME", Value: "b.example.net.", TTL: 600}); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.Calls(dnspodapi.ActionModifyRecord); n != 1 {
		t.Fatalf("%d ModifyRecord calls; the re-read should have shown it took effect", n)
	}
	f.fake.Inject(dnspodapi.Fault{Action: dnspodapi.ActionDeleteRecord, Drop: true})
	if err := c.DeleteRecord(ctx, "example.com", Row{ID: id, Name: "www", Type: "CNAME"}); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.Calls(dnspodapi.ActionDeleteRecord); n != 1 {
		t.Fatalf("%d DeleteRecord calls; the re-read should have shown it took effect", n)
	}
	if got := f.rows("example.com"); len(got) != 0 {
		t.Fatalf("rows left: %+v", got)
	}
}

// Throttling answers are retried for the whole retry budget, however many attempts
// that takes (they prove the API is up), and then the call gives up naming them;
// failures without an answer give up after MaxAttempts.
func TestClientGivesUp(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	f.fake.Inject(dnspodapi.Fault{Code: dnspodapi.CodeRequestLimit, Times: 1000})
	c := f.client(t, func(c *Config) { c.MaxAttempts = 3; c.RetryTimeout = 400 * time.Millisecond })
	_, err := c.ListRecords(context.Background(), "example.com", "", "")
	if err == nil || !strings.Contains(err.Error(), "(the retry budget)") || !strings.Contains(err.Error(), "RequestLimitExceeded") {
		t.Fatalf("want a give-up error naming RequestLimitExceeded, got %v", err)
	}
	if n := f.fake.Calls(""); n <= 3 {
		t.Fatalf("%d calls: throttling answers must not stop at MaxAttempts under a budget", n)
	}

	f = newFixture(t, dnspodapi.Options{}, "example.com")
	f.fake.Inject(dnspodapi.Fault{Code: dnspodapi.CodeInternalError, Times: 1000})
	c = f.client(t, func(c *Config) { c.MaxAttempts = 3 })
	_, err = c.ListRecords(context.Background(), "example.com", "", "")
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "InternalError") {
		t.Fatalf("want a give-up error after 3 attempts naming InternalError, got %v", err)
	}
	if n := f.fake.Calls(""); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
}

func TestClientCancelledDuringBackoff(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	f.fake.Inject(dnspodapi.Fault{Code: dnspodapi.CodeInternalError, Times: 100})
	ctx, cancel := context.WithCancel(context.Background())
	c := f.client(t, func(c *Config) { c.BackoffBase = time.Hour })
	go func() {
		for f.fake.Calls("") == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.ListRecords(ctx, "example.com", "", "")
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("want a cancelled error, got %v", err)
	}
}

// TestClientReadsRetryTransientCodes: a listing answered with throttling or an
// internal error is simply asked again; any other code is reported at once.
func TestClientReadsRetryTransientCodes(t *testing.T) {
	for _, code := range []string{dnspodapi.CodeRequestLimit, dnspodapi.CodeFrequencyLimit, dnspodapi.CodeInternalError, dnspodapi.CodeUnknownError} {
		t.Run(code, func(t *testing.T) {
			f := newFixture(t, dnspodapi.Options{}, "example.com")
			f.fake.Inject(dnspodapi.Fault{Action: dnspodapi.ActionDescribeRecordList, Code: code, Times: 2})
			rows, err := f.client(t, nil).ListRecords(context.Background(), "example.com", "", "")
			if err != nil || len(rows) != 2 {
				t.Fatalf("ListRecords = %d rows, %v", len(rows), err)
			}
			if n := f.fake.Calls(dnspodapi.ActionDescribeRecordList); n != 3 {
				t.Fatalf("%d calls, want 3", n)
			}
		})
	}
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	f.fake.Inject(dnspodapi.Fault{Code: "FailedOperation.DomainIsLocked", Times: 5})
	_, err := f.client(t, nil).CreateRecord(context.Background(), "example.com", Row{Name: "www", Type: "A", Value: "192.0.2.1", TTL: 600})
	if !HasCode(err, "FailedOperation.DomainIsLocked") || f.fake.Calls("") != 1 {
		t.Fatalf("a permanent failure should be reported after 1 call: %v (%d calls)", err, f.fake.Calls(""))
	}
}

// TestClientUnknownOutcomeIsNeverAFailure: when the operation keeps answering
// FailedOperation.UnknowError after acting, the client finds the row by re-reading
// and reports success, not a failure of a write that was made.
func TestClientUnknownOutcomeIsNeverAFailure(t *testing.T) {
	f := newFixture(t, dnspodapi.Options{}, "example.com")
	c := f.client(t, nil)
	id, err := c.CreateRecord(context.Background(), "example.com", Row{Name: "www", Type: "A", Value: "192.0.2.1", TTL: 600})
	if err != nil {
		t.Fatal(err)
	}
	f.fake.Inject(dnspodapi.Fault{Action: dnspodapi.ActionDeleteRecord, Code: dnspodapi.CodeUnknownError, AfterWrite: true, Times: 3})
	if err := c.DeleteRecord(context.Background(), "example.com", Row{ID: id, Name: "www", Type: "A"}); err != nil {
		t.Fatalf("a delete that took effect was reported as failed: %v", err)
	}
	if n := f.fake.Calls(dnspodapi.ActionDeleteRecord); n != 1 || len(f.rows("example.com")) != 0 {
		t.Fatalf("%d DeleteRecord calls, rows %+v", n, f.rows("example.com"))
	}
}
