package mailtest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// company is one domain, two departments, ten accounts with an alias each (one of
// them frozen), and two groups: one of a department, one of a member and a group.
const company = `
provider "postfix" {
  bcrypt_cost = 4 # the tests check the scheme, not its strength
}

domain "main" {
  name = "harbour.test"
}

department "sales" {
  name = "Sales"
}

department "finance" {
  name = "Finance"
}

locals {
  staff = {
    ann = "sales", bob = "sales", cai = "sales", fay = "sales", hal = "sales",
    dan = "finance", eve = "finance", gus = "finance", ivy = "finance",
  }
}

account "staff" {
  for_each    = local.staff
  email       = "${each.key}@harbour.test"
  name        = "Person ${each.key}"
  departments = [each.value == "sales" ? department.sales.id : department.finance.id]
  aliases     = ["${each.key}.alias@harbour.test"]
  password    = "Pw-${each.key}-2026"
  quota_mb    = 512
}

account "zed" {
  email    = "zed@harbour.test"
  name     = "Zed"
  status   = "frozen"
  aliases  = ["z@harbour.test"]
  password = "Pw-zed-2026"
}

group "sales" {
  email              = "sales@harbour.test"
  name               = "Sales"
  member_departments = [department.sales.id]
  senders            = "anyone"
}

group "board" {
  email         = "board@harbour.test"
  name          = "Board"
  members       = [account.staff["dan"].email]
  member_groups = [group.sales.email]
  senders       = "anyone" # the tests write to it from the internet
}
`

type result struct {
	out  string
	code int
}

// mailform runs the real binary in dir against the shared mail database.
func (e *env) mailform(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return e.mailformEnv(t, dir, nil, args...)
}

