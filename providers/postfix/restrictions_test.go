package postfix

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// A migration another build recorded first (a later version) does not stop an
// earlier one this build brings from being applied.
func TestMigrateAppliesAnEarlierVersionAfterALaterOne(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	ctx := context.Background()
	saved := migrations
	defer func() { migrations = saved }()
	later := migration{Version: 99, Name: "a later step", SQL: `CREATE TABLE later_step (x int)`}
	migrations = []migration{saved[0], later}
	if got, err := Migrate(ctx, c); err != nil || !reflect.DeepEqual(got, []int{1, 99}) {
		t.Fatalf("migrate without version 2 = %v, %v", got, err)
	}
	if err := checkSchema(ctx, c); err != nil {
		t.Fatalf("checkSchema with every known version = %v", err)
	}
	migrations = append([]migration{later}, saved...) // out of order on purpose
	var rest []int                                    // version 2 and any later this build knows
	for _, m := range saved[1:] {
		rest = append(rest, m.Version)
	}
	if err := checkSchema(ctx, c); err == nil || !strings.Contains(err.Error(), fmt.Sprint(rest)) {
		t.Fatalf("checkSchema = %v; want versions %v named as missing", err, rest)
	}
	if got, err := Migrate(ctx, c); err != nil || !reflect.DeepEqual(got, rest) {
		t.Fatalf("migrate = %v, %v; want %v applied", got, err, rest)
	}
	if err := checkSchema(ctx, c); err != nil {
		t.Fatal(err)
	}
}

func TestSendRestrictions(t *testing.T) {
	dsn := newDB(t)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	fin := create(t, p, "department", model.Object{"name": "Finance"})
	ap := create(t, p, "department", model.Object{"name": "AP", "parent": fin.ID})
	create(t, p, "account", model.Object{"email": "ann@example.com", "name": "Ann", "password": "pw-ann-1", "departments": []string{ap.ID}})
	create(t, p, "account", model.Object{"email": "bob@example.com", "name": "Bob", "password": "pw-bob-1"})
	create(t, p, "account", model.Object{"email": "cy@example.com", "name": "Cy", "password": "pw-cy-1"})
	create(t, p, "group", model.Object{"email": "inner@example.com", "name": "Inner", "members": []string{"cy@example.com"}})
	create(t, p, "group", model.Object{"email": "board@example.com", "name": "Board", "members": []string{"bob@example.com"},
		"member_groups": []string{"inner@example.com"}, "senders": "members"})

	want := model.Object{
		"accounts": []string{"bob@example.com"}, "departments": []string{fin.ID}, "groups": []string{},
		"external": "deny", "allowed_domains": []string{"partner.example"}, "max_recipients": int64(100),
	}
	r, err := p.Create(ctx, "send_restriction", "finance", model.Object{
		"accounts": []string{"Bob@Example.com"}, "departments": []string{fin.ID}, "external": "deny",
		"allowed_domains": []string{"Partner.Example."}, "max_recipients": int64(100),
	})
	if err != nil || r.ID != "finance" {
		t.Fatalf("create = %v, %v", r, err)
	}
	if got := readAll(t, p, "send_restriction"); !reflect.DeepEqual(got, map[string]model.Object{"finance": want}) {
		t.Fatalf("read = %v\nwant %v", got, want)
	}
	if _, err := p.Create(ctx, "send_restriction", "finance", want); !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Fatalf("creating it again = %v; want changed since plan", err)
	}

	// The policy reads the rule with the department tree and the groups expanded.
	conn := sqlConn(t, dsn)
	if _, err := p.Create(ctx, "send_restriction", "board", model.Object{"groups": []string{"board@example.com"}, "max_attachment_mb": int64(5)}); err != nil {
		t.Fatal(err)
	}
	pol, err := LoadPolicy(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	wantPol := &Policy{
		Domains: []string{"example.com"},
		Restrictions: []Restriction{
			{Name: "board", Senders: []string{"bob@example.com", "cy@example.com"}, AllowedDomains: []string{}, MaxAttachmentMB: 5},
			{Name: "finance", Senders: []string{"ann@example.com", "bob@example.com"}, DenyExternal: true,
				AllowedDomains: []string{"partner.example"}, MaxRecipients: 100},
		},
		Groups: []GroupPolicy{
			{Address: "board@example.com", Senders: "members", Members: []string{"bob@example.com", "cy@example.com"}},
			{Address: "inner@example.com", Senders: "organization", Members: []string{"cy@example.com"}},
		},
	}
	if !reflect.DeepEqual(pol, wantPol) {
		t.Fatalf("policy = %+v\nwant %+v", pol, wantPol)
	}

	// Edited behind mailform: the update stops with changed since plan.
	sqlExec(t, conn, `UPDATE mailform_send_restriction SET max_recipients = 5 WHERE name = 'finance'`)
	upd := want.Clone()
	upd["external"] = "allow"
	if _, err := p.Update(ctx, "send_restriction", "finance", want, upd); !errors.Is(err, providers.ErrChangedSincePlan) || !strings.Contains(err.Error(), "max_recipients") {
		t.Fatalf("update after an outside edit = %v; want changed since plan naming max_recipients", err)
	}
	live := readAll(t, p, "send_restriction")["finance"]
	if _, err := p.Update(ctx, "send_restriction", "finance", live, model.Object{"accounts": []string{"bob@example.com"}, "departments": []string{}, "external": "allow"}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, p, "send_restriction")["finance"]
	if got.Str("external") != "allow" || got.Int("max_recipients") != 5 || len(got.Strings("departments")) != 0 {
		t.Fatalf("after update: %v (an attribute the configuration leaves out is not managed and keeps its value)", got)
	}
	if err := p.Delete(ctx, "send_restriction", "finance", got); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, "send_restriction", "finance", nil); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("deleting it again = %v; want not found", err)
	}
	if got := readAll(t, p, "send_restriction"); len(got) != 1 {
		t.Fatalf("after delete: %v", got)
	}
	if n := query1(t, conn, `SELECT count(*)::text FROM mailform_send_restriction_entry WHERE name = 'finance'`); n != "0" {
		t.Fatalf("%s entries left behind", n)
	}
}

// Every committed write to what the policy server reads is announced once on
// PolicyChannel; a rolled-back one is not.
func TestPolicyChangesAreNotified(t *testing.T) {
	dsn := newDB(t)
	p := newProvider(t, dsn)
	create(t, p, "domain", model.Object{"name": "example.com"})
	ctx := context.Background()
	l, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	if _, err := l.Exec(ctx, "LISTEN "+PolicyChannel); err != nil {
		t.Fatal(err)
	}
	wait := func(d time.Duration) bool {
		wctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		_, err := l.WaitForNotification(wctx)
		return err == nil
	}
	if _, err := p.Create(ctx, "send_restriction", "r", model.Object{"accounts": []string{"a@example.com"}, "external": "deny"}); err != nil {
		t.Fatal(err)
	}
	if !wait(5 * time.Second) {
		t.Fatal("no notification after creating a send_restriction")
	}
	if wait(200 * time.Millisecond) {
		t.Fatal("a second notification for one transaction")
	}
	c := sqlConn(t, dsn)
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE mailform_group SET senders = 'anyone'`); err != nil {
		t.Fatal(err)
	}
	tx.Rollback(ctx)
	if wait(200 * time.Millisecond) {
		t.Fatal("a notification for a rolled-back transaction")
	}
	sqlExec(t, c, `UPDATE mailbox SET active = false`) // PostfixAdmin freezing someone
	if !wait(5 * time.Second) {
		t.Fatal("no notification after a mailbox edit")
	}
}
