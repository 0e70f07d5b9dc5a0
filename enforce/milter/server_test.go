package milter

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/emersion/go-message/textproto"
	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/enforce/live/livetest"
	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/postfix"
	"github.com/mailform/mailform/providers/unreachable"
)

// One PostgreSQL cluster serves the package; each test gets a database of its own.
var cluster = &livetest.Cluster{Pkg: "enforce/milter", Prefix: "milter"}

func TestMain(m *testing.M) { cluster.Main(m) }

// company is a mail database with harbour.test, a Finance department (dan, eve),
// ann outside it, an archive mailbox, and a backup rule "finance-out" (outbound,
// with an attachment). It returns the connection string.
func company(t testing.TB) (string, *postfix.Provider) {
	t.Helper()
	dsn := newDB(t)
	pv, err := postfix.New(model.Object{"database_url": dsn, "bcrypt_cost": int64(4)}, providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	p := pv.(*postfix.Provider)
	t.Cleanup(func() { p.Close() })
	mk := func(typ, label string, o model.Object) providers.Remote {
		t.Helper()
		r, err := p.Create(context.Background(), typ, label, o)
		if err != nil {
			t.Fatalf("create %s: %v", typ, err)
		}
		return r
	}
	mk("domain", "", model.Object{"name": "harbour.test"})
	fin := mk("department", "", model.Object{"name": "Finance"})
	for _, u := range []string{"dan", "eve"} {
		mk("account", "", model.Object{"email": u + "@harbour.test", "name": u, "password": "pw-" + u + "-2026", "departments": []string{fin.ID}})
	}
	mk("account", "", model.Object{"email": "ann@harbour.test", "name": "ann", "password": "pw-ann-2026"})
	mk("account", "", model.Object{"email": "archive@harbour.test", "name": "Archive", "password": "pw-archive-2026"})
	mk("backup_rule", "finance-out", model.Object{"destination": "archive@harbour.test", "departments": []string{fin.ID},
		"direction": "outbound", "match": model.Object{"has_attachment": true}})
	return dsn, p
}

// newDB creates an empty database on the package's cluster and returns its
// connection string.
func newDB(t testing.TB) string {
	t.Helper()
	_, dsn := cluster.NewDB(t)
	return dsn
}

type running struct {
	srv    *Server
	log    *livetest.SyncBuffer
	cancel context.CancelFunc
	done   chan error
}

func startServer(t testing.TB, cfg Config) *running {
	t.Helper()
	logs := &livetest.SyncBuffer{}
	cfg.Listen, cfg.Metrics = "127.0.0.1:0", "127.0.0.1:0"
	if cfg.FailAction == "" {
		cfg.FailAction = "tempfail"
	}
	if cfg.Refresh == 0 {
		cfg.Refresh = time.Hour // reloads in these tests come from notifications
	}
	cfg.MaxBody = 1 << 20
	cfg.Log = slog.New(slog.NewJSONHandler(logs, nil))
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: srv, log: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(20 * time.Second):
			t.Error("the milter did not stop within 20s of its context ending")
		}
	})
	return r
}

