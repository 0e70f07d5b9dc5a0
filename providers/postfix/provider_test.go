package postfix

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

func TestMigrateIsVersionedAndRerunnable(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	ctx := context.Background()
	var all []int
	for _, m := range migrations {
		all = append(all, m.Version)
	}
	got, err := Migrate(ctx, c)
	if err != nil || !reflect.DeepEqual(got, all) {
		t.Fatalf("first migrate = %v, %v; want %v", got, err, all)
	}
	got, err = Migrate(ctx, c)
	if err != nil || len(got) != 0 {
		t.Fatalf("second migrate = %v, %v; want nothing applied", got, err)
	}
	if v := query1(t, c, `SELECT max(version)::text FROM mailform_schema_migrations`); v != strconv.Itoa(SchemaVersion()) {
		t.Fatalf("recorded version %s", v)
	}
}

func TestMigrateFalseRefusesAnUnmigratedDatabase(t *testing.T) {
	dsn := newDB(t)
	p, err := New(model.Object{"database_url": dsn, "migrate": false}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.Read(context.Background(), providers.ReadRequest{Type: "domain"})
	if err == nil || !strings.Contains(err.Error(), "mailform postfix migrate") {
		t.Fatalf("err = %v; want advice to run mailform postfix migrate", err)
	}
}

// An existing PostfixAdmin database (its own older tables, rows made in its UI) is
// adopted: migration adds mailform's tables and the columns it reads, and the rows
// read back as domain, account (with its alias) and group.
func TestAdoptsAnExistingPostfixAdminDatabase(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	sqlExec(t, c, `CREATE TABLE domain (domain varchar(255) PRIMARY KEY, description varchar(255) NOT NULL DEFAULT '',
		aliases integer NOT NULL DEFAULT 0, mailboxes integer NOT NULL DEFAULT 0, maxquota bigint NOT NULL DEFAULT 0,
		quota bigint NOT NULL DEFAULT 0, transport varchar(255), backupmx boolean NOT NULL DEFAULT false,
		created timestamptz DEFAULT now(), modified timestamptz DEFAULT now(), active boolean NOT NULL DEFAULT true)`)
	sqlExec(t, c, `CREATE TABLE mailbox (username varchar(255) PRIMARY KEY, password varchar(255) NOT NULL DEFAULT '',
		name varchar(255) NOT NULL DEFAULT '', maildir varchar(255) NOT NULL DEFAULT '', quota bigint NOT NULL DEFAULT 0,
		local_part varchar(255) NOT NULL, domain varchar(255) NOT NULL REFERENCES domain,
		created timestamptz DEFAULT now(), modified timestamptz DEFAULT now(), active boolean NOT NULL DEFAULT true)`)
	sqlExec(t, c, `CREATE TABLE alias (address varchar(255) PRIMARY KEY, goto text NOT NULL, domain varchar(255) NOT NULL REFERENCES domain,
		created timestamptz DEFAULT now(), modified timestamptz DEFAULT now(), active boolean NOT NULL DEFAULT true)`)
	sqlExec(t, c, `INSERT INTO domain (domain) VALUES ('ALL'), ('Example.com')`)
	sqlExec(t, c, `INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain)
		VALUES ('ann@example.com', '{BLF-CRYPT}x', 'Ann', 'example.com/ann/', 2097152, 'ann', 'Example.com')`)
	sqlExec(t, c, `INSERT INTO alias (address, goto, domain) VALUES ('ann@example.com', 'ann@example.com', 'Example.com'),
		('a.n@example.com', 'ann@example.com', 'Example.com'),
		('team@example.com', 'ann@example.com,a.n@example.com', 'Example.com'),
		('fwd@example.com', 'ann@example.com,someone@elsewhere.org', 'Example.com')`)

	p := newProvider(t, dsn)
	if d := readAll(t, p, "domain"); !reflect.DeepEqual(d, map[string]model.Object{"example.com": {"name": "example.com"}}) {
		t.Fatalf("domains = %v (ALL is not a mail domain)", d)
	}
	ann := readAll(t, p, "account")["ann@example.com"]
	if ann == nil || ann.Str("name") != "Ann" || ann.Int("quota_mb") != 2 || !reflect.DeepEqual(ann.Strings("aliases"), []string{"a.n@example.com"}) || ann.Str("status") != "active" {
		t.Fatalf("ann = %v", ann)
	}
	team := readAll(t, p, "group")["team@example.com"]
	if team == nil || !reflect.DeepEqual(team.Strings("members"), []string{"a.n@example.com", "ann@example.com"}) {
		t.Fatalf("team = %v", team)
	}
	if len(readAll(t, p, "group")) != 1 {
		t.Fatalf("an account's own alias row and its alias are not groups, and a forward outside the server's domains is left alone: %v", readAll(t, p, "group"))
	}
}

func TestDomainDeleteRefusedWhileMailboxesRemain(t *testing.T) {
	dsn := newDB(t)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "Example.COM."})
	create(t, p, "account", model.Object{"email": "bob@example.com", "name": "Bob", "password": "pw-bob-1"})
	err := p.Delete(ctx, "domain", "example.com", model.Object{"name": "example.com"})
	if err == nil || !strings.Contains(err.Error(), "refusing to delete domain example.com") || !strings.Contains(err.Error(), "1 mailboxes") {
		t.Fatalf("delete = %v; want a refusal naming the mailbox count", err)
	}
	if err := p.Delete(ctx, "account", "bob@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, "domain", "example.com", model.Object{"name": "example.com"}); err != nil {
		t.Fatal(err)
	}
	if d := readAll(t, p, "domain"); len(d) != 0 {
		t.Fatalf("domains after delete = %v", d)
	}
	if _, err := p.Create(ctx, "domain", "x", model.Object{"name": "example.com"}); err != nil {
		t.Fatal(err)
	}
	_, err = p.Create(ctx, "domain", "x", model.Object{"name": "example.com"})
	if !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Fatalf("creating an existing domain = %v; want changed since plan", err)
	}
	err = p.Delete(ctx, "domain", "nope.example", nil)
	if !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("deleting a missing domain = %v; want not found", err)
	}
}

