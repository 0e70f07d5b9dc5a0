package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRunShRehearsal runs examples/selfhosted/run.sh as its README says, on ports of
// its own: it starts PostgreSQL, Postfix and Dovecot from scratch, the example
// applies and plans no change, mail to the sales group reaches a sales person's
// INBOX over IMAP with STARTTLS (trusting the certificate run.sh made), mail out
// through the submission port reaches the relay, and `run.sh stop` leaves no
// listener behind.
func TestRunShRehearsal(t *testing.T) {
	e := setup(t)
	e.needMail(t)
	run := filepath.Join(e.dir, "runsh")
	ports := map[string]int{}
	for _, p := range []string{"SMTP_PORT", "SUBMISSION_PORT", "IMAP_PORT", "IMAPS_PORT", "POLICY_PORT", "POLICY_METRICS_PORT", "MILTER_PORT", "MILTER_METRICS_PORT", "PG_PORT"} {
		n, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[p] = n
	}
	script := filepath.Join(repoRoot(), "examples", "selfhosted", "run.sh")
	env := append(os.Environ(), "RUN="+run, "MAILFORM="+e.binary, "RELAYHOST=[127.0.0.1]:"+strconv.Itoa(e.capture.port))
	for k, v := range ports {
		env = append(env, fmt.Sprintf("%s=%d", k, v))
	}
	sh := func(args ...string) (string, error) {
		cmd := exec.Command(script, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { sh("stop") })
	out, err := sh()
	if err != nil || !strings.Contains(out, "Running.") {
		t.Fatalf("run.sh: %v\n%s", err, out)
	}
	t.Logf("run.sh:\n%s", out)

	dsn, err := exec.Command("bash", "-c", `. "$1/env" && printf %s "$MAILFORM_POSTFIX_DATABASE_URL"`, "-", run).Output()
	if err != nil || !strings.Contains(string(dsn), run) {
		t.Fatalf("%s/env: %q %v", run, dsn, err)
	}
	saved := e.dsn
	e.dsn = string(dsn)
	dir := copyExample(t)
	if out := e.must(t, dir, 0, "apply", "-auto-approve"); !strings.Contains(out, "Apply complete! 41 added") {
		t.Fatalf("apply:\n%s", out)
	}
	e.must(t, dir, 0, "plan", "-detailed-exitcode")
	e.dsn = saved

	pem, err := os.ReadFile(filepath.Join(run, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s/tls/cert.pem holds no certificate", run)
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: "mail.mailform.test", MinVersion: tls.VersionTLS12}
	addr := func(p string) string { return fmt.Sprintf("127.0.0.1:%d", ports[p]) }
	marker := "rehearsal-" + time.Now().Format("150405.000")
	if err := sendTLS(cfg, "", addr("SMTP_PORT"), "", "", "partner@internet.test", []string{"sales@harbourtrade.example"}, marker, "Please send prices.\r\n"); err != nil {
		t.Fatalf("%v\n%s", err, runLogs(run))
	}
	const user, pass = "anna.schmidt@harbourtrade.example", "Harbour-Welcome-2026"
	waitFor(t, func() bool {
		s, err := imapDial("", addr("IMAP_PORT"))
		if err != nil {
			return false
		}
		defer s.c.Close()
		if s.starttlsWith(cfg) != nil {
			return false
		}
		if _, ok, err := s.login(user, pass); !ok || err != nil {
			return false
		}
		n, err := s.count(marker)
		return err == nil && n == 1
	}, "the group mail in "+user+"'s INBOX (IMAP with STARTTLS)")
	if err := sendTLS(cfg, "", addr("SUBMISSION_PORT"), user, pass, user, []string{"buyer@customer.test"}, "out-"+marker, "Attached.\r\n"); err != nil {
		t.Fatalf("%v\n%s", err, runLogs(run))
	}
	waitFor(t, func() bool { return len(e.capture.received("out-"+marker)) == 1 }, "the submitted mail at the relay")

	// The example's policies, enforced by the policy server run.sh started: Finance
	// writes outside only to the bank and the auditors.
	const cfo = "liu.yang@harbourtrade.example"
	err = sendTLS(cfg, "", addr("SUBMISSION_PORT"), cfo, pass, cfo, []string{"buyer@customer.test"}, "fin-"+marker, "Invoice.\r\n")
	if err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "send_restriction.confidential") {
		t.Fatalf("Finance to a customer: %v, want a 550 naming send_restriction.confidential\n%s", err, runLogs(run))
	}
	if err := sendTLS(cfg, "", addr("SUBMISSION_PORT"), cfo, pass, cfo, []string{"treasury@pacificbank.example"}, "bank-"+marker, "Invoice.\r\n"); err != nil {
		t.Fatalf("Finance to the bank: %v\n%s", err, runLogs(run))
	}
	waitFor(t, func() bool { return len(e.capture.received("bank-"+marker)) == 1 }, "Finance's mail to the bank at the relay")

	if out, err := sh("stop"); err != nil || !strings.Contains(out, "Stopped.") {
		t.Fatalf("run.sh stop: %v\n%s", err, out)
	}
	for _, p := range []string{"SMTP_PORT", "SUBMISSION_PORT", "IMAP_PORT", "IMAPS_PORT", "POLICY_PORT", "MILTER_PORT", "MILTER_METRICS_PORT"} {
		waitFor(t, func() bool {
			c, err := net.DialTimeout("tcp", addr(p), time.Second)
			if err == nil {
				c.Close()
			}
			return err != nil
		}, "closed "+p+" after run.sh stop")
	}
}

// runLogs returns the ends of the logs run.sh's servers wrote under run, for a
// failure message.
func runLogs(run string) string {
	var b strings.Builder
	for _, f := range []string{"postfix.log", "policy.log", "dovecot/dovecot.log"} {
		data, _ := os.ReadFile(filepath.Join(run, f))
		fmt.Fprintf(&b, "--- %s\n%s", f, tail(string(data), 3000))
	}
	return b.String()
}
