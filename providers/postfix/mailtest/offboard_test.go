package mailtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
		writeMain(t, dir, cfg)
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
	rowsBefore, filesBefore := e.rowsWithout(t, "bob@"), e.filesWithout(t, maildir("bob"))
	if len(e.rowsOnly(t, "bob@leavers.test")) == 0 {
		t.Fatal("no rows of bob before the delete: the check below would prove nothing")
	}
	out := e.mailformEnv(t, dir, []string{later}, "apply", "-auto-approve")
	if out.code != 0 || !strings.Contains(out.out, "1 destroyed") {
		t.Fatalf("apply after the retention: exit %d\n%s", out.code, out.out)
	}
	if exists(maildir("bob")) || !exists(maildir("alice")) {
		t.Fatalf("after the delete: bob's maildir %v (want gone), alice's %v (want kept)", exists(maildir("bob")), exists(maildir("alice")))
	}
	// Of bob's rows only his address stays, as an alias to the heir; every other
	// row in every table, and every other file under the mail store, is as it was.
	if got := e.rowsOnly(t, "bob@leavers.test"); len(got) != 1 || !strings.HasPrefix(got[0], "alias ") ||
		!strings.Contains(got[0], `"goto":"alice@leavers.test"`) {
		t.Fatalf("rows naming bob after the delete, want only the alias to alice:\n%s", strings.Join(got, "\n"))
	}
	// The heir's update (bob's address as her alias, in the same plan) stamps her
	// rows' modified time, and nothing else of them.
	if !strings.Contains(out.out, "Plan: 0 to add, 1 to change, 1 to destroy.") || !strings.Contains(out.out, `+ "bob@leavers.test"`) {
		t.Fatalf("the plan after the retention should destroy bob and give alice his address:\n%s", out.out)
	}
	if diff := diffLines(unstamp(rowsBefore, "alice@"), unstamp(e.rowsWithout(t, "bob@"), "alice@")); diff != "" {
		t.Fatalf("the delete touched other rows:\n%s", diff)
	}
	if diff := diffLines(filesBefore, e.filesWithout(t, maildir("bob"))); diff != "" {
		t.Fatalf("the delete touched other files under the mail store:\n%s", diff)
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

// mailTables are every table of the mail database, PostfixAdmin's and mailform's.
var mailTables = []string{"domain", "mailbox", "alias", "alias_domain", "quota2", "mailform_department",
	"mailform_account", "mailform_account_department", "mailform_group", "mailform_group_member", "mailform_schema_migrations"}

// rows returns every row of the mail database as "table json", sorted.
func (e *env) rows(t *testing.T) []string {
	t.Helper()
	c, err := pgx.Connect(context.Background(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var out []string
	for _, table := range mailTables {
		rs, err := c.Query(context.Background(), `SELECT row_to_json(t)::text FROM `+table+` t`)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var j string
			if err := rs.Scan(&j); err != nil {
				t.Fatal(err)
			}
			out = append(out, table+" "+j)
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(out)
	return out
}

// rowsWithout is rows without those that mention s.
func (e *env) rowsWithout(t *testing.T, s string) []string {
	var out []string
	for _, r := range e.rows(t) {
		if !strings.Contains(r, s) {
			out = append(out, r)
		}
	}
	return out
}

// rowsOnly is the rows that mention s.
func (e *env) rowsOnly(t *testing.T, s string) []string {
	var out []string
	for _, r := range e.rows(t) {
		if strings.Contains(r, s) {
			out = append(out, r)
		}
	}
	return out
}

// unstamp blanks the modified time of the rows that mention s.
func unstamp(rows []string, s string) []string {
	stamp := regexp.MustCompile(`"modified":"[^"]*"`)
	out := make([]string, len(rows))
	for i, r := range rows {
		if strings.Contains(r, s) {
			r = stamp.ReplaceAllString(r, `"modified":"…"`)
		}
		out[i] = r
	}
	return out
}

// filesWithout lists every directory, and every file with its size and time, under
// the mail store, leaving out the tree at skip.
func (e *env) filesWithout(t *testing.T, skip string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(filepath.Join(e.run, "vmail"), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		if fi.IsDir() { // a directory's time changes with its entries, which are listed
			out = append(out, p+"/")
			return nil
		}
		out = append(out, fmt.Sprintf("%s %d %s", p, fi.Size(), fi.ModTime().Format(time.RFC3339Nano)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffLines says which lines are only in a (-) or only in b (+), or "".
func diffLines(a, b []string) string {
	in := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	ina, inb := in(a), in(b)
	var d strings.Builder
	for _, x := range a {
		if !inb[x] {
			d.WriteString("- " + x + "\n")
		}
	}
	for _, x := range b {
		if !ina[x] {
			d.WriteString("+ " + x + "\n")
		}
	}
	return d.String()
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
