package mailtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startMilter starts the milter on the mail database and waits until it listens.
func (e *env) startMilter() error {
	e.milter.port()
	cmd := exec.Command(e.binary, "milter", "--listen", e.milter.addr, "--metrics-listen", e.milter.metrics,
		"--log-format", "json", "--refresh", "30s", "--shutdown-timeout", "5s")
	cmd.Env = append(os.Environ(), "MAILFORM_POSTFIX_DATABASE_URL="+e.dsn)
	if err := e.spawn(cmd, "milter"); err != nil {
		return err
	}
	e.milter.cmd = cmd
	if err := waitListening(e.milter.addr, 30*time.Second); err != nil {
		return fmt.Errorf("mailform milter: %w\n%s", err, e.logs())
	}
	return nil
}

// vault: Finance (dan, eve), ann outside it, and the archive mailbox. Rules:
// finance-attachments copies Finance's outbound mail with an attachment; dan-reports
// also matches dan's outbound reports (two rules, one mailbox); partner-contracts
// copies ann's inbound contracts from partner.example.
const vault = `
provider "postfix" {
  bcrypt_cost = 4
}

domain "main" {
  name = "vault.test"
}

department "finance" {
  name = "Vault Finance"
}

account "dan" {
  email       = "dan@vault.test"
  name        = "Dan"
  departments = [department.finance.id]
  password    = "Pw-dan-2026"
}

account "eve" {
  email       = "eve@vault.test"
  name        = "Eve"
  departments = [department.finance.id]
  password    = "Pw-eve-2026"
}

account "ann" {
  email    = "ann@vault.test"
  name     = "Ann"
  password = "Pw-ann-2026"
}

account "archive" {
  email    = "archive@vault.test"
  name     = "Archive"
  password = "Pw-archive-2026"
}
`

const vaultRules = `
backup_rule "finance_attachments" {
  destination = account.archive.email
  departments = [department.finance.id]
  direction   = "outbound"
  match {
    has_attachment = true
  }
}

backup_rule "dan_reports" {
  destination = account.archive.email
  accounts    = [account.dan.email]
  direction   = "both"
  match {
    subject_contains = "report"
  }
}

backup_rule "partner_contracts" {
  destination = account.archive.email
  accounts    = [account.ann.email]
  direction   = "inbound"
  match {
    from_domains     = ["partner.example"]
    subject_contains = "contract"
  }
}
`

// mimeMail is a message with a PDF attachment (attach) or text only.
func mimeMail(from, to, subject string, attach bool) string {
	h := fmt.Sprintf("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%d@client.test>\r\nMIME-Version: 1.0\r\n",
		from, to, subject, time.Now().UnixNano())
	if !attach {
		return h + "Content-Type: text/plain; charset=utf-8\r\n\r\nSee the figures in invoice.pdf tomorrow.\r\n"
	}
	return h + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAttached.\r\n" +
		"--b1\r\nContent-Type: application/pdf; name=\"q3.pdf\"\r\nContent-Disposition: attachment; filename=\"q3.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\r\n--b1--\r\n"
}

// sendRaw submits one raw message over SMTP at addr (STARTTLS when offered, trusting
// the test certificate; AUTH PLAIN when user is set).
func sendRaw(addr, user, pass, from string, to []string, msg string) error {
	c, err := smtpLogin(clientTLS, "", addr, user, pass, time.Minute)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := smtpTransaction(c, from, to, msg); err != nil {
		return err
	}
	return c.Quit()
}

