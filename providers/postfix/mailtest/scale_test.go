package mailtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/postfix"
)

// TestNoChangePlan10000Mailboxes times a no-change plan of 10,000 mailboxes with
// aliases, 20 departments and a department group (target: 1 s). The mailboxes are
// written straight into the tables (hashing 10,000 passwords through apply would
// time bcrypt, not the plan) and adopted by one apply. Run it with
// MAILFORM_POSTFIX_SCALE=1; it prints the times.
func TestNoChangePlan10000Mailboxes(t *testing.T) {
	if os.Getenv("MAILFORM_POSTFIX_SCALE") != "1" {
		t.Skip("set MAILFORM_POSTFIX_SCALE=1 to time a no-change plan of 10,000 mailboxes")
	}
	e := setup(t)
	dsn := e.newDatabase(t, "scale")
	saved := e.dsn
	e.dsn = dsn
	defer func() { e.dsn = saved }()
	dir := t.TempDir()
	cfg := `provider "postfix" {}
domain "main" {
  name = "scale.test"
}
department "d" {
  for_each = toset([for i in range(20) : tostring(i)])
  name     = "Dept ${each.key}"
}
locals {
  people = { for r in csvdecode(file("people.csv")) : r.email => r }
}
account "p" {
  for_each    = local.people
  email       = each.key
  name        = each.value.name
  departments = [department.d[each.value.dept].id]
  aliases     = ["alias.${each.key}"]
  quota_mb    = 1024
}
group "all" {
  email              = "all@scale.test"
  name               = "All"
  member_departments = [for d in department.d : d.id]
}
`
	var csv strings.Builder
	csv.WriteString("email,name,dept\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&csv, "u%05d@scale.test,User %d,%d\n", i, i, i%20)
	}
	os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(cfg), 0o644)
	os.WriteFile(filepath.Join(dir, "people.csv"), []byte(csv.String()), 0o644)
	// Departments and the group through apply (the accounts are not there yet).
	os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(strings.Replace(cfg, `{ for r in csvdecode(file("people.csv")) : r.email => r }`, `{}`, 1)), 0o644)
	e.must(t, dir, 0, "apply", "-auto-approve")
	e.sql(t, `INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain)
		SELECT format('u%s@scale.test', lpad(i::text, 5, '0')), '{BLF-CRYPT}x', format('User %s', i),
			format('scale.test/u%s/', lpad(i::text, 5, '0')), 1073741824, format('u%s', lpad(i::text, 5, '0')), 'scale.test'
		FROM generate_series(0, 9999) i;
		INSERT INTO alias (address, goto, domain) SELECT username, username, domain FROM mailbox WHERE domain = 'scale.test';
		INSERT INTO alias (address, goto, domain) SELECT 'alias.' || username, username, domain FROM mailbox WHERE domain = 'scale.test';
		INSERT INTO mailform_account (username) SELECT username FROM mailbox WHERE domain = 'scale.test';
		INSERT INTO mailform_account_department (username, department_id)
			SELECT m.username, d.id FROM mailbox m JOIN mailform_department d ON d.name = 'Dept ' || (substring(m.local_part from 2)::int % 20)
			WHERE m.domain = 'scale.test';`)
	os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(cfg), 0o644)
	start := time.Now()
	out := e.must(t, dir, 0, "apply", "-auto-approve")
	t.Logf("adopting 10,000 mailboxes (plan + apply, group re-expanded): %s", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(out, "Apply complete!") {
		t.Fatalf("adopt:\n%s", tail(out, 3000))
	}
	for i := 0; i < 3; i++ {
		start = time.Now()
		var extra []string
		if prof := os.Getenv("MAILFORM_POSTFIX_SCALE_PROFILE"); prof != "" && i == 2 {
			extra = []string{"MAILFORM_CPUPROFILE=" + prof}
		}
		if r := e.mailformEnv(t, dir, extra, "plan", "-detailed-exitcode"); r.code != 0 {
			t.Fatalf("no-change plan: exit %d\n%s", r.code, tail(r.out, 3000))
		}
		t.Logf("no-change plan of 10,000 mailboxes: %s", time.Since(start).Round(time.Millisecond))
	}
	// The provider's share: reading every type once, as a plan does.
	pv, err := postfix.New(model.Object{"database_url": dsn}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer pv.Close()
	start = time.Now()
	n := 0
	for _, typ := range []string{"domain", "department", "account", "group"} {
		rs, err := pv.Read(context.Background(), providers.ReadRequest{Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		n += len(rs)
	}
	t.Logf("the provider reads %d objects in %s", n, time.Since(start).Round(time.Millisecond))
}
