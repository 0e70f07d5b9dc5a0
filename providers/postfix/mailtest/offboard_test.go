package mailtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const leavers = `
provider "postfix" {
  bcrypt_cost            = 4
  maildir_delete_command = ["doveadm", "-c", "@RUN@/dovecot/dovecot.conf", "fs", "delete", "-R", "posix", "dirs", "@RUN@/vmail/{maildir}"]
}

domain "main" {
  name = "leavers.test"
}

account "alice" {
  email    = "alice@leavers.test"
  name     = "Alice"
  password = "Pw-alice-2026"
}

account "bob" {
  email    = "bob@leavers.test"
  name     = "Bob"
  password = "Pw-bob-2026"
  @BOB@
}
`

// TestDepartedAccountIsDeletedWithItsMaildir: a departed account is frozen, kept for
// its retention, then deleted with its maildir (through doveadm); its address goes to
// the heir as an alias and mail to it reaches her; nothing else is touched.
func TestDepartedAccountIsDeletedWithItsMaildir(t *testing.T) {
	e := setup(t)
	e.needMail(t)
	dir := t.TempDir()
	write := func(bob string) {
		cfg := strings.ReplaceAll(strings.ReplaceAll(leavers, "@RUN@", e.run), "@BOB@", bob)
		if err := os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	e.must(t, dir, 0, "apply", "-auto-approve")
	marker := time.Now().Format("150405.000")
	for _, u := range []string{"alice", "bob"} {
		if err := send(e.smtpAddr, "", "", "someone@internet.test", []string{u + "@leavers.test"}, "before-"+marker); err != nil {
			t.Fatal(err)
		}
	}
	maildir := func(u string) string { return filepath.Join(e.run, "vmail", "leavers.test", u) }
	waitFor(t, func() bool { return exists(maildir("alice")) && exists(maildir("bob")) }, "both maildirs")

	write(`status = "departed"
  offboarding {
    handover_to = account.alice.email
    retain_days = 30
  }`)
	e.must(t, dir, 0, "apply", "-auto-approve")
	if _, ok, err := imapLoginFrom("127.0.0.5", e.imapAddr, "bob@leavers.test", "Pw-bob-2026"); ok || err != nil {
		t.Fatalf("a departed account logged in: %v %v", ok, err)
	}
	if !exists(maildir("bob")) {
		t.Fatal("freezing removed the maildir")
	}
	later := "MAILFORM_NOW=" + time.Now().AddDate(0, 0, 31).UTC().Format(time.RFC3339)
	out := e.mailformEnv(t, dir, []string{later}, "apply", "-auto-approve")
	if out.code != 0 || !strings.Contains(out.out, "1 destroyed") {
		t.Fatalf("apply after the retention: exit %d\n%s", out.code, out.out)
	}
	if exists(maildir("bob")) || !exists(maildir("alice")) {
		t.Fatalf("after the delete: bob's maildir %v (want gone), alice's %v (want kept)", exists(maildir("bob")), exists(maildir("alice")))
	}
	// bob's address now belongs to alice, and the rest of the server is untouched.
	if err := send(e.smtpAddr, "", "", "someone@internet.test", []string{"bob@leavers.test"}, "after-"+marker); err != nil {
		t.Fatalf("mail to the departed address: %v", err)
	}
	waitFor(t, func() bool {
		got, err := e.countMailAt("alice@leavers.test", "Pw-alice-2026", "after-"+marker)
		return err == nil && got == 1
	}, "mail to bob's old address in alice's INBOX")
	if got, _ := e.countMailAt("alice@leavers.test", "Pw-alice-2026", "before-"+marker); got != 1 {
		t.Fatalf("alice has %d of her own earlier messages", got)
	}
	if r := e.mailformEnv(t, dir, []string{later}, "plan", "-detailed-exitcode"); r.code != 0 {
		t.Fatalf("re-plan: exit %d\n%s", r.code, r.out)
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 30s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (e *env) countMailAt(user, pass, subject string) (int, error) {
	s, ok, err := imapLogin(e.imapAddr, user, pass)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errLogin(user)
	}
	defer s.Close()
	return s.count(subject)
}