// TestMilterBackupCopiesThroughPostfix sends real mail through Postfix (submission
// with AUTH for outbound, port 25 for inbound), with the real `mailform milter`
// binary on smtpd_milters, and reads the archive mailbox back over IMAP.
func TestMilterBackupCopiesThroughPostfix(t *testing.T) {
	e := setup(t)
	e.needMail(t)
	dir := t.TempDir()
	writeMain(t, dir, vault+vaultRules)
	out := e.must(t, dir, 0, "apply", "-auto-approve")
	applied := time.Now()
	if !strings.Contains(out, `backup_rule.finance_attachments`) || !strings.Contains(out, "Apply complete! 9 added, 0 changed, 0 destroyed") {
		t.Fatalf("apply:\n%s", out)
	}
	e.must(t, dir, 0, "plan", "-detailed-exitcode")
	waitMilterReload(t, e, applied)
	pid := e.milter.cmd.Process.Pid

	m := strconv.FormatInt(time.Now().UnixNano(), 36)
	type msg struct {
		name           string
		smtp, user     string
		from, to, subj string
		attach         bool
		copies         int
	}
	outbound := func(name, from, subj string, attach bool, copies int) msg {
		return msg{name, e.submitAddr, from, from, "cfo@partner.example", subj + " " + m, attach, copies}
	}
	inbound := func(name, from, subj string, copies int) msg {
		return msg{name, e.smtpAddr, "", from, "ann@vault.test", subj + " " + m, false, copies}
	}
	msgs := []msg{
		outbound("Finance with a PDF", "eve@vault.test", "Budget-A", true, 1),
		outbound("Finance without an attachment", "eve@vault.test", "Budget-B", false, 0),
		outbound("two matching rules (report with a PDF)", "dan@vault.test", "Q3 report-C", true, 1),
		outbound("outside Finance with a PDF", "ann@vault.test", "Slides-D", true, 0),
		inbound("contract from the partner", "legal@partner.example", "Contract-E", 1),
		inbound("contract from elsewhere", "legal@other.example", "Contract-F", 0),
		inbound("other subject from the partner", "legal@partner.example", "Lunch-G", 0),
	}
	pass := map[string]string{"eve@vault.test": "Pw-eve-2026", "dan@vault.test": "Pw-dan-2026", "ann@vault.test": "Pw-ann-2026"}
	for _, x := range msgs {
		if err := sendRaw(x.smtp, x.user, pass[x.user], x.from, []string{x.to}, mimeMail(x.from, x.to, x.subj, x.attach)); err != nil {
			t.Fatalf("%s: %v\n%s", x.name, err, e.logs())
		}
	}
	// Every message reaches its recipient; then the archive holds exactly the copies.
	delivered := func(x msg) bool {
		if strings.HasSuffix(x.to, "@partner.example") {
			return len(e.capture.received(x.subj)) == 1
		}
		n, err := e.countMailAt(x.to, pass[x.to], x.subj)
		return err == nil && n == 1
	}
	for _, x := range msgs {
		waitFor(t, func() bool { return delivered(x) }, "delivery of "+x.name)
	}
	want := 0
	for _, x := range msgs {
		if x.copies > 0 {
			want++
			waitFor(t, func() bool {
				n, _ := e.countMailAt("archive@vault.test", "Pw-archive-2026", x.subj)
				return n >= 1
			}, "archive copy of "+x.name)
		}
	}
	for _, x := range msgs {
		n, err := e.countMailAt("archive@vault.test", "Pw-archive-2026", x.subj)
		if err != nil {
			t.Fatal(err)
		}
		if n != x.copies {
			t.Errorf("%s: %d copies in the archive, want %d", x.name, n, x.copies)
		}
	}
	if n, _ := e.countMailAt("archive@vault.test", "Pw-archive-2026", m); n != want {
		t.Errorf("the archive holds %d messages of this run, want %d", n, want)
	}
	for _, c := range e.capture.received(m) {
		for _, to := range c.to {
			if strings.Contains(to, "archive") {
				t.Errorf("the archive address went to the internet: %v", c.to)
			}
		}
	}

	// apply removes the rules; the same mail is no longer copied, without a restart.
	writeMain(t, dir, vault)
	out = e.must(t, dir, 0, "apply", "-auto-approve")
	if !strings.Contains(out, "0 added, 0 changed, 3 destroyed") {
		t.Fatalf("apply removing the rules:\n%s", out)
	}
	m2 := m + "-after"
	after := outbound("Finance with a PDF after the rules were removed", "eve@vault.test", "Budget-H", true, 0)
	after.subj = "Budget-H " + m2
	// The milter reloads on the NOTIFY the delete sends; a message that raced it
	// would be copied, so wait for the reload to show in its metrics first.
	waitFor(t, func() bool { return strings.Contains(milterMetrics(t, e), "\nmailform_milter_rules 0\n") }, "the milter to drop the rules")
	if err := sendRaw(after.smtp, after.user, pass[after.user], after.from, []string{after.to}, mimeMail(after.from, after.to, after.subj, true)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return delivered(after) }, "delivery of "+after.name)
	// A sentinel to the archive itself, sent after: once it is there, a copy of the
	// earlier message would be too.
	if err := sendRaw(e.smtpAddr, "", "", "x@internet.test", []string{"archive@vault.test"}, mimeMail("x@internet.test", "archive@vault.test", "Sentinel "+m2, false)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		n, _ := e.countMailAt("archive@vault.test", "Pw-archive-2026", "Sentinel "+m2)
		return n == 1
	}, "the sentinel")
	if n, _ := e.countMailAt("archive@vault.test", "Pw-archive-2026", after.subj); n != 0 {
		t.Errorf("after apply removed the rules: %d copies in the archive, want 0", n)
	}
	if e.milter.cmd.Process.Pid != pid || syscall.Kill(pid, 0) != nil {
		t.Fatal("the milter was restarted or died")
	}
	metrics := milterMetrics(t, e)
	for _, want := range []string{`mailform_milter_rule_matches_total{rule="finance_attachments"} 2`, `mailform_milter_rule_matches_total{rule="dan_reports"} 1`,
		`mailform_milter_rule_matches_total{rule="partner_contracts"} 1`, `mailform_milter_copies_total{destination="archive@vault.test"} 3`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("milter /metrics lacks %s", want)
		}
	}
}

