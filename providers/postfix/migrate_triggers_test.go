package postfix

import (
	"context"
	"reflect"
	"testing"
)

// The change notifications the enforce services listen for come from statement
// triggers on every table that decides their rules: a table left out would leave
// a service on stale rules until its refresh.
func TestMigrateInstallsTheNotifyTriggers(t *testing.T) {
	ctx := context.Background()
	c := sqlConn(t, newDB(t))
	if _, err := Migrate(ctx, c); err != nil {
		t.Fatal(err)
	}
	for fn, want := range map[string][]string{
		"mailform_backup_rule_notify": {"alias", "domain", "mailbox", "mailform_account_department", "mailform_backup_rule", "mailform_department"},
		"mailform_policy_changed": {"alias", "alias_domain", "domain", "mailbox", "mailform_account_department", "mailform_department",
			"mailform_group", "mailform_group_member", "mailform_send_restriction", "mailform_send_restriction_entry"},
	} {
		rows, err := c.Query(ctx, `SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
			WHERE t.tgname = $1 AND NOT t.tgisinternal ORDER BY c.relname`, fn)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			got = append(got, name)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("trigger %s on %v; want %v", fn, got, want)
		}
	}
	// Statement level, on every kind of write.
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgname IN ('mailform_backup_rule_notify', 'mailform_policy_changed')
		AND tgtype & 1 = 0 AND tgtype & (4|8|16|32) = (4|8|16|32)`).Scan(&n); err != nil || n != 16 {
		t.Fatalf("%d statement triggers on INSERT, DELETE, UPDATE and TRUNCATE (%v); want 16", n, err)
	}
}