func TestDepartments(t *testing.T) {
	dsn := newDB(t)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	sales := create(t, p, "department", model.Object{"name": "Sales", "order": int64(2)})
	emea := create(t, p, "department", model.Object{"name": "EMEA", "parent": sales.ID})
	got := readAll(t, p, "department")
	if !reflect.DeepEqual(got[emea.ID], model.Object{"id": emea.ID, "name": "EMEA", "parent": sales.ID, "order": int64(0)}) ||
		!reflect.DeepEqual(got[sales.ID], model.Object{"id": sales.ID, "name": "Sales", "order": int64(2)}) {
		t.Fatalf("departments = %v", got)
	}
	if _, err := p.Update(ctx, "department", sales.ID, got[sales.ID], model.Object{"name": "Sales", "parent": emea.ID}); err == nil || !strings.Contains(err.Error(), "its own sub-department") {
		t.Fatalf("cycle = %v", err)
	}
	if _, err := p.Update(ctx, "department", emea.ID, got[emea.ID], model.Object{"name": "Europe", "parent": sales.ID, "order": int64(5)}); err != nil {
		t.Fatal(err)
	}
	if d := readAll(t, p, "department")[emea.ID]; d.Str("name") != "Europe" || d.Int("order") != 5 {
		t.Fatalf("after update: %v", d)
	}
	create(t, p, "account", model.Object{"email": "eve@example.com", "name": "Eve", "password": "pw", "departments": []string{emea.ID}})
	if err := p.Delete(ctx, "department", sales.ID, nil); err == nil || !strings.Contains(err.Error(), "1 sub-departments") {
		t.Fatalf("deleting a parent = %v", err)
	}
	if err := p.Delete(ctx, "department", emea.ID, nil); err == nil || !strings.Contains(err.Error(), "1 accounts") {
		t.Fatalf("deleting a department with an account = %v", err)
	}
	if _, err := p.Create(ctx, "department", "x", model.Object{"name": "Orphan", "parent": "999"}); !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Fatalf("missing parent = %v", err)
	}
}