func milterMetrics(t testing.TB, e *env) string {
	t.Helper()
	return get(t, "http://"+e.milter.metrics+"/metrics")
}

// waitMilterReload waits until the milter has loaded its rules after since (the end of
// an apply): its reload follows the apply's NOTIFY by at least the coalescing delay, so
// mail sent right after apply could otherwise meet the old rules.
func waitMilterReload(t *testing.T, e *env, since time.Time) {
	t.Helper()
	waitFor(t, func() bool {
		for _, l := range strings.Split(milterMetrics(t, e), "\n") {
			if v, ok := strings.CutPrefix(l, "mailform_milter_rules_loaded_timestamp_seconds "); ok {
				f, err := strconv.ParseFloat(v, 64)
				return err == nil && f >= float64(since.UnixNano())/1e9
			}
		}
		return false
	}, "the milter to load the rules the apply wrote")
}

// TestBackupRulePlanDriftExportImport runs backup_rule through the real binary like
// the other postfix types: a re-plan after apply is empty, an edit in SQL is drift
// and a planned update, export writes the rules back and plans no change, and import
// records a live rule in state.
func TestBackupRulePlanDriftExportImport(t *testing.T) {
	e := setup(t)
	dsn := e.newDatabase(t, "backuprules")
	saved := e.dsn
	e.dsn = dsn
	defer func() { e.dsn = saved }()
	dir := t.TempDir()
	writeMain(t, dir, vault+vaultRules)
	e.must(t, dir, 0, "apply", "-auto-approve")
	e.must(t, dir, 0, "plan", "-detailed-exitcode")

	e.sql(t, `UPDATE mailform_backup_rule SET direction = 'both', subject_contains = 'edited' WHERE label = 'partner_contracts'`)
	out := e.must(t, dir, 2, "drift")
	if !strings.Contains(out, "backup_rule.partner_contracts") || !strings.Contains(out, `"both"`) || strings.Contains(out, "finance_attachments") {
		t.Fatalf("drift after an SQL edit of one rule:\n%s", out)
	}
	out = e.must(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(out, "Plan: 0 to add, 1 to change, 0 to destroy.") || !strings.Contains(out, `"both" -> "inbound"`) {
		t.Fatalf("plan after the SQL edit:\n%s", out)
	}
	e.must(t, dir, 0, "apply", "-auto-approve")
	e.must(t, dir, 0, "plan", "-detailed-exitcode")

	exp := t.TempDir()
	if err := os.WriteFile(filepath.Join(exp, "main.mf.hcl"), []byte("provider \"postfix\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.must(t, exp, 0, "export")
	policies, _ := os.ReadFile(filepath.Join(exp, "policies.mf.hcl"))
	for _, want := range []string{`backup_rule "finance_attachments"`, `backup_rule "partner_contracts"`, "has_attachment", `"partner.example"`} {
		if !strings.Contains(string(policies), want) {
			t.Fatalf("policies.mf.hcl lacks %s:\n%s", want, policies)
		}
	}
	if out := e.mailform(t, exp, "plan").out; !strings.Contains(out, " 0 to add, 0 to change, 0 to destroy.") || strings.Contains(out, "will be updated") {
		t.Fatalf("plan of the export:\n%s\n%s", out, policies)
	}

	imp := t.TempDir()
	if err := os.WriteFile(filepath.Join(imp, "main.mf.hcl"), []byte(vault+vaultRules), 0o644); err != nil {
		t.Fatal(err)
	}
	e.must(t, imp, 0, "import", "backup_rule.dan_reports", "dan_reports")
	if out := e.must(t, imp, 0, "state", "list"); !strings.Contains(out, "backup_rule.dan_reports") {
		t.Fatalf("state after import:\n%s", out)
	}
	e.must(t, imp, 1, "import", "backup_rule.finance_attachments", "no_such_rule")
}

const latencyConfig = `
provider "postfix" {
  bcrypt_cost = 4
}

domain "main" {
  name = "latency.test"
}

department "finance" {
  name = "Latency Finance"
}

account "fay" {
  email       = "fay@latency.test"
  name        = "Fay"
  departments = [department.finance.id]
  password    = "Pw-fay-2026"
}

account "archive" {
  email    = "archive@latency.test"
  name     = "Archive"
  password = "Pw-archive-2026"
}

backup_rule "finance" {
  destination = account.archive.email
  departments = [department.finance.id]
  direction   = "outbound"
  match {
    has_attachment = true
  }
}
`

// BenchmarkMilterAddedLatency times submissions (MAIL, RCPT, DATA with a PDF
// attachment, in one authenticated TLS session) through the real Postfix with the
// milter in smtpd_milters and, after a postfix reload, without it. The difference
// of the two ms/msg figures is the latency the milter adds to a message.
func BenchmarkMilterAddedLatency(b *testing.B) {
	e := setup(b)
	e.needMail(b)
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(latencyConfig), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(e.binary, "apply", "-auto-approve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MAILFORM_POSTFIX_DATABASE_URL="+e.dsn)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("apply: %v\n%s", err, out)
	}
	conf := filepath.Join(e.run, "postfix")
	milters := func(value string) {
		b.Helper()
		for _, args := range [][]string{{"-c", conf, "-e", "smtpd_milters=" + value}} {
			if out, err := exec.Command("/usr/sbin/postconf", args...).CombinedOutput(); err != nil {
				b.Fatalf("postconf: %v\n%s", err, out)
			}
		}
		if out, err := exec.Command("/usr/sbin/postfix", "-c", conf, "reload").CombinedOutput(); err != nil {
			b.Fatalf("postfix reload: %v\n%s", err, out)
		}
		time.Sleep(1500 * time.Millisecond) // idle smtpd processes of the old configuration exit
	}
	on := "inet:" + e.milter.addr
	defer milters(on)
	copies := func() float64 {
		for _, l := range strings.Split(milterMetrics(b, e), "\n") {
			if v, ok := strings.CutPrefix(l, `mailform_milter_copies_total{destination="archive@latency.test"} `); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		return 0
	}
	seq := 0
	for _, mode := range []struct {
		name   string
		milter string
	}{{"without_milter", ""}, {"with_milter", on}} {
		milters(mode.milter)
		b.Run(mode.name, func(b *testing.B) {
			before := copies()
			// One session (STARTTLS and AUTH once), then one mail transaction per
			// message: what is timed is MAIL, RCPT and DATA up to Postfix's 250,
			// where the milter works, not the TLS handshake around it.
			c, err := smtpLogin(clientTLS, "", e.submitAddr, "fay@latency.test", "Pw-fay-2026", 10*time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				seq++
				subj := fmt.Sprintf("latency %d", seq)
				if err := smtpTransaction(c, "fay@latency.test", []string{"cfo@partner.example"}, mimeMail("fay@latency.test", "cfo@partner.example", subj, true)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/msg")
			b.StopTimer()
			c.Quit()
			// The milter saw the messages exactly when it was configured.
			deadline := time.Now().Add(10 * time.Second)
			for (copies()-before > 0) != (mode.milter != "") && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if got := copies() - before; (got > 0) != (mode.milter != "") {
				b.Fatalf("%s: the milter copied %v messages", mode.name, got)
			}
		})
	}
}

// TestMilterCommand: the real `mailform milter` refuses bad flags with one line
// naming the flag, starts without a reachable database (answering its fail action,
// logging why without the password) and stops cleanly on SIGTERM.
func TestMilterCommand(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--fail-action", "bounce"}, `--fail-action "bounce" is not one of tempfail, accept, reject`},
		{[]string{"--log-format", "xml"}, "--log-format xml is not one of text, json"},
		{[]string{"--log-level", "loud"}, "--log-level loud is not one of debug, info, warn, error"},
		{[]string{"--refresh", "0s"}, "--refresh must be positive"},
		{[]string{"--listen", "127.0.0.1:99999"}, "milter address 127.0.0.1:99999"},
		{[]string{"--database-url", "::not a dsn::"}, "database_url is not a PostgreSQL connection string"},
	} {
		r := e.mailform(t, dir, append([]string{"milter", "--metrics-listen", ""}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.out, c.want) || strings.Count(strings.TrimSpace(r.out), "\n") != 0 {
			t.Errorf("milter %v: exit %d\n%s\nwant exit 1 and one line with %q", c.args, r.code, r.out, c.want)
		}
	}
	saved := e.dsn
	e.dsn = ""
	r := e.mailform(t, dir, "milter", "--metrics-listen", "")
	e.dsn = saved
	if r.code != 1 || !strings.Contains(r.out, "MAILFORM_POSTFIX_DATABASE_URL") {
		t.Errorf("milter without a database: exit %d\n%s", r.code, r.out)
	}

	port, _ := freePort()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(e.binary, "milter", "--listen", addr, "--metrics-listen", "", "--log-format", "json",
		"--database-url", "postgres://mail:hunter2-secret@127.0.0.1:1/mail?connect_timeout=2")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the milter did not listen within 15s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the milter did not stop within 20s of SIGTERM")
	}
	out := logs.String()
	for _, want := range []string{`"msg":"mailform milter listening"`, `no rules loaded yet`, `"reason":"cannot connect`, `"msg":"mailform milter stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("the log shows the password:\n%s", out)
	}
}

// TestPostfixWaitsWhileTheMilterIsDown: with milter_default_action = tempfail a
// message sent while the milter is stopped is refused with a 4xx (the client
// retries), not accepted uncopied; once the milter is back, mail flows again.
func TestPostfixWaitsWhileTheMilterIsDown(t *testing.T) {
	e := setup(t)
	e.needMail(t)
	dir := t.TempDir()
	cfg := "provider \"postfix\" {\n  bcrypt_cost = 4\n}\n\ndomain \"main\" {\n  name = \"down.test\"\n}\n\n" +
		"account \"gil\" {\n  email    = \"gil@down.test\"\n  name     = \"Gil\"\n  password = \"Pw-gil-2026\"\n}\n"
	writeMain(t, dir, cfg)
	e.must(t, dir, 0, "apply", "-auto-approve")
	old := e.milter.cmd
	syscall.Kill(-old.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { old.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the milter did not stop within 20s of SIGTERM")
	}
	restarted := false
	defer func() {
		if !restarted {
			e.startMilter()
		}
	}()
	marker := "milter-down-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	err := sendRaw(e.smtpAddr, "", "", "x@internet.test", []string{"gil@down.test"}, mimeMail("x@internet.test", "gil@down.test", marker, false))
	// Postfix temp-fails the whole session (STARTTLS gets 454, MAIL or DATA 451).
	if err == nil || !regexp.MustCompile(`\b4[0-9][0-9]\b`).MatchString(err.Error()) {
		t.Fatalf("send while the milter is down = %v; want a 4xx refusal", err)
	}
	if err := e.startMilter(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	if err := sendRaw(e.smtpAddr, "", "", "x@internet.test", []string{"gil@down.test"}, mimeMail("x@internet.test", "gil@down.test", marker, false)); err != nil {
		t.Fatalf("send after the milter is back: %v", err)
	}
}