// mailformEnv is mailform with extra environment entries.
func (e *env) mailformEnv(t *testing.T, dir string, extra []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(e.binary, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAILFORM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "NO_COLOR=1", "MAILFORM_POSTFIX_DATABASE_URL="+e.dsn)
	cmd.Env = append(cmd.Env, extra...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{b.String(), code}
}

func (e *env) must(t *testing.T, dir string, code int, args ...string) string {
	t.Helper()
	r := e.mailform(t, dir, args...)
	if r.code != code {
		t.Fatalf("mailform %s: exit %d, want %d\n%s", strings.Join(args, " "), r.code, code, r.out)
	}
	return r.out
}

func (e *env) sql(t *testing.T, q string) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestCompanyOnPostfix is the end-to-end proof: apply a small company, then
// use it through real SMTP and IMAP, edit it in SQL as PostfixAdmin would, and
// export it back to a configuration that plans no change.
func TestCompanyOnPostfix(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	writeMain(t, dir, company)
	out := e.must(t, dir, 0, "apply", "-auto-approve")
	if !strings.Contains(out, "Apply complete! 15 added, 0 changed, 0 destroyed") {
		t.Fatalf("apply:\n%s", out)
	}
	for _, secret := range []string{"Pw-ann-2026", e.dsn} {
		if strings.Contains(out, secret) {
			t.Fatalf("apply printed a secret:\n%s", out)
		}
	}
	state, _ := os.ReadFile(filepath.Join(dir, "mailform.state"))
	if bytes.Contains(state, []byte("Pw-ann-2026")) || bytes.Contains(state, []byte(e.pg.Dir)) {
		t.Fatal("the state holds a password or the database URL in clear text")
	}
	if out := e.must(t, dir, 0, "plan", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
		t.Fatalf("re-plan after apply:\n%s", out)
	}

	t.Run("mail", func(t *testing.T) {
		e.needMail(t)
		e.checkMail(t)
	})

	// A mailbox edited in SQL, as PostfixAdmin would, is one change in plan and drift.
	e.sql(t, `UPDATE mailbox SET name = 'Bob in PostfixAdmin', modified = now() WHERE username = 'bob@harbour.test'`)
	out = e.must(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(out, "Plan: 0 to add, 1 to change, 0 to destroy.") || !strings.Contains(out, `"Bob in PostfixAdmin" -> "Person bob"`) ||
		strings.Count(out, "will be updated in place") != 1 {
		t.Fatalf("plan after the SQL edit:\n%s", out)
	}
	out = e.must(t, dir, 2, "drift")
	if strings.Count(out, `account.staff["bob"]`) != 1 || !strings.Contains(out, "Bob in PostfixAdmin") {
		t.Fatalf("drift after the SQL edit:\n%s", out)
	}
	if strings.Contains(out, `account.staff["ann"]`) || strings.Contains(out, "group.") {
		t.Fatalf("drift names more than the edited mailbox:\n%s", out)
	}
	// The same mailbox edited again between plan and apply stops that step.
	e.must(t, dir, 2, "plan", "-out", "fix.mfplan", "-detailed-exitcode")
	e.sql(t, `UPDATE mailbox SET name = 'Bob edited twice' WHERE username = 'bob@harbour.test'`)
	out = e.must(t, dir, 1, "apply", "fix.mfplan")
	if !strings.Contains(out, "changed since plan") || !strings.Contains(out, `account.staff["bob"]`) {
		t.Fatalf("apply of a plan whose mailbox changed since:\n%s", out)
	}
	e.must(t, dir, 0, "apply", "-auto-approve")
	e.must(t, dir, 0, "plan", "-detailed-exitcode")

	// export of the live server plans back to zero changes.
	exp := t.TempDir()
	if err := os.WriteFile(filepath.Join(exp, "main.mf.hcl"), []byte("provider \"postfix\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = e.must(t, exp, 0, "export")
	out = e.mailform(t, exp, "plan").out
	if !strings.Contains(out, " 0 to add, 0 to change, 0 to destroy.") || strings.Contains(out, "will be updated") {
		files, _ := filepath.Glob(filepath.Join(exp, "*.mf.hcl"))
		var all string
		for _, f := range files {
			b, _ := os.ReadFile(f)
			all += "--- " + f + "\n" + string(b)
		}
		t.Fatalf("plan of the export:\n%s\n%s", out, all)
	}
}

// checkMail is the part of the proof that needs Postfix and Dovecot.
func (e *env) checkMail(t *testing.T) {
	t0 := time.Now()
	lap := func(what string) { t.Logf("%6.2fs %s", time.Since(t0).Seconds(), what) }
	defer lap("done")
	// Login with the declared password; a wrong one and a frozen account fail.
	s, ok, err := imapLogin(e.imapAddr, "ann@harbour.test", "Pw-ann-2026")
	if err != nil || !ok {
		t.Fatalf("IMAP login with the declared password: ok=%v err=%v\n%s", ok, err, e.logs())
	}
	s.Close()
	lap("first login")
	if _, ok, err := imapLoginFrom("127.0.0.2", e.imapAddr, "ann@harbour.test", "wrong"); ok || err != nil {
		t.Fatalf("IMAP login with a wrong password: ok=%v err=%v", ok, err)
	}
	if _, ok, err := imapLoginFrom("127.0.0.3", e.imapAddr, "zed@harbour.test", "Pw-zed-2026"); ok || err != nil {
		t.Fatalf("IMAP login of a frozen account: ok=%v err=%v", ok, err)
	}

	lap("logins")
	// Mail to a frozen account or its alias is rejected at RCPT.
	for _, rcpt := range []string{"zed@harbour.test", "z@harbour.test", "nobody@harbour.test"} {
		err := send(e.smtpAddr, "", "", "someone@internet.test", []string{rcpt}, "to frozen")
		if err == nil || !strings.Contains(err.Error(), "RCPT TO:<"+rcpt+">") || !regexp.MustCompile(`\b55\d\b`).MatchString(err.Error()) {
			t.Fatalf("mail to %s: %v; want a 5xx at RCPT\n%s", rcpt, err, e.logs())
		}
	}

	lap("rejections")
	// Mail to an account, an alias and the groups arrives in the right mailboxes.
	marker := time.Now().Format("150405.000")
	for _, m := range []struct{ to, subject string }{
		{"ann@harbour.test", "to-account-" + marker},
		{"bob.alias@harbour.test", "to-alias-" + marker},
		{"sales@harbour.test", "to-sales-" + marker},
		{"board@harbour.test", "to-board-" + marker},
	} {
		if err := send(e.smtpAddr, "", "", "someone@internet.test", []string{m.to}, m.subject); err != nil {
			t.Fatalf("mail to %s: %v\n%s", m.to, err, e.logs())
		}
	}
	sales := []string{"ann", "bob", "cai", "fay", "hal"}
	want := map[string]map[string]int{}
	for _, u := range []string{"ann", "bob", "cai", "dan", "eve", "fay", "gus", "hal", "ivy"} {
		want[u] = map[string]int{"to-account-": 0, "to-alias-": 0, "to-sales-": 0, "to-board-": 0}
	}
	want["ann"]["to-account-"] = 1
	want["bob"]["to-alias-"] = 1
	for _, u := range sales {
		want[u]["to-sales-"] = 1
		want[u]["to-board-"] = 1 // through the member group
	}
	want["dan"]["to-board-"] = 1
	lap("sent")
	// Each mailbox is read with one login per round until every count is right;
	// a count above the expected one fails at once.
	deadline := time.Now().Add(30 * time.Second)
	for {
		wrong := ""
		for u, subjects := range want {
			got, err := e.countMail(u, subjects, marker)
			if err != nil {
				t.Fatal(err)
			}
			for prefix, n := range subjects {
				if got[prefix] > n {
					t.Fatalf("%s has %d messages %q, want %d", u, got[prefix], prefix+marker, n)
				}
				if got[prefix] != n {
					wrong = fmt.Sprintf("%s has %d messages %q, want %d", u, got[prefix], prefix+marker, n)
				}
			}
		}
		if wrong == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s\n%s", wrong, e.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}

	lap("delivered")
	if os.Getenv("MAILTEST_LOGS") != "" { // for debugging: the servers' logs
		t.Log(e.logs())
	}
	// Sending out needs AUTH on the submission port; with it, mail reaches the internet.
	if err := send(e.submitAddr, "", "", "ann@harbour.test", []string{"partner@internet.test"}, "no-auth-"+marker); err == nil {
		t.Fatal("the submission port relayed without AUTH")
	}
	if err := send(e.smtpAddr, "", "", "ann@harbour.test", []string{"partner@internet.test"}, "open-relay-"+marker); err == nil {
		t.Fatal("port 25 relayed to another domain without AUTH")
	}
	if err := sendFrom("127.0.0.4", e.submitAddr, "ann@harbour.test", "wrong", "ann@harbour.test", []string{"partner@internet.test"}, "bad-auth-"+marker); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("AUTH with a wrong password: %v", err)
	}
	if err := send(e.submitAddr, "ann@harbour.test", "Pw-ann-2026", "ann@harbour.test", []string{"partner@internet.test"}, "out-"+marker); err != nil {
		t.Fatalf("submission with AUTH: %v\n%s", err, e.logs())
	}
	for time.Now().Before(deadline) && len(e.capture.received("out-"+marker)) == 0 {
		time.Sleep(100 * time.Millisecond)
	}
	if got := e.capture.received("out-" + marker); len(got) != 1 || got[0].to[0] != "partner@internet.test" {
		t.Fatalf("the internet received %v\n%s", got, e.logs())
	}
}

// countMail logs in as user and counts the INBOX messages of each subject prefix.
func (e *env) countMail(user string, subjects map[string]int, marker string) (map[string]int, error) {
	s, ok, err := imapLogin(e.imapAddr, user+"@harbour.test", "Pw-"+user+"-2026")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errLogin(user)
	}
	defer s.Close()
	out := map[string]int{}
	for prefix := range subjects {
		n, err := s.count(prefix + marker)
		if err != nil {
			return nil, err
		}
		out[prefix] = n
	}
	return out, nil
}

type errLogin string

func (e errLogin) Error() string { return "IMAP login of " + string(e) + " failed" }

// newDatabase makes another database on the shared cluster and returns its DSN.
func (e *env) newDatabase(t *testing.T, name string) string {
	t.Helper()
	c, err := pgx.Connect(context.Background(), e.pg.ConnStr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(e.dsn, "dbname=mail", "dbname="+name, 1)
}

// copyExample copies the configuration of examples/selfhosted into a new directory,
// with examples/modules beside it as in the repository (the example calls
// ../modules/company-baseline), and the cheapest bcrypt (the tests check the scheme,
// not its strength). It returns the example's directory.
func copyExample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "examples", "selfhosted")
	src := filepath.Join(repoRoot(), "examples", "selfhosted")
	files, _ := filepath.Glob(filepath.Join(src, "*.mf.hcl"))
	csvs, _ := filepath.Glob(filepath.Join(src, "*.csv"))
	files = append(files, csvs...)
	mods := filepath.Join(repoRoot(), "examples", "modules")
	err := filepath.WalkDir(mods, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(mods, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		to := filepath.Join(dir, "..", "modules", rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.Replace(string(b), `provider "postfix" {`, "provider \"postfix\" {\n  bcrypt_cost = 4", 1))
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSelfhostedExample applies examples/selfhosted (the quickstart company) to an
// empty mail database and plans again with no change.
func TestSelfhostedExample(t *testing.T) {
	e := setup(t)
	dsn := e.newDatabase(t, "example")
	dir := copyExample(t)
	run := func(code int, args ...string) string {
		t.Helper()
		saved := e.dsn
		e.dsn = dsn
		defer func() { e.dsn = saved }()
		return e.must(t, dir, code, args...)
	}
	if out := run(0, "validate"); strings.Contains(out, "Warning") {
		t.Fatalf("validate:\n%s", out)
	}
	if out := run(0, "apply", "-auto-approve"); !strings.Contains(out, "Apply complete! 41 added") {
		t.Fatalf("apply:\n%s", out)
	}
	run(0, "plan", "-detailed-exitcode")
}

// writeMain writes cfg as dir/main.mf.hcl.
func writeMain(t testing.TB, dir, cfg string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}
