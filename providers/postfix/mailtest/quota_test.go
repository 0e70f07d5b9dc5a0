package mailtest

import (
	"context"
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

// TestQuotaFullMailboxBounces: an account with quota_mb = 1 receives mail until
// its mailbox is full; the next message is refused by Dovecot's LMTP and bounced to
// the sender with the over-quota reason, and is not in the mailbox. Raising quota_mb
// by apply takes effect at once: IMAP shows the new limit and the same mail arrives.
func TestQuotaFullMailboxBounces(t *testing.T) {
	e := setup(t)
	e.needMail(t)
	dir := t.TempDir()
	write := func(quota string) {
		if err := os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(strings.ReplaceAll(quotaCompany, "@QUOTA@", quota)), 0o644); err != nil {
			t.Fatal(err)
		}
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
	delivered, bounced := 0, ""
	for i := 1; i <= 8 && bounced == ""; i++ {
		subject := "full-" + marker + "-" + string(rune('0'+i))
		if err := sendMessage("", e.smtpAddr, "", "", "sender@internet.test", []string{"kim@quota.test"}, subject, body); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		waitFor(t, func() bool {
			if len(e.capture.received(subject)) > 0 {
				bounced = subject
				return true
			}
			n, err := e.countMailAt("kim@quota.test", "Pw-kim-2026", subject)
			if err == nil && n == 1 {
				delivered++
				return true
			}
			return false
		}, "delivery or bounce of "+subject)
	}
	if bounced == "" || delivered < 3 {
		t.Fatalf("%d messages delivered, bounce %q; want at least 3 delivered, then a bounce\n%s", delivered, bounced, e.logs())
	}
	b := e.capture.received(bounced)[0]
	report := strings.Join(strings.Fields(b.data), " ") // Postfix folds long lines
	if len(b.to) != 1 || b.to[0] != "sender@internet.test" || b.from != "<>" ||
		!strings.Contains(report, "Diagnostic-Code: smtp; 552 5.2.2 <kim@quota.test> Quota exceeded: the mailbox of this recipient is full") {
		t.Fatalf("the bounce of %s, from %s to %v:\n%s", bounced, b.from, b.to, tail(b.data, 3000))
	}
	if n, _ := e.countMailAt("kim@quota.test", "Pw-kim-2026", bounced); n != 0 {
		t.Fatalf("the bounced message is in the mailbox %d times", n)
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
	if err := sendMessage("", e.smtpAddr, "", "", "sender@internet.test", []string{"kim@quota.test"}, again, body); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		n, err := e.countMailAt("kim@quota.test", "Pw-kim-2026", again)
		return err == nil && n == 1
	}, "delivery after raising the quota")
	if got := e.capture.received(again); len(got) != 0 {
		t.Fatalf("a message within the raised quota bounced:\n%s", tail(got[0].data, 2000))
	}
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
