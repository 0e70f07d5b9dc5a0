package mailtest

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const quotaCompany = `
provider "postfix" {
  bcrypt_cost = 4
}

domain "main" {
  name = "quota.test"
}

account "kim" {
  email    = "kim@quota.test"
  name     = "Kim"
  password = "Pw-kim-2026"
  quota_mb = @QUOTA@
}

account "max" {
  email    = "max@quota.test"
  name     = "Max"
  password = "Pw-max-2026"
}
`

// TestQuotaFullMailboxRefusedAtRCPT: an account with quota_mb = 1 receives mail
// until its mailbox is full; then a sender that declares the message size (MAIL
// FROM SIZE=, as mail servers do) is refused at RCPT with 552 5.2.2 by Dovecot's
// quota-status service, in its own SMTP session: nothing is queued, delivered or
// bounced, and another recipient of the same message still gets it. A sender that declares no size gets past RCPT, and LMTP still refuses
// the message, which Postfix bounces with the same reason. Raising quota_mb by
// apply takes effect at once: IMAP shows the new limit and the same mail arrives.
func TestQuotaFullMailboxRefusedAtRCPT(t *testing.T) {
	e := setup(t)
	e.needMail(t)
	dir := t.TempDir()
	write := func(quota string) {
		writeMain(t, dir, strings.ReplaceAll(quotaCompany, "@QUOTA@", quota))
	}
	write("1")
	e.must(t, dir, 0, "apply", "-auto-approve")
	if used, limit := e.quotaOf(t, "kim"); used != 0 || limit != 1024 {
		t.Fatalf("GETQUOTAROOT after apply: %d of %d KiB, want 0 of 1024", used, limit)
	}
	if _, limit := e.quotaOf(t, "max"); limit != 0 {
		t.Fatalf("GETQUOTAROOT of an account without quota_mb: limit %d KiB, want none", limit)
	}

	// 300 KiB a message: three fit in 1 MiB, and well before the eighth it is full.
	body := strings.Repeat(strings.Repeat("x", 1022)+"\r\n", 300)
	marker := time.Now().Format("150405.000")
	delivered, refused := 0, ""
	for i := 1; i <= 8 && refused == ""; i++ {
		subject := "full-" + marker + "-" + string(rune('0'+i))
		refusals, err := sendSized(e.smtpAddr, "sender@internet.test", []string{"kim@quota.test"}, subject, body)
		if err != nil {
			t.Fatalf("message %d: %v\n%s", i, err, e.logs())
		}
		if rcpt := refusals["kim@quota.test"]; rcpt != nil {
			if rcpt.Code != 552 || rcpt.Msg != "5.2.2 <kim@quota.test>: Recipient address rejected: Quota exceeded: the mailbox of this recipient is full" {
				t.Fatalf("message %d refused at RCPT with %d %q; want 552 5.2.2 and the over-quota reason", i, rcpt.Code, rcpt.Msg)
			}
			refused = subject
			break
		}
		waitFor(t, func() bool {
			n, err := e.countMailAt("kim@quota.test", "Pw-kim-2026", subject)
			return err == nil && n == 1
		}, "delivery of "+subject)
		delivered++
	}
	if refused == "" || delivered < 3 {
		t.Fatalf("%d messages delivered, refused at RCPT %q; want at least 3 delivered, then a refusal\n%s", delivered, refused, e.logs())
	}
	// One message to the full mailbox and another: only the full one is refused,
	// and the other recipient gets the message.
	both := "both-" + marker
	refusals, err := sendSized(e.smtpAddr, "sender@internet.test", []string{"kim@quota.test", "max@quota.test"}, both, body)
	if err != nil || len(refusals) != 1 || refusals["kim@quota.test"] == nil || refusals["kim@quota.test"].Code != 552 {
		t.Fatalf("a message to kim (full) and max: RCPT refusals %v, %v", refusals, err)
	}
	waitFor(t, func() bool {
		n, err := e.countMailAt("max@quota.test", "Pw-max-2026", both)
		return err == nil && n == 1
	}, "delivery to max of the message also addressed to the full mailbox")

	// Postfix refused it itself, before queueing anything.
	waitFor(t, func() bool {
		log, _ := os.ReadFile(filepath.Join(e.run, "postfix.log"))
		return strings.Contains(string(log), "NOQUEUE: reject: RCPT from") &&
			strings.Contains(string(log), "552 5.2.2 <kim@quota.test>: Recipient address rejected: Quota exceeded")
	}, "NOQUEUE reject of kim@quota.test in postfix.log")

	// The backstop: without SIZE= quota-status checks for one byte, which still
	// fits; LMTP refuses the whole message and Postfix bounces it to the sender.
	unsized := "unsized-" + marker
	if err := sendMessage("", e.smtpAddr, "", "", "sender@internet.test", []string{"kim@quota.test"}, unsized, body); err != nil {
		t.Fatalf("a message without SIZE=: %v", err)
	}
	waitFor(t, func() bool { return len(e.capture.received(unsized)) > 0 }, "bounce of "+unsized)
	b := e.capture.received(unsized)[0]
	report := strings.Join(strings.Fields(b.data), " ") // Postfix folds long lines
	if len(b.to) != 1 || b.to[0] != "sender@internet.test" || b.from != "<>" ||
		!strings.Contains(report, "Diagnostic-Code: smtp; 552 5.2.2 <kim@quota.test> Quota exceeded: the mailbox of this recipient is full") {
		t.Fatalf("the bounce of %s, from %s to %v:\n%s", unsized, b.from, b.to, tail(b.data, 3000))
	}
	for _, s := range []string{refused, unsized, both} {
		if n, _ := e.countMailAt("kim@quota.test", "Pw-kim-2026", s); n != 0 {
			t.Fatalf("the refused message %s is in the mailbox %d times", s, n)
		}
	}
	used, limit := e.quotaOf(t, "kim")
	if limit != 1024 || used < 900 || used > 1024+103 {
		t.Fatalf("GETQUOTAROOT when full: %d of %d KiB", used, limit)
	}
	// PostfixAdmin's quota2 row shows the same usage (Dovecot's quota_clone; IMAP
	// rounds bytes up to KiB).
	var bytes, messages int
	deadline := time.Now().Add(30 * time.Second)
	for {
		bytes, messages = e.quota2(t, "kim@quota.test")
		if messages == delivered && (bytes+1023)/1024 == used {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("quota2 row of kim: %d bytes, %d messages; want %d KiB (as IMAP shows), %d messages\n%s", bytes, messages, used, delivered, e.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}

	write("5")
	if out := e.must(t, dir, 0, "apply", "-auto-approve"); !strings.Contains(out, "quota_mb = 1 -> 5") {
		t.Fatalf("apply of the larger quota:\n%s", out)
	}
	if _, limit := e.quotaOf(t, "kim"); limit != 5*1024 {
		t.Fatalf("GETQUOTAROOT after raising quota_mb to 5: limit %d KiB, want 5120", limit)
	}
	again := "again-" + marker
	refusals, err = sendSized(e.smtpAddr, "sender@internet.test", []string{"kim@quota.test"}, again, body)
	if err != nil || len(refusals) != 0 {
		t.Fatalf("a message within the raised quota: RCPT %v, %v", refusals, err)
	}
	waitFor(t, func() bool {
		n, err := e.countMailAt("kim@quota.test", "Pw-kim-2026", again)
		return err == nil && n == 1
	}, "delivery after raising the quota")
	// By now the bounce of the unsized message has long arrived; the one refused at
	// RCPT was never accepted, so nobody got a bounce for it, nor for the last one.
	for _, s := range []string{refused, both, again} {
		if got := e.capture.received(s); len(got) != 0 {
			t.Fatalf("%s bounced to %v:\n%s", s, got[0].to, tail(got[0].data, 2000))
		}
	}
}

// sendSized sends one message to the recipients to over SMTP with STARTTLS,
// declaring its size in MAIL FROM SIZE= as a mail server would. It returns the
// recipients refused at RCPT with their answers; the message goes to the others
// (when none is left the session ends there). Any other failure is err.
func sendSized(addr, from string, to []string, subject, body string) (refusals map[string]*textproto.Error, err error) {
	msg := headed(from, to, subject, body)
	c, err := smtpHello("", addr, time.Minute)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.StartTLS(clientTLS); err != nil {
		return nil, fmt.Errorf("STARTTLS: %w", err)
	}
	if ok, _ := c.Extension("SIZE"); !ok {
		return nil, errors.New("the server does not offer SIZE")
	}
	// net/smtp's Mail sends no SIZE=, so the command goes by hand.
	id, err := c.Text.Cmd("MAIL FROM:<%s> SIZE=%d", from, len(msg))
	if err != nil {
		return nil, err
	}
	c.Text.StartResponse(id)
	_, _, err = c.Text.ReadResponse(250)
	c.Text.EndResponse(id)
	if err != nil {
		return nil, fmt.Errorf("MAIL FROM: %w", err)
	}
	refusals = map[string]*textproto.Error{}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			var te *textproto.Error
			if !errors.As(err, &te) {
				return nil, fmt.Errorf("RCPT TO:<%s>: %w", r, err)
			}
			refusals[r] = te
		}
	}
	if len(refusals) == len(to) {
		return refusals, c.Quit()
	}
	if err := smtpData(c, msg); err != nil {
		return nil, err
	}
	return refusals, c.Quit()
}

// quota2 reads user's usage from PostfixAdmin's quota2 table (0, 0 without a row).
func (e *env) quota2(t *testing.T, user string) (bytes, messages int) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	err = c.QueryRow(context.Background(), `SELECT bytes, messages FROM quota2 WHERE username = $1`, user).Scan(&bytes, &messages)
	if err != nil && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	return bytes, messages
}

// quotaOf reads the quota of user@quota.test over IMAP.
func (e *env) quotaOf(t *testing.T, user string) (used, limit int) {
	t.Helper()
	s, ok, err := imapLogin(e.imapAddr, user+"@quota.test", "Pw-"+user+"-2026")
	if err != nil || !ok {
		t.Fatalf("IMAP login of %s: %v %v\n%s", user, ok, err, e.logs())
	}
	defer s.Close()
	used, limit, err = s.quota()
	if err != nil {
		t.Fatal(err)
	}
	return used, limit
}
