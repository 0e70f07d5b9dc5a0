package mailtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// service is a real mailform service the test Postfix uses, started before it:
// `mailform policy-server` (check_policy_service in main.cf) or `mailform milter`
// (smtpd_milters), which every message of the package's tests passes through.
type service struct {
	addr, metrics string
	cmd           *exec.Cmd
}

// port picks the service's ports (once: the listener and /metrics) and returns
// the first, for the templates.
func (p *service) port() string {
	if p.addr == "" {
		a, _ := freePort()
		m, _ := freePort()
		p.addr, p.metrics = fmt.Sprintf("127.0.0.1:%d", a), fmt.Sprintf("127.0.0.1:%d", m)
	}
	return p.addr[strings.LastIndexByte(p.addr, ':')+1:]
}

// startPolicy starts mailform policy-server on the mail database and waits until
// it listens. Its refresh is an hour: a change reaches it by NOTIFY or not at all.
func (e *env) startPolicy() error {
	cmd := exec.Command(e.binary, "policy-server", "--listen", e.policy.addr, "--metrics-listen", e.policy.metrics,
		"--refresh", "1h", "--log-format", "json")
	cmd.Env = append(os.Environ(), "MAILFORM_POSTFIX_DATABASE_URL="+e.dsn)
	if err := e.spawn(cmd, "policy"); err != nil {
		return err
	}
	return waitListening(e.policy.addr, 30*time.Second)
}

