package postfix

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

func TestBackupRuleLifecycle(t *testing.T) {
	dsn := newDB(t)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	fin := create(t, p, "department", model.Object{"name": "Finance"})
	create(t, p, "account", model.Object{"email": "archive@example.com", "name": "Archive", "password": "pw-archive-1"})
	desired := model.Object{"destination": "Archive@Example.com", "departments": []string{fin.ID}, "direction": "outbound",
		"accounts": []string{"boss@example.com"},
		"match":    model.Object{"has_attachment": true, "from_domains": []string{"b.test", "A.test"}}}
	r, err := p.Create(ctx, "backup_rule", "finance", desired)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "finance" {
		t.Fatalf("id = %q; want the label", r.ID)
	}
	want := model.Object{"destination": "archive@example.com", "departments": []string{fin.ID}, "direction": "outbound",
		"accounts": []string{"boss@example.com"},
		"match":    model.Object{"has_attachment": true, "from_domains": []string{"A.test", "b.test"}, "subject_contains": ""}}
	live := readAll(t, p, "backup_rule")
	if !reflect.DeepEqual(live, map[string]model.Object{"finance": want}) {
		t.Fatalf("read = %v\nwant %v", live, want)
	}
	if d := model.Diff(model.BackupRule, model.Canonical(model.BackupRule, live["finance"]), model.Canonical(model.BackupRule, desired), nil); len(d) != 0 {
		t.Fatalf("re-plan after create shows %v; want no change", d)
	}
	if _, err := p.Create(ctx, "backup_rule", "finance", desired); !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Fatalf("second create = %v; want changed since plan", err)
	}

	// has_attachment left out of the match block is no condition.
	upd := model.Object{"destination": "archive@example.com", "accounts": []string{"boss@example.com"}, "departments": []string{}, "direction": "both",
		"match": model.Object{"subject_contains": "Invoice"}}
	if _, err := p.Update(ctx, "backup_rule", "finance", live["finance"], upd); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, p, "backup_rule")["finance"]
	if m, _ := got["match"].(model.Object); m.Str("subject_contains") != "Invoice" || m["has_attachment"] != nil || len(m.Strings("from_domains")) != 0 ||
		got.Str("direction") != "both" || len(got.Strings("departments")) != 0 {
		t.Fatalf("after update: %v", got)
	}
	c := sqlConn(t, dsn)
	sqlExec(t, c, `UPDATE mailform_backup_rule SET direction = 'inbound'`)
	if _, err := p.Update(ctx, "backup_rule", "finance", got, desired); !errors.Is(err, providers.ErrChangedSincePlan) || !strings.Contains(err.Error(), "direction") {
		t.Fatalf("update after an edit behind mailform = %v; want changed since plan naming direction", err)
	}
	if err := p.Delete(ctx, "backup_rule", "finance", readAll(t, p, "backup_rule")["finance"]); err != nil {
		t.Fatal(err)
	}
	if n := len(readAll(t, p, "backup_rule")); n != 0 {
		t.Fatalf("%d rules after delete", n)
	}
	if err := p.Delete(ctx, "backup_rule", "finance", nil); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("deleting a missing rule = %v; want not found", err)
	}
}

func TestBackupRuleRefusals(t *testing.T) {
	dsn := newDB(t)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	for _, c := range []struct {
		o    model.Object
		want string
	}{
		{model.Object{"destination": "archive@elsewhere.test", "accounts": []string{"a@example.com"}}, "domain elsewhere.test is not a mail domain of this server"},
		{model.Object{"destination": "archive@example.com"}, "has no source"},
		{model.Object{"destination": "archive@example.com", "departments": []string{"x"}}, "not a postfix department id"},
		{model.Object{"destination": "archive@example.com", "departments": []string{"999"}}, "department 999 does not exist"},
	} {
		_, err := p.Create(ctx, "backup_rule", "r", c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "backup_rule r") {
			t.Errorf("create %v = %v; want an error naming the rule and %q", c.o, err, c.want)
		}
	}
}

// LoadBackupRules expands departments (with sub-departments) to active mailboxes and
// finds every address that reaches a covered mailbox: its own aliases (which it also
// sends from) and the groups it is in.
func TestLoadBackupRulesExpandsSources(t *testing.T) {
	dsn := newDB(t)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	create(t, p, "domain", model.Object{"name": "example.org"})
	fin := create(t, p, "department", model.Object{"name": "Finance"})
	pay := create(t, p, "department", model.Object{"name": "Payroll", "parent": fin.ID})
	create(t, p, "account", model.Object{"email": "ann@example.com", "name": "Ann", "password": "pw-ann-12", "departments": []string{pay.ID}, "aliases": []string{"a@example.com"}})
	create(t, p, "account", model.Object{"email": "old@example.com", "name": "Old", "password": "pw-old-12", "departments": []string{fin.ID}, "status": "frozen"})
	create(t, p, "account", model.Object{"email": "bob@example.com", "name": "Bob", "password": "pw-bob-12"})
	create(t, p, "group", model.Object{"email": "money@example.com", "name": "Money", "member_departments": []string{fin.ID}})
	create(t, p, "group", model.Object{"email": "all@example.com", "name": "All", "member_groups": []string{"money@example.com"}, "members": []string{"bob@example.com"}})
	if _, err := p.Create(ctx, "backup_rule", "fin", model.Object{"destination": "bob@example.com", "departments": []string{fin.ID}, "direction": "both",
		"match": model.Object{"from_domains": []string{"Partner.TEST."}}}); err != nil {
		t.Fatal(err)
	}
	set, err := LoadBackupRules(ctx, sqlConn(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(set.Domains, map[string]bool{"example.com": true, "example.org": true}) {
		t.Fatalf("domains = %v", set.Domains)
	}
	if len(set.Rules) != 1 {
		t.Fatalf("rules = %v", set.Rules)
	}
	r := set.Rules[0]
	if !reflect.DeepEqual(r.Senders, map[string]bool{"ann@example.com": true, "a@example.com": true}) {
		t.Errorf("senders = %v; want Ann and her alias (the frozen account sends nothing)", r.Senders)
	}
	if !reflect.DeepEqual(r.Recipients, map[string]bool{"ann@example.com": true, "a@example.com": true, "money@example.com": true, "all@example.com": true}) {
		t.Errorf("recipients = %v; want Ann, her alias and the groups that reach her", r.Recipients)
	}
	if !reflect.DeepEqual(r.FromDomains, []string{"partner.test"}) || r.Destination != "bob@example.com" || r.HasAttachment != nil {
		t.Errorf("rule = %+v", r)
	}
}