func TestAccountLifecycle(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	create(t, p, "domain", model.Object{"name": "example.org"})
	if _, err := p.Create(ctx, "account", "x", model.Object{"email": "nopw@example.com", "name": "N"}); err == nil || !strings.Contains(err.Error(), "needs a password") {
		t.Fatalf("no password = %v", err)
	}
	if _, err := p.Create(ctx, "account", "x", model.Object{"email": "x@nowhere.example", "name": "N", "password": "p"}); err == nil || !strings.Contains(err.Error(), "not a mail domain") {
		t.Fatalf("unknown domain = %v", err)
	}
	desired := model.Object{"email": "Alice@Example.com", "name": "Alice", "password": "s3cret-Alice", "quota_mb": int64(100),
		"aliases": []string{"ali@example.com", "alice@example.org"}, "position": "CFO", "mobile": "+1 555", "phone": "123", "external_id": "E1"}
	r := create(t, p, "account", desired)
	if r.ID != "alice@example.com" || r.Attrs["password"] != nil {
		t.Fatalf("create returned %v", r)
	}
	stored := query1(t, c, `SELECT password FROM mailbox WHERE username = 'alice@example.com'`)
	if !strings.HasPrefix(stored, "{BLF-CRYPT}$2a$") || !CheckPassword(stored, "s3cret-Alice") || strings.Contains(stored, "s3cret") {
		t.Fatalf("stored password %q is not a BLF-CRYPT hash of the password", stored)
	}
	if md := query1(t, c, `SELECT maildir || ' ' || quota || ' ' || local_part || ' ' || domain FROM mailbox WHERE username = 'alice@example.com'`); md != "example.com/alice/ 104857600 alice example.com" {
		t.Fatalf("mailbox row = %q", md)
	}
	live := readAll(t, p, "account")["alice@example.com"]
	want := model.Object{"email": "alice@example.com", "name": "Alice", "phone": "123", "position": "CFO", "mobile": "+1 555",
		"external_id": "E1", "status": "active", "quota_mb": int64(100), "departments": []string{}, "aliases": []string{"ali@example.com", "alice@example.org"}}
	if !reflect.DeepEqual(live, want) {
		t.Fatalf("read %v\nwant %v", live, want)
	}
	// Freeze: the mailbox and every address of it stop working.
	frozen := want.Clone()
	frozen["status"] = "departed"
	if _, err := p.Update(ctx, "account", "alice@example.com", live, frozen); err != nil {
		t.Fatal(err)
	}
	if s := query1(t, c, `SELECT string_agg(address || '=' || active, ' ' ORDER BY address) FROM alias`); s != "ali@example.com=false alice@example.com=false alice@example.org=false" {
		t.Fatalf("alias rows after freeze: %s", s)
	}
	live = readAll(t, p, "account")["alice@example.com"]
	if live.Str("status") != "frozen" || query1(t, c, `SELECT active::text FROM mailbox`) != "false" {
		t.Fatalf("after freeze: %v", live)
	}
	// Unfreeze, change the password and the aliases.
	back := want.Clone()
	back["aliases"] = []string{"alice@example.org", "a@example.com"}
	back["password"] = "new-pass"
	if _, err := p.Update(ctx, "account", "alice@example.com", live, back); err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(query1(t, c, `SELECT password FROM mailbox`), "new-pass") {
		t.Fatal("password not changed")
	}
	if s := query1(t, c, `SELECT string_agg(address || '=' || active, ' ' ORDER BY address) FROM alias`); s != "a@example.com=true alice@example.com=true alice@example.org=true" {
		t.Fatalf("alias rows after update: %s", s)
	}
	// An update without a password keeps the hash.
	h := query1(t, c, `SELECT password FROM mailbox`)
	live = readAll(t, p, "account")["alice@example.com"]
	back2 := want.Clone()
	back2["aliases"] = live.Strings("aliases")
	back2["name"] = "Alice B"
	if _, err := p.Update(ctx, "account", "alice@example.com", live, back2); err != nil {
		t.Fatal(err)
	}
	if query1(t, c, `SELECT password FROM mailbox`) != h {
		t.Fatal("an update without a password changed the hash")
	}
	// An alias taken by someone else is refused, and nothing of the step is written.
	create(t, p, "account", model.Object{"email": "bob@example.com", "name": "Bob", "password": "b"})
	bob := readAll(t, p, "account")["bob@example.com"]
	bobWants := bob.Clone()
	bobWants["aliases"] = []string{"a@example.com"}
	bobWants["name"] = "Robert"
	if _, err := p.Update(ctx, "account", "bob@example.com", bob, bobWants); err == nil || !strings.Contains(err.Error(), "already taken") {
		t.Fatalf("taking alice's alias = %v", err)
	}
	if n := readAll(t, p, "account")["bob@example.com"].Str("name"); n != "Bob" {
		t.Fatalf("a failed step wrote part of itself: name %q", n)
	}
	// Delete removes the mailbox, its aliases, its quota row and mailform's rows.
	sqlExec(t, c, `INSERT INTO quota2 (username, bytes, messages) VALUES ('alice@example.com', 10, 1)`)
	if err := p.Delete(ctx, "account", "alice@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if s := query1(t, c, `SELECT (SELECT count(*) FROM mailbox WHERE username LIKE 'alice%') + (SELECT count(*) FROM alias WHERE goto = 'alice@example.com')
		+ (SELECT count(*) FROM quota2) + (SELECT count(*) FROM mailform_account WHERE username LIKE 'alice%')`); s != "0" {
		t.Fatalf("%s rows of alice left", s)
	}
	if _, ok := readAll(t, p, "account")["bob@example.com"]; !ok {
		t.Fatal("deleting alice touched bob")
	}
	if err := p.Delete(ctx, "account", "alice@example.com", nil); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("deleting again = %v; want not found", err)
	}
}

func TestGroupsExpandMembersGroupsAndDepartments(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	sales := create(t, p, "department", model.Object{"name": "Sales"})
	emea := create(t, p, "department", model.Object{"name": "EMEA", "parent": sales.ID})
	for _, u := range []struct{ email, dept string }{{"a@example.com", sales.ID}, {"b@example.com", emea.ID}, {"c@example.com", ""}} {
		o := model.Object{"email": u.email, "name": u.email, "password": "pw"}
		if u.dept != "" {
			o["departments"] = []string{u.dept}
		}
		create(t, p, "account", o)
	}
	create(t, p, "group", model.Object{"email": "mgmt@example.com", "name": "Management", "members": []string{"c@example.com"}})
	all := model.Object{"email": "all@example.com", "name": "Everyone", "members": []string{"c@example.com"},
		"member_groups": []string{"mgmt@example.com"}, "member_departments": []string{sales.ID}, "senders": "list", "allowed_senders": []string{"c@example.com"}}
	create(t, p, "group", all)
	gotoOf := func() string { return query1(t, c, `SELECT goto FROM alias WHERE address = 'all@example.com'`) }
	if g := gotoOf(); g != "a@example.com,b@example.com,c@example.com,mgmt@example.com" {
		t.Fatalf("goto = %q", g)
	}
	read := readAll(t, p, "group")["all@example.com"]
	want := model.Canonical(model.Group, all)
	if !reflect.DeepEqual(model.Canonical(model.Group, read), want) {
		t.Fatalf("read %v\nwant %v", read, want)
	}
	// A new account in a sub-department joins at once; a frozen one leaves.
	create(t, p, "account", model.Object{"email": "d@example.com", "name": "D", "password": "pw", "departments": []string{emea.ID}})
	if g := gotoOf(); g != "a@example.com,b@example.com,c@example.com,d@example.com,mgmt@example.com" {
		t.Fatalf("goto after d joined = %q", g)
	}
	b := readAll(t, p, "account")["b@example.com"]
	bf := b.Clone()
	bf["status"] = "frozen"
	if _, err := p.Update(ctx, "account", "b@example.com", b, bf); err != nil {
		t.Fatal(err)
	}
	if g := gotoOf(); g != "a@example.com,c@example.com,d@example.com,mgmt@example.com" {
		t.Fatalf("goto after b froze = %q", g)
	}
	if r := readAll(t, p, "group")["all@example.com"]; !reflect.DeepEqual(model.Canonical(model.Group, r), want) {
		t.Fatalf("expansion changes are not member changes: %v", r)
	}
	// A recipient added in PostfixAdmin reads as a member, so plan shows it.
	sqlExec(t, c, `UPDATE alias SET goto = goto || ',x@elsewhere.org' WHERE address = 'all@example.com'`)
	if m := readAll(t, p, "group")["all@example.com"].Strings("members"); !reflect.DeepEqual(m, []string{"c@example.com", "x@elsewhere.org"}) {
		t.Fatalf("members after an outside edit = %v", m)
	}
	if err := p.Delete(ctx, "group", "all@example.com", nil); err != nil {
		t.Fatal(err)
	}
	if n := query1(t, c, `SELECT count(*)::text FROM mailform_group_member WHERE address = 'all@example.com'`); n != "0" {
		t.Fatalf("%s member rows left", n)
	}
	if _, err := p.Create(ctx, "group", "x", model.Object{"email": "a@example.com", "name": "clash"}); !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Fatalf("a group on a mailbox's address = %v", err)
	}
}

// A row edited between plan and apply stops the step and writes nothing.
func TestChangedSincePlan(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	p := newProvider(t, dsn)
	ctx := context.Background()
	create(t, p, "domain", model.Object{"name": "example.com"})
	create(t, p, "account", model.Object{"email": "ann@example.com", "name": "Ann", "password": "pw"})
	create(t, p, "group", model.Object{"email": "g@example.com", "name": "G", "members": []string{"ann@example.com"}})
	d := create(t, p, "department", model.Object{"name": "Ops"})
	seen := readAll(t, p, "account")["ann@example.com"]
	seenG := readAll(t, p, "group")["g@example.com"]
	seenD := readAll(t, p, "department")[d.ID]
	sqlExec(t, c, `UPDATE mailbox SET name = 'Ann (edited)' WHERE username = 'ann@example.com'`)
	sqlExec(t, c, `UPDATE alias SET goto = 'ann@example.com,z@example.com' WHERE address = 'g@example.com'`)
	sqlExec(t, c, `UPDATE mailform_department SET name = 'Operations'`)
	want := seen.Clone()
	want["position"] = "Boss"
	_, err := p.Update(ctx, "account", "ann@example.com", seen, want)
	if !errors.Is(err, providers.ErrChangedSincePlan) || !strings.Contains(err.Error(), "name") {
		t.Fatalf("update = %v; want changed since plan naming the attribute", err)
	}
	if pos := readAll(t, p, "account")["ann@example.com"].Str("position"); pos != "" {
		t.Fatalf("the refused step wrote position %q", pos)
	}
	if err := p.Delete(ctx, "account", "ann@example.com", seen); !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Fatalf("delete = %v", err)
	}
	if _, err := p.Update(ctx, "group", "g@example.com", seenG, seenG); !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Fatalf("group update = %v", err)
	}
	if _, err := p.Update(ctx, "department", d.ID, seenD, model.Object{"name": "X"}); !errors.Is(err, providers.ErrChangedSincePlan) {
		t.Fatalf("department update = %v", err)
	}
	// What the plan saw as departed is the frozen mailbox: no false alarm.
	now := readAll(t, p, "account")["ann@example.com"]
	fz := now.Clone()
	fz["status"] = "departed"
	if _, err := p.Update(ctx, "account", "ann@example.com", now, fz); err != nil {
		t.Fatal(err)
	}
	now2 := readAll(t, p, "account")["ann@example.com"]
	now2["status"] = "departed"
	if _, err := p.Update(ctx, "account", "ann@example.com", now2, fz); err != nil {
		t.Fatalf("departed prior against a frozen mailbox: %v", err)
	}
}

func TestNoDatabaseURL(t *testing.T) {
	t.Setenv(DatabaseURLEnv, "")
	_, err := New(model.Object{}, providers.Env{})
	if err == nil || !strings.Contains(err.Error(), DatabaseURLEnv) {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(model.Object{}, providers.Env{Offline: true}); err != nil {
		t.Fatalf("validate needs no database: %v", err)
	}
	t.Setenv(DatabaseURLEnv, "postgres://u:hunter2@[::1/db")
	_, err = New(model.Object{}, providers.Env{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("a bad URL = %v; want an error that does not repeat it", err)
	}
}

// An unreachable database fails every read with one bounded error that names the
// server but not the password, and the second read does not wait again.
func TestUnreachableDatabaseFailsOnceAndFast(t *testing.T) {
	old := connectTimeout
	connectTimeout = 2 * time.Second
	defer func() { connectTimeout = old }()
	// A listener that accepts and never answers: the server is "up" but hangs.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	for _, url := range []string{
		"postgres://mail:hunter2@127.0.0.1:" + itoa(port) + "/mail?sslmode=disable",
		"postgres://mail:hunter2@127.0.0.1:1/mail?sslmode=disable",
	} {
		p, err := New(model.Object{"database_url": url}, providers.Env{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = p.Read(context.Background(), providers.ReadRequest{Type: "account"})
		if err == nil || !strings.Contains(err.Error(), "cannot connect to the mail database \"mail\" at 127.0.0.1") || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("err = %v", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("took %s", d)
		}
		start = time.Now()
		_, err2 := p.Read(context.Background(), providers.ReadRequest{Type: "group"})
		if err2 == nil || err2.Error() != err.Error() || time.Since(start) > time.Second {
			t.Fatalf("second read = %v after %s; want the same error at once", err2, time.Since(start))
		}
		p.Close()
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// An update writes what the configuration manages and keeps the rest as the plan saw
// it: a quota or position set in PostfixAdmin survives a rename.
func TestUpdateKeepsUnmanagedAttributes(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	p := newProvider(t, dsn)
	create(t, p, "domain", model.Object{"name": "example.com"})
	create(t, p, "account", model.Object{"email": "ann@example.com", "name": "Ann", "password": "pw", "aliases": []string{"a@example.com"}})
	sqlExec(t, c, `UPDATE mailbox SET quota = 52428800, phone = '123' WHERE username = 'ann@example.com'`)
	sqlExec(t, c, `UPDATE mailform_account SET position = 'CFO' WHERE username = 'ann@example.com'`)
	seen := readAll(t, p, "account")["ann@example.com"]
	if _, err := p.Update(context.Background(), "account", "ann@example.com", seen, model.Object{"email": "ann@example.com", "name": "Ann B", "status": "active"}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, p, "account")["ann@example.com"]
	if got.Str("name") != "Ann B" || got.Int("quota_mb") != 50 || got.Str("phone") != "123" || got.Str("position") != "CFO" ||
		!reflect.DeepEqual(got.Strings("aliases"), []string{"a@example.com"}) {
		t.Fatalf("after a rename: %v", got)
	}
}

func TestBcryptCost(t *testing.T) {
	dsn := newDB(t)
	c := sqlConn(t, dsn)
	p, err := New(model.Object{"database_url": dsn, "bcrypt_cost": int64(5)}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	create(t, p.(*Provider), "domain", model.Object{"name": "example.com"})
	create(t, p.(*Provider), "account", model.Object{"email": "a@example.com", "name": "A", "password": "pw"})
	if h := query1(t, c, `SELECT password FROM mailbox`); !strings.HasPrefix(h, "{BLF-CRYPT}$2a$05$") || !CheckPassword(h, "pw") {
		t.Fatalf("hash %q", h)
	}
	for _, bad := range []int64{3, 17} {
		if _, err := New(model.Object{"database_url": dsn, "bcrypt_cost": bad}, providers.Env{}); err == nil || !strings.Contains(err.Error(), "outside 4 to 16") {
			t.Fatalf("bcrypt_cost %d: %v", bad, err)
		}
	}
}