func waitListening(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not listen within %s: %v", addr, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// submit sends one message with AUTH (after STARTTLS) on the submission port, with
// body as its text after the headers, and returns the error of the first refused
// step, naming it.
func submit(addr, user, pass string, to []string, subject, body string) error {
	return sendTLS(clientTLS, "", addr, user, pass, user, to, subject, body+"\r\n")
}

const policyCompany = `
provider "postfix" {
  bcrypt_cost = 4
}

domain "main" {
  name = "quay.test"
}

# Names of their own: the mail database is shared with the other tests, and a
# department is found again by its name.
department "finance" {
  name = "Quay Finance"
}

department "rd" {
  name = "Quay R&D"
}

account "fin" {
  email       = "fin@quay.test"
  name        = "Fin"
  departments = [department.finance.id]
  password    = "Pw-fin-2026"
}

account "rae" {
  email       = "rae@quay.test"
  name        = "Rae"
  departments = [department.rd.id]
  password    = "Pw-rae-2026"
}

group "close" {
  email   = "close@quay.test"
  name    = "Month-End Close"
  members = [account.fin.email]
  senders = "members"
}

send_restriction "rd" {
  departments       = [department.rd.id]
  max_recipients    = 100
  max_attachment_mb = 1
}
`

const financeRule = `
send_restriction "finance" {
  departments     = [department.finance.id]
  external        = "deny"
  allowed_domains = ["partner.test"]
}
`

var code5xx = regexp.MustCompile(`\b5\d\d\b`)

// TestPolicyServerThroughPostfix applies send restrictions and a members-only group
// to the running server and sends real mail through Postfix, which asks the real
// mailform policy-server.
func TestPolicyServerThroughPostfix(t *testing.T) {
	e := setup(t)
	e.needMail(t)
	dir := t.TempDir()
	writeMain(t, dir, policyCompany+financeRule)
	if out := e.must(t, dir, 0, "apply", "-auto-approve"); !strings.Contains(out, "Apply complete! 8 added") {
		t.Fatalf("apply:\n%s", out)
	}
	e.must(t, dir, 0, "plan", "-detailed-exitcode")
	marker := time.Now().Format("150405.000")
	fin := func(to []string, subject, body string) error {
		return submit(e.submitAddr, "fin@quay.test", "Pw-fin-2026", to, subject+"-"+marker, body)
	}
	rae := func(to []string, subject, body string) error {
		return submit(e.submitAddr, "rae@quay.test", "Pw-rae-2026", to, subject+"-"+marker, body)
	}
	// arrived counts the recipients of subject's copies on the internet (Postfix
	// splits a message for 100 recipients into transactions of 50).
	arrived := func(subject string) int {
		n := 0
		for _, m := range e.capture.received(subject + "-" + marker) {
			n += len(m.to)
		}
		return n
	}

	t.Run("finance outside is rejected naming the rule", func(t *testing.T) {
		err := fin([]string{"buyer@elsewhere.test"}, "fin-out", "Hello.")
		if err == nil || !strings.Contains(err.Error(), "RCPT TO:<buyer@elsewhere.test>") || !code5xx.MatchString(err.Error()) ||
			!strings.Contains(err.Error(), "send_restriction.finance does not let fin@quay.test send outside the company except to partner.test") {
			t.Fatalf("Finance to an external domain: %v; want a 5xx at RCPT naming send_restriction.finance\n%s", err, e.logs())
		}
	})
	t.Run("finance to the partner arrives", func(t *testing.T) {
		if err := fin([]string{"ap@partner.test"}, "fin-partner", "Hello."); err != nil {
			t.Fatalf("Finance to the allowed partner: %v\n%s", err, e.logs())
		}
		waitFor(t, func() bool { return arrived("fin-partner") == 1 }, "the partner receiving Finance's mail")
	})
	t.Run("101 recipients are rejected", func(t *testing.T) {
		to := make([]string, 101)
		for i := range to {
			to[i] = fmt.Sprintf("r%d@elsewhere.test", i)
		}
		err := rae(to, "rd-101", "Hello.")
		if err == nil || !strings.Contains(err.Error(), "end of DATA") || !code5xx.MatchString(err.Error()) ||
			!strings.Contains(err.Error(), "at most 100 recipients") {
			t.Fatalf("R&D to 101 recipients: %v; want the message refused with max_recipients = 100\n%s", err, e.logs())
		}
		if err := rae(to[:100], "rd-100", "Hello."); err != nil {
			t.Fatalf("R&D to 100 recipients: %v", err)
		}
		waitFor(t, func() bool { return arrived("rd-100") == 100 }, "the internet receiving the 100-recipient message")
		if len(e.capture.received("rd-101-"+marker)) != 0 {
			t.Fatal("a part of the 101-recipient message went out")
		}
	})
	t.Run("a message over max_attachment_mb is rejected", func(t *testing.T) {
		attachment := strings.Repeat(strings.Repeat("A", 76)+"\r\n", 1<<20/76+2000) // base64-like lines, > 1 MiB
		err := rae([]string{"x@elsewhere.test"}, "rd-big", attachment)
		if err == nil || !strings.Contains(err.Error(), "end of DATA") || !strings.Contains(err.Error(), "552") ||
			!strings.Contains(err.Error(), "send_restriction.rd allows messages of at most 1 MB") {
			t.Fatalf("R&D message over 1 MB: %v\n%s", err, e.logs())
		}
		if err := rae([]string{"x@elsewhere.test"}, "rd-small", "Hello."); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return arrived("rd-small") == 1 }, "the small message arriving")
	})
	t.Run("members-only group", func(t *testing.T) {
		err := rae([]string{"close@quay.test"}, "close-nonmember", "Hello.")
		if err == nil || !code5xx.MatchString(err.Error()) || !strings.Contains(err.Error(), "only its members may write to it") {
			t.Fatalf("a non-member writing to close@: %v", err)
		}
		if err := fin([]string{"close@quay.test"}, "close-member", "Hello."); err != nil {
			t.Fatalf("a member writing to close@: %v\n%s", err, e.logs())
		}
		waitFor(t, func() bool {
			n, err := e.countMailAt("fin@quay.test", "Pw-fin-2026", "close-member-"+marker)
			return err == nil && n == 1
		}, "the member's mail to the group in fin's INBOX")
	})

	// export and import know send_restriction: the exported configuration plans no
	// change, and a rule dropped from state is imported back.
	exp := t.TempDir()
	if err := os.WriteFile(filepath.Join(exp, "main.mf.hcl"), []byte("provider \"postfix\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.must(t, exp, 0, "export")
	b, _ := os.ReadFile(filepath.Join(exp, "policies.mf.hcl"))
	if !strings.Contains(string(b), `send_restriction "finance"`) || !strings.Contains(string(b), `"partner.test"`) {
		t.Fatalf("exported policies.mf.hcl:\n%s", b)
	}
	if out := e.mailform(t, exp, "plan").out; !strings.Contains(out, " 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("plan of the export:\n%s", out)
	}
	e.must(t, dir, 0, "state", "rm", "send_restriction.finance")
	e.must(t, dir, 0, "import", "send_restriction.finance", "finance")
	e.must(t, dir, 0, "plan", "-detailed-exitcode")

	// plan shows a department move's effect on the rules, which themselves stay as
	// they are.
	writeMain(t, dir, strings.Replace(policyCompany, "departments = [department.rd.id]\n  password    = \"Pw-rae-2026\"",
		"departments = [department.finance.id]\n  password    = \"Pw-rae-2026\"", 1)+financeRule)
	out := e.mailform(t, dir, "plan").out
	for _, want := range []string{
		"# send_restriction.finance is unchanged but now applies to 2 accounts in department.finance (was 1)",
		"# send_restriction.rd is unchanged but now applies to 0 accounts in department.rd (was 1)",
		"Plan: 0 to add, 1 to change, 0 to destroy.",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("plan moving rae to Finance lacks %q:\n%s", want, out)
		}
	}
	var jp struct {
		Changes []struct {
			Address   string `json:"address"`
			AppliesTo *struct {
				Accounts int  `json:"accounts"`
				Was      *int `json:"was"`
			} `json:"applies_to"`
		} `json:"resource_changes"`
	}
	jout := e.mailform(t, dir, "plan", "-json").out
	if err := json.Unmarshal([]byte(jout), &jp); err != nil {
		t.Fatalf("plan -json: %v\n%s", err, jout)
	}
	found := false
	for _, c := range jp.Changes {
		if c.Address == "send_restriction.finance" {
			found = true
			if c.AppliesTo == nil || c.AppliesTo.Accounts != 2 || c.AppliesTo.Was == nil || *c.AppliesTo.Was != 1 {
				t.Fatalf("plan -json applies_to of %s: %+v\n%s", c.Address, c.AppliesTo, jout)
			}
		}
	}
	if !found {
		t.Fatalf("plan -json has no send_restriction.finance:\n%s", jout)
	}

	// apply removes the Finance rule; the running policy server follows at once.
	writeMain(t, dir, policyCompany)
	if out := e.must(t, dir, 0, "apply", "-auto-approve"); !strings.Contains(out, "0 added, 0 changed, 1 destroyed") {
		t.Fatalf("apply removing the rule:\n%s", out)
	}
	// The notification is read at commit and the rules reloaded in milliseconds;
	// a rejection is retried for a few seconds so a slow machine does not fail here.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		err := fin([]string{"buyer@elsewhere.test"}, "fin-out-after", "Hello.")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Finance to an external domain 5s after the rule's removal: %v\n%s", err, e.logs())
		}
	}
	waitFor(t, func() bool { return arrived("fin-out-after") == 1 }, "the external mail after the rule's removal")

	// The real server counted its decisions on /metrics.
	metrics := get(t, "http://"+e.policy.metrics+"/metrics")
	for _, want := range []string{
		`mailform_policy_decisions_total{action="reject",rule="send_restriction.finance"} 1`,
		`mailform_policy_decisions_total{action="reject",rule="send_restriction.rd"} 2`,
		`mailform_policy_decisions_total{action="reject",rule="group.close@quay.test"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("/metrics lacks %s:\n%s", want, metrics)
		}
	}
}

func get(t testing.TB, url string) string {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	r, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A policy server whose database is down answers its default action and logs why;
// SIGTERM stops it with exit 0.
func TestPolicyServerWithDatabaseDown(t *testing.T) {
	e := setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there any more
	port, _ := freePort()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(e.binary, "policy-server", "--listen", addr, "--metrics-listen", "", "--connect-timeout", "2s")
	cmd.Env = append(os.Environ(), fmt.Sprintf("MAILFORM_POSTFIX_DATABASE_URL=postgres://mail:s3cret@127.0.0.1:%d/mail", dead))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if err := waitListening(addr, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprint(c, "request=smtpd_access_policy\nprotocol_state=RCPT\nsasl_username=fin@quay.test\nrecipient=x@elsewhere.test\n\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "action=DEFER_IF_PERMIT\n" {
		t.Fatalf("answer %q, %v; want the default action", line, err)
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGINT: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after SIGINT\n%s", logs.String())
	}
	out := logs.String()
	if !strings.Contains(out, "cannot read the rules") || !strings.Contains(out, fmt.Sprintf("127.0.0.1:%d", dead)) || !strings.Contains(out, "refused") {
		t.Fatalf("the log does not say why:\n%s", out)
	}
	if strings.Contains(out, "s3cret") {
		t.Fatalf("the password was logged:\n%s", out)
	}
}

// Bad settings stop policy-server at once with one line that says what to do, and
// never echo the connection string.
func TestPolicyServerRefusesBadSettings(t *testing.T) {
	e := setup(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--default-action", "perhaps"}, "host=/tmp dbname=mail password=s3cret", `--default-action: "perhaps" is not a Postfix access action; use defer_if_permit`},
		{nil, "", "no mail database: set --database-url or $MAILFORM_POSTFIX_DATABASE_URL"},
		{[]string{"--listen", busy.Addr().String()}, "host=/tmp dbname=mail password=s3cret", "--listen: listen tcp " + busy.Addr().String()},
		{[]string{"--log-format", "xml"}, "host=/tmp dbname=mail password=s3cret", `--log-format "xml": use text or json`},
	} {
		cmd := exec.Command(e.binary, append([]string{"policy-server", "--metrics-listen", ""}, c.args...)...)
		cmd.Env = append(os.Environ(), "MAILFORM_POSTFIX_DATABASE_URL="+c.env)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), c.want) || strings.Contains(string(out), "s3cret") {
			t.Errorf("policy-server %v: %v\n%s\nwant exit 1 and %q", c.args, err, out, c.want)
		}
	}
}