// waitLoads waits until the loader has loaded the rules n times in all.
func (r *running) waitLoads(t testing.TB, n int64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for r.srv.Loader().loads.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("rules loaded %d times, want %d within 15s\n%s", r.srv.Loader().loads.Load(), n, r.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exchange plays Postfix: it sends one message through the milter and returns the
// recipients the milter added and its final action.
func exchange(t testing.TB, addr, from string, rcpts []string, raw string) ([]string, *gomilter.Action) {
	t.Helper()
	c := gomilter.NewClient("tcp", addr)
	s, err := c.Session(gomilter.NewMacroBag())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	step := func(act *gomilter.Action, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if act.Type != gomilter.ActionContinue {
			t.Fatalf("milter answered %v before end of message", act)
		}
	}
	step(s.Conn("client.test", gomilter.FamilyInet, 40000, "127.0.0.1"))
	step(s.Helo("client.test"))
	step(s.Mail(from, ""))
	for _, r := range rcpts {
		step(s.Rcpt(r, ""))
	}
	br := bufio.NewReader(strings.NewReader(raw))
	hdr, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatal(err)
	}
	step(s.Header(hdr))
	mods, act, err := s.BodyReadFrom(br)
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for _, m := range mods {
		if m.Type == gomilter.ActionAddRcpt {
			added = append(added, strings.Trim(m.Rcpt, "<>"))
		}
	}
	return added, act
}

const withPDF = "From: Dan <dan@harbour.test>\r\nTo: x@partner.example\r\nSubject: Q3\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
	"--B\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--B--\r\n"

const plain = "From: Dan <dan@harbour.test>\r\nTo: x@partner.example\r\nSubject: Lunch\r\n\r\nNoon?\r\n"

func TestMilterAddsTheBackupRecipientOnce(t *testing.T) {
	dsn, p := company(t)
	r := startServer(t, Config{DatabaseURL: dsn})
	r.waitLoads(t, 1)
	addr := r.srv.Addr().String()

	added, act := exchange(t, addr, "dan@harbour.test", []string{"x@partner.example"}, withPDF)
	if act.Type != gomilter.ActionAccept || strings.Join(added, ",") != "archive@harbour.test" {
		t.Fatalf("outbound Finance mail with a PDF: added %v, %v; want archive@harbour.test once", added, act)
	}
	if added, _ := exchange(t, addr, "dan@harbour.test", []string{"x@partner.example"}, plain); len(added) != 0 {
		t.Fatalf("without an attachment: added %v; want none", added)
	}
	if added, _ := exchange(t, addr, "ann@harbour.test", []string{"x@partner.example"}, withPDF); len(added) != 0 {
		t.Fatalf("from outside Finance: added %v; want none", added)
	}
	if added, _ := exchange(t, addr, "dan@harbour.test", []string{"x@partner.example", "ARCHIVE@harbour.test"}, withPDF); len(added) != 0 {
		t.Fatalf("archive already a recipient: added %v; want none", added)
	}

	// A second matching rule with the same mailbox still gives one copy.
	if _, err := p.Create(context.Background(), "backup_rule", "dan-all", model.Object{"destination": "archive@harbour.test",
		"accounts": []string{"dan@harbour.test"}, "direction": "both"}); err != nil {
		t.Fatal(err)
	}
	r.waitLoads(t, 2)
	if added, _ := exchange(t, addr, "dan@harbour.test", []string{"x@partner.example", "y@partner.example"}, withPDF); strings.Join(added, ",") != "archive@harbour.test" {
		t.Fatalf("two matching rules: added %v; want archive@harbour.test once", added)
	}
	if !strings.Contains(r.log.String(), `"rules":"dan-all,finance-out"`) {
		t.Errorf("log does not name both rules:\n%s", r.log.String())
	}

	// The rule is removed (as apply does): no copy, without a restart.
	if err := p.Delete(context.Background(), "backup_rule", "dan-all", nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(context.Background(), "backup_rule", "finance-out", nil); err != nil {
		t.Fatal(err)
	}
	r.waitLoads(t, 3)
	deadline := time.Now().Add(10 * time.Second)
	for r.srv.Loader().Current().Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if added, _ := exchange(t, addr, "dan@harbour.test", []string{"x@partner.example"}, withPDF); len(added) != 0 {
		t.Fatalf("after the rules were deleted: added %v; want none", added)
	}

	body := scrape(t, r)
	for _, want := range []string{`mailform_milter_messages_total{decision="copied"} 3`, `mailform_milter_messages_total{decision="passed"} 3`,
		`mailform_milter_rule_matches_total{rule="finance-out"} 3`, `mailform_milter_copies_total{destination="archive@harbour.test"} 2`,
		`mailform_milter_rules 0`, `mailform_milter_processing_seconds_count 6`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
}

func scrape(t *testing.T, r *running) string {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + r.srv.MetricsAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Inbound rules: from_domains against the sender, subject_contains against the
// RFC 2047-decoded subject (here in GB 2312, as Chinese mail clients send it).
func TestMilterInboundMatchBlock(t *testing.T) {
	dsn, p := company(t)
	if _, err := p.Create(context.Background(), "backup_rule", "contracts", model.Object{"destination": "archive@harbour.test",
		"accounts": []string{"eve@harbour.test"}, "direction": "inbound",
		"match": model.Object{"from_domains": []string{"partner.example"}, "subject_contains": "合同"}}); err != nil {
		t.Fatal(err)
	}
	r := startServer(t, Config{DatabaseURL: dsn})
	r.waitLoads(t, 1)
	addr := r.srv.Addr().String()
	// "=?gb2312?B?zNjUvLrPzazM?=" is "租约合同" (lease contract) in GB 2312.
	contract := "From: x@partner.example\r\nSubject: =?gb2312?B?1+LUvLrPzazM?=\r\n\r\nhi\r\n"
	for _, c := range []struct {
		from, to, raw string
		copied        bool
	}{
		{"x@mail.partner.example", "eve@harbour.test", contract, true},
		{"x@elsewhere.example", "eve@harbour.test", strings.Replace(contract, "From: x@partner.example", "From: x@elsewhere.example", 1), false},
		{"x@partner.example", "eve@harbour.test", "From: x@partner.example\r\nSubject: lunch\r\n\r\nhi\r\n", false},
		{"x@partner.example", "dan@harbour.test", contract, false},
	} {
		added, _ := exchange(t, addr, c.from, []string{c.to}, c.raw)
		if (len(added) == 1) != c.copied || len(added) > 1 {
			t.Errorf("from %s to %s: added %v; want copied=%v", c.from, c.to, added, c.copied)
		}
	}
}

// With no rules loaded (the database was never reachable) the milter answers with
// the fail action and says why in its log, without the connection string's password.
func TestMilterWithoutDatabaseUsesTheFailAction(t *testing.T) {
	cluster.Start(t)
	dsn := "postgres://mailform:s3cret-pw@127.0.0.1:1/mail?connect_timeout=2"
	for _, c := range []struct {
		action string
		want   gomilter.ActionType
		code   uint16
	}{
		{"tempfail", gomilter.ActionRejectWithCode, 451},
		{"reject", gomilter.ActionRejectWithCode, 550},
		{"accept", gomilter.ActionAccept, 0},
	} {
		t.Run(c.action, func(t *testing.T) {
			r := startServer(t, Config{DatabaseURL: dsn, FailAction: c.action})
			_, act := exchange(t, r.srv.Addr().String(), "dan@harbour.test", []string{"x@partner.example"}, withPDF)
			if act.Type != c.want || (c.code != 0 && act.SMTPCode != c.code) {
				t.Fatalf("answer %+v; want %v %d", act, c.want, c.code)
			}
			deadline := time.Now().Add(15 * time.Second)
			for !strings.Contains(r.log.String(), "no rules loaded yet") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			logs := r.log.String()
			if !strings.Contains(logs, "no rules loaded yet") || !strings.Contains(logs, `"reason":"cannot connect`) {
				t.Fatalf("log does not say why:\n%s", logs)
			}
			if strings.Contains(logs, "s3cret-pw") {
				t.Fatalf("log shows the password:\n%s", logs)
			}
			m := scrape(t, r)
			if !strings.Contains(m, `mailform_milter_messages_total{decision="`+c.action+`"} 1`) ||
				strings.Contains(m, `mailform_milter_rule_loads_total{result="error"} 0`) {
				t.Fatalf("metrics do not count the %s and the failed load:\n%s", c.action, m)
			}
		})
	}
}

// A database address that accepts and never answers: --connect-timeout ends each
// attempt, the log says why, and messages get the fail action meanwhile.
func TestMilterWithAHangingDatabase(t *testing.T) {
	cluster.Start(t)
	addr := strings.TrimPrefix(unreachable.Hanging(t, ""), "http://")
	r := startServer(t, Config{DatabaseURL: "postgres://mailform:s3cret-pw@" + addr + "/mail?sslmode=disable",
		ConnectTimeout: 300 * time.Millisecond, Retry: time.Hour})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.log.String(), "no rules loaded yet") {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the unanswered connect within 5s:\n%s", r.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if logs := r.log.String(); !strings.Contains(logs, `"reason":"cannot connect`) || strings.Contains(logs, "s3cret-pw") {
		t.Fatalf("log does not say why, or shows the password:\n%s", logs)
	}
	if _, act := exchange(t, r.srv.Addr().String(), "dan@harbour.test", []string{"x@partner.example"}, withPDF); act.SMTPCode != 451 {
		t.Fatalf("answer %+v; want the tempfail action", act)
	}
}

// A database that goes away leaves the milter with the rules it had; when it comes
// back the milter reconnects and reloads.
func TestMilterKeepsTheLastRulesWhileTheDatabaseIsDown(t *testing.T) {
	dsn, _ := company(t)
	r := startServer(t, Config{DatabaseURL: dsn, Retry: 50 * time.Millisecond})
	r.waitLoads(t, 1)
	db := strings.Fields(strings.SplitAfter(dsn, "dbname=")[1])[0]
	exec := func(q string) { t.Helper(); cluster.Admin(t, q) }
	exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false")
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "' AND application_name = 'mailform milter'")
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(r.log.String(), "keeping the last rules") {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the lost database:\n%s", r.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if added, _ := exchange(t, r.srv.Addr().String(), "dan@harbour.test", []string{"x@partner.example"}, withPDF); strings.Join(added, ",") != "archive@harbour.test" {
		t.Fatalf("while the database is down: added %v; want the copy from the last rules", added)
	}
	exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true")
	r.waitLoads(t, 2)
}

func TestMilterConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{DatabaseURL: "host=/x", FailAction: "bounce", Refresh: time.Second, MaxBody: 1, Listen: "127.0.0.1:0"}, `--fail-action "bounce" is not one of tempfail, accept, reject`},
		{Config{FailAction: "tempfail", Refresh: time.Second, MaxBody: 1, Listen: "127.0.0.1:0"}, "no database"},
		{Config{DatabaseURL: "host=/x", FailAction: "tempfail", Refresh: 0, MaxBody: 1, Listen: "127.0.0.1:0"}, "--refresh must be positive"},
		{Config{DatabaseURL: "::not a dsn::", FailAction: "tempfail", Refresh: time.Second, MaxBody: 1, Listen: "127.0.0.1:0"}, "not a PostgreSQL connection string"},
		{Config{DatabaseURL: "host=/x", FailAction: "tempfail", Refresh: time.Second, MaxBody: 1, Listen: "127.0.0.1:99999"}, "milter address 127.0.0.1:99999"},
	} {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v; want %q", c.cfg, err, c.want)
		}
	}
}

// On shutdown the milter stops listening but lets an open session finish its
// message; a session still open after ShutdownTimeout is closed.
func TestMilterShutdownLetsOpenSessionsFinish(t *testing.T) {
	dsn, _ := company(t)
	r := startServer(t, Config{DatabaseURL: dsn, ShutdownTimeout: 500 * time.Millisecond})
	r.waitLoads(t, 1)
	addr := r.srv.Addr().String()
	s, err := gomilter.NewClient("tcp", addr).Session(gomilter.NewMacroBag())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Conn("client.test", gomilter.FamilyInet, 40000, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Helo("client.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mail("dan@harbour.test", ""); err != nil {
		t.Fatal(err)
	}
	r.cancel()
	time.Sleep(100 * time.Millisecond)
	if _, err := s.Rcpt("x@partner.example", ""); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(strings.NewReader(withPDF))
	hdr, _ := textproto.ReadHeader(br)
	if _, err := s.Header(hdr); err != nil {
		t.Fatal(err)
	}
	mods, act, err := s.BodyReadFrom(br)
	if err != nil || act.Type != gomilter.ActionAccept || len(mods) != 1 || mods[0].Rcpt != "<archive@harbour.test>" {
		t.Fatalf("the session open at shutdown: %v %v %v; want its copy", mods, act, err)
	}
	if c, err := gomilter.NewClient("tcp", addr).Session(gomilter.NewMacroBag()); err == nil {
		c.Close()
		t.Fatal("a new session was accepted after shutdown began")
	}
	// The session stays open (Postfix keeps it for the SMTP connection): the
	// timeout ends it.
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatal(err)
		}
		r.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of a 500ms shutdown timeout")
	}
	for _, want := range []string{"mailform milter shutting down", "milter sessions still open at shutdown were closed", "mailform milter stopped"} {
		if !strings.Contains(r.log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, r.log.String())
		}
	}
}

// A change of department membership (not of the rule) reloads the rules too: eve
// leaves Finance and her mail is no longer copied.
func TestMilterReloadsWhenMembershipChanges(t *testing.T) {
	dsn, p := company(t)
	r := startServer(t, Config{DatabaseURL: dsn})
	r.waitLoads(t, 1)
	addr := r.srv.Addr().String()
	if added, _ := exchange(t, addr, "eve@harbour.test", []string{"x@partner.example"}, withPDF); len(added) != 1 {
		t.Fatalf("eve in Finance: added %v", added)
	}
	live, err := p.Read(context.Background(), providers.ReadRequest{Type: "account"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range live {
		if a.ID == "eve@harbour.test" {
			if _, err := p.Update(context.Background(), "account", a.ID, a.Attrs, model.Object{"departments": []string{}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.waitLoads(t, 2)
	if added, _ := exchange(t, addr, "eve@harbour.test", []string{"x@partner.example"}, withPDF); len(added) != 0 {
		t.Fatalf("eve out of Finance: added %v", added)
	}
}

// A change that sends no notification (triggers off in that session, as a restore
// or a replica might do) is picked up by the periodic refresh.
func TestMilterRefreshesWithoutNotifications(t *testing.T) {
	dsn, _ := company(t)
	r := startServer(t, Config{DatabaseURL: dsn, Refresh: 300 * time.Millisecond})
	r.waitLoads(t, 1)
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), `SET session_replication_role = replica; DELETE FROM mailform_backup_rule`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.srv.Loader().Current().Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the deleted rule is still loaded after 10s of 300ms refreshes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if added, _ := exchange(t, r.srv.Addr().String(), "dan@harbour.test", []string{"x@partner.example"}, withPDF); len(added) != 0 {
		t.Fatalf("added %v after the refresh", added)
	}
}

// A database that was never migrated is reported with what to run.
func TestMilterOnAnUnmigratedDatabase(t *testing.T) {
	r := startServer(t, Config{DatabaseURL: newDB(t), Retry: time.Hour})
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(r.log.String(), "run: mailform postfix migrate") {
		if time.Now().After(deadline) {
			t.Fatalf("log does not say to migrate:\n%s", r.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, act := exchange(t, r.srv.Addr().String(), "dan@harbour.test", []string{"x@partner.example"}, withPDF); act.SMTPCode != 451 {
		t.Fatalf("answer %+v; want the 451 fail action", act)
	}
}
