package mailtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/postfix"
)

// TestPostfixMigrateCommand: `mailform postfix migrate` creates the schema once and
// then says it is up to date; without a database, or with one that does not answer,
// it fails with one message that never shows the password.
func TestPostfixMigrateCommand(t *testing.T) {
	e := setup(t)
	dsn := e.newDatabase(t, "migrated")
	dir := t.TempDir()
	out := e.must(t, dir, 0, "postfix", "migrate", "--database-url", dsn+" password=hunter2-secret")
	if !strings.Contains(out, `Migrated the database "migrated"`) || !regexp.MustCompile(`applied \[1( \d+)*\]`).MatchString(out) || strings.Contains(out, "hunter2") {
		t.Fatalf("first migrate:\n%s", out)
	}
	if out := e.must(t, dir, 0, "postfix", "migrate", "--database-url", dsn); !strings.Contains(out, fmt.Sprintf("is up to date (schema version %d)", postfix.SchemaVersion())) {
		t.Fatalf("second migrate:\n%s", out)
	}
	saved := e.dsn
	e.dsn = ""
	out = e.must(t, dir, 1, "postfix", "migrate")
	e.dsn = saved
	if !strings.Contains(out, "MAILFORM_POSTFIX_DATABASE_URL") {
		t.Fatalf("migrate without a database:\n%s", out)
	}
	start := time.Now()
	out = e.must(t, dir, 1, "postfix", "migrate", "--database-url", "postgres://mail:hunter2-secret@127.0.0.1:1/mail?sslmode=disable")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "cannot connect to the mail database \"mail\" at 127.0.0.1:1") || strings.Contains(out, "hunter2") {
		t.Fatalf("migrate of an unreachable database:\n%s", out)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("an unreachable database took %s", d)
	}
}

// TestDatabaseURLNeverStored: a database_url with a password, and an account password,
// both from the environment, appear in no output, saved plan, state or debug log. (A
// literal in a .mf.hcl file is in the plan file's copy of the configuration, as it is
// in the configuration itself.)
func TestDatabaseURLNeverStored(t *testing.T) {
	e := setup(t)
	dsn := e.newDatabase(t, "secretive") + " password=hunter2-secret"
	dir := t.TempDir()
	cfg := `provider "postfix" {
  bcrypt_cost = 4
}
variable "pw" {
  type      = string
  sensitive = true
}
domain "main" {
  name = "secret.test"
}
account "ann" {
  email    = "ann@secret.test"
  name     = "Ann"
  password = var.pw
}
`
	writeMain(t, dir, cfg)
	var all strings.Builder
	saved := e.dsn
	e.dsn = dsn
	defer func() { e.dsn = saved }()
	env := []string{"MAILFORM_LOG=debug", "MAILFORM_VAR_pw=Ann-Password-2026"}
	all.WriteString(e.mailformEnv(t, dir, env, "plan", "-out", "p.mfplan").out)
	all.WriteString(e.mailformEnv(t, dir, env, "apply", "p.mfplan").out)
	all.WriteString(e.mailform(t, dir, "show", "-json").out)
	all.WriteString(e.mailform(t, dir, "state", "show", "account.ann").out)
	if out := e.mailformEnv(t, dir, env, "plan", "-detailed-exitcode"); out.code != 0 {
		t.Fatalf("re-plan: exit %d\n%s", out.code, out.out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if strings.HasSuffix(f, ".mf.hcl") {
			continue
		}
		b, _ := os.ReadFile(f)
		all.WriteString(string(b))
	}
	for _, secret := range []string{"hunter2-secret", "Ann-Password-2026"} {
		if strings.Contains(all.String(), secret) {
			i := strings.Index(all.String(), secret)
			t.Fatalf("%q appears in output, the plan file or the state: …%s…", secret, all.String()[max(0, i-300):min(len(all.String()), i+100)])
		}
	}
	if !strings.Contains(all.String(), "Apply complete!") {
		t.Fatalf("apply of the saved plan:\n%s", all.String())
	}
}

// TestExportAdoptsAPostfixAdminInstallation: rows made by PostfixAdmin (mailboxes with
// their own alias rows, an alias, a multi-recipient alias) export to a configuration
// whose plan adopts everything and changes nothing; an alias forwarding outside the
// server's domains, which no configuration can declare, is left out and alone.
func TestExportAdoptsAPostfixAdminInstallation(t *testing.T) {
	e := setup(t)
	dsn := e.newDatabase(t, "adopted")
	saved := e.dsn
	e.dsn = dsn
	defer func() { e.dsn = saved }()
	dir := t.TempDir()
	e.must(t, dir, 0, "postfix", "migrate", "--database-url", dsn)
	e.sql(t, `INSERT INTO domain (domain, description) VALUES ('ALL', ''), ('old.test', 'made in PostfixAdmin');
		INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain) VALUES
			('ann@old.test', '{BLF-CRYPT}$2y$10$abcdefghijklmnopqrstuu', 'Ann Old', 'old.test/ann/', 0, 'ann', 'old.test'),
			('ben@old.test', '{SHA512-CRYPT}$6$x$y', 'Ben Old', 'old.test/ben/', 52428800, 'ben', 'old.test');
		INSERT INTO alias (address, goto, domain) VALUES
			('ann@old.test', 'ann@old.test', 'old.test'), ('ben@old.test', 'ben@old.test', 'old.test'),
			('a@old.test', 'ann@old.test', 'old.test'),
			('team@old.test', 'ann@old.test,ben@old.test', 'old.test'),
			('fwd@old.test', 'ann@old.test,partner@elsewhere.test', 'old.test');`)
	writeMain(t, dir, "provider \"postfix\" {}\n")
	e.must(t, dir, 0, "export")
	out := e.must(t, dir, 0, "plan")
	if !strings.Contains(out, " 0 to add, 0 to change, 0 to destroy.") || strings.Contains(out, "will be updated") {
		t.Fatalf("plan of the export:\n%s", out)
	}
	e.must(t, dir, 0, "apply", "-auto-approve")
	e.must(t, dir, 0, "plan", "-detailed-exitcode")
	groups, _ := os.ReadFile(filepath.Join(dir, "groups.mf.hcl"))
	if !strings.Contains(string(groups), "team@old.test") || strings.Contains(string(groups), "fwd@old.test") {
		t.Fatalf("groups.mf.hcl:\n%s", groups)
	}
}
