package mailtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailform/mailform/state/pgtest"
)

// RequireEnv makes missing mail servers a failure instead of a skip.
const RequireEnv = "MAILFORM_REQUIRE_MAILSERVERS"

// repoRoot is the repository checkout, found from this file's path.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// env is what the package's tests share: one PostgreSQL, one mailform binary, and
// (when installed and running as root) one Postfix + Dovecot pair on loopback ports
// with a capture server standing for the internet.
type env struct {
	pg     *pgtest.Server
	dsn    string // the mail database, for mailform and for "PostfixAdmin" edits
	binary string
	dir    string

	mailErr    error // why the mail servers are not running, or nil
	missing    bool  // mailErr says they are not installed (a skip, not a failure)
	run        string
	smtpAddr   string
	submitAddr string
	imapAddr   string
	imapsAddr  string
	capture    *captureServer
	policy     service // mailform policy-server, started before Postfix
	milter     service // mailform milter, started before Postfix
	procs      []*exec.Cmd
}

var (
	once    sync.Once
	shared  *env
	initErr error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
	}
	os.Exit(code)
}

// setup starts what the tests share, once per package run.
func setup(t testing.TB) *env {
	t.Helper()
	once.Do(func() { shared, initErr = start() })
	pgtest.Skip(t, "providers/postfix/mailtest", initErr)
	return shared
}

// needMail ends t when the mail servers are not running: a skip with the reason,
// or a failure when MAILFORM_REQUIRE_MAILSERVERS=1.
func (e *env) needMail(t testing.TB) {
	t.Helper()
	if e.mailErr == nil {
		return
	}
	if !e.missing || os.Getenv(RequireEnv) == "1" {
		t.Fatalf("mail servers: %v", e.mailErr)
	}
	t.Skipf("mail server tests skipped: %v (set %s=1 to make this a failure)", e.mailErr, RequireEnv)
}

func start() (*env, error) {
	pg, err := pgtest.Start()
	if err != nil {
		return nil, err
	}
	e := &env{pg: pg}
	if err := e.startRest(); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

func (e *env) startRest() error {
	// Postfix and Dovecot run as their own users and reach PostgreSQL's socket
	// through the cluster's directory (the data directory inside stays private).
	if err := os.Chmod(e.pg.Dir, 0o755); err != nil {
		return err
	}
	conn, err := pgx.Connect(context.Background(), e.pg.ConnStr())
	if err != nil {
		return err
	}
	_, err = conn.Exec(context.Background(), "CREATE DATABASE mail")
	conn.Close(context.Background())
	if err != nil {
		return err
	}
	e.dsn = fmt.Sprintf("host=%s port=%d user=postgres dbname=mail sslmode=disable", e.pg.Dir, e.pg.Port)
	e.dir, err = os.MkdirTemp("", "mailform-mailtest-")
	if err != nil {
		return err
	}
	e.binary = filepath.Join(e.dir, "mailform")
	build := exec.Command("go", "build", "-o", e.binary, "./cmd/mailform")
	build.Dir = repoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building mailform: %v\n%s", err, out)
	}
	e.mailErr = e.startMail()
	return nil
}

// missingMail says what is missing for the mail servers, or "".
func missingMail() string {
	if os.Geteuid() != 0 {
		return "Postfix's master must run as root (run the tests as root, as CI does)"
	}
	for _, f := range []string{"/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/lib/postfix/postfix-pgsql.so",
		"/usr/lib/dovecot/modules/auth/libdriver_pgsql.so", "/usr/lib/dovecot/lmtp", "/usr/lib/dovecot/imap", "/usr/lib/dovecot/quota-status"} {
		if _, err := os.Stat(f); err != nil {
			return f + " is missing; install postfix, postfix-pgsql, dovecot-imapd, dovecot-lmtpd and dovecot-pgsql (scripts/install-test-deps.sh)"
		}
	}
	for _, u := range []string{"postfix", "dovecot", "dovenull"} {
		if _, err := user.Lookup(u); err != nil {
			return "user " + u + " is missing (installed by the postfix and dovecot packages)"
		}
	}
	return ""
}

// handedOut holds the ports freePort returned: a port is closed again until its
// server binds it, and the kernel may offer it twice in the meantime (the milter's
// metrics once took the port picked for Postfix's SMTP).
var handedOut sync.Map

func freePort() (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if _, dup := handedOut.LoadOrStore(port, true); !dup {
			return port, nil
		}
	}
	return 0, errors.New("no free loopback port that was not handed out already")
}

func (e *env) startMail() error {
	if why := missingMail(); why != "" {
		e.missing = true
		return errors.New(why)
	}
	var err error
	if e.capture, err = startCapture(); err != nil {
		return err
	}
	e.run = filepath.Join(e.dir, "run")
	ports := make([]int, 4)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return err
		}
	}
	e.smtpAddr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	e.submitAddr = fmt.Sprintf("127.0.0.1:%d", ports[1])
	e.imapAddr = fmt.Sprintf("127.0.0.1:%d", ports[2])
	e.imapsAddr = fmt.Sprintf("127.0.0.1:%d", ports[3])
	tlsDir := filepath.Join(e.run, "tls")
	if clientTLS, err = writeCertificate(tlsDir, "mail.mailform.test"); err != nil {
		return err
	}
	mail, err := user.Lookup("mail")
	if err != nil {
		return err
	}
	vars := map[string]string{
		"RUN":                e.run,
		"PGURI":              fmt.Sprintf("postgresql:///mail?host=%s&port=%d&user=postgres", e.pg.Dir, e.pg.Port),
		"PGDB":               "mail",
		"PGCONNECT":          fmt.Sprintf("host=%s port=%d dbname=mail user=postgres", e.pg.Dir, e.pg.Port),
		"SMTP_ADDR":          e.smtpAddr,
		"SUBMISSION_ADDR":    e.submitAddr,
		"IMAP_PORT":          strconv.Itoa(ports[2]),
		"POLICY_PORT":        e.policy.port(),
		"IMAPS_PORT":         strconv.Itoa(ports[3]),
		"TLS_CERT":           filepath.Join(tlsDir, "cert.pem"),
		"TLS_KEY":            filepath.Join(tlsDir, "key.pem"),
		"MILTER_PORT":        e.milter.port(),
		"RELAYHOST":          "[127.0.0.1]:" + strconv.Itoa(e.capture.port),
		"VMAIL_UID":          mail.Uid,
		"VMAIL_GID":          mail.Gid,
		"INTERNAL_USER":      "dovecot",
		"LOGIN_USER":         "dovenull",
		"AUTH_FAILURE_DELAY": "0 secs",
	}
	if err := Render(filepath.Join(repoRoot(), "examples", "selfhosted", "mailserver"), e.run, vars); err != nil {
		return err
	}
	// Postfix creates its queue itself (postfix check); its data directory and the
	// mailboxes belong to the users that write them.
	pf, err := user.Lookup("postfix")
	if err != nil {
		return err
	}
	for _, d := range []struct {
		path  string
		owner *user.User
	}{{"vmail", mail}, {"postfix-data", pf}, {"postfix-queue", nil}, {"dovecot/state", nil}, {"dovecot/run", nil}} {
		p := filepath.Join(e.run, d.path)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if d.owner != nil {
			uid, _ := strconv.Atoi(d.owner.Uid)
			gid, _ := strconv.Atoi(d.owner.Gid)
			if err := os.Chown(p, uid, gid); err != nil {
				return err
			}
		}
	}
	for _, p := range []string{e.dir, e.run, filepath.Join(e.run, "dovecot")} {
		os.Chmod(p, 0o755)
	}
	// The mailform schema must exist before Postfix and Dovecot query it.
	if out, err := exec.Command(e.binary, "postfix", "migrate", "--database-url", e.dsn).CombinedOutput(); err != nil {
		return fmt.Errorf("mailform postfix migrate: %v\n%s", err, out)
	}
	if err := e.startPolicy(); err != nil {
		return err
	}
	if err := e.startMilter(); err != nil {
		return err
	}
	dovecot := exec.Command("/usr/sbin/dovecot", "-F", "-c", filepath.Join(e.run, "dovecot", "dovecot.conf"))
	if err := e.spawn(dovecot, "dovecot"); err != nil {
		return err
	}
	pfConf := filepath.Join(e.run, "postfix")
	if out, err := exec.Command("/usr/sbin/postfix", "-c", pfConf, "check").CombinedOutput(); err != nil {
		return fmt.Errorf("postfix check: %v\n%s%s", err, out, e.logs())
	}
	if err := e.spawn(exec.Command("/usr/sbin/postfix", "-c", pfConf, "start-fg"), "postfix"); err != nil {
		return err
	}
	if err := waitTLSBanner(e.imapsAddr, 30*time.Second); err != nil {
		return fmt.Errorf("%v\n%s", err, e.logs())
	}
	for _, a := range []string{e.imapAddr, e.smtpAddr, e.submitAddr} {
		if err := waitBanner(a, 30*time.Second); err != nil {
			return fmt.Errorf("%v\n%s", err, e.logs())
		}
	}
	return nil
}

// spawn starts a server in the foreground of a child process that dies with the
// test binary.
func (e *env) spawn(cmd *exec.Cmd, name string) error {
	logf, err := os.Create(filepath.Join(e.run, name+".out"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	e.procs = append(e.procs, cmd)
	return nil
}

// logs returns the servers' logs, for a failure message.
func (e *env) logs() string {
	var b strings.Builder
	for _, f := range []string{"postfix.out", "postfix.log", "dovecot.out", "dovecot/dovecot.log", "policy.out", "milter.out"} {
		data, _ := os.ReadFile(filepath.Join(e.run, f))
		fmt.Fprintf(&b, "--- %s\n%s", f, tail(string(data), 4000))
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// waitBanner waits until addr answers with a greeting line.
func waitBanner(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, rerr := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if rerr == nil && (strings.HasPrefix(line, "220") || strings.HasPrefix(line, "* OK")) {
				return nil
			}
			err = fmt.Errorf("greeting %q: %v", line, rerr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not greet within %s: %v", addr, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitTLSBanner waits until addr answers a TLS handshake with an IMAP greeting.
func waitTLSBanner(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		s, err := imapDialTLS("", addr)
		if err == nil {
			s.c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not greet over TLS within %s: %v", addr, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *env) stop() {
	if e.run != "" {
		exec.Command("/usr/sbin/postfix", "-c", filepath.Join(e.run, "postfix"), "stop").Run()
	}
	for _, p := range e.procs {
		syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	if e.capture != nil {
		e.capture.Close()
	}
	if e.pg != nil {
		e.pg.Stop()
	}
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
}

// Render copies the templates under src (postfix/, dovecot/) to dst with every
// @NAME@ replaced by vars[NAME]; a placeholder without a value is an error.
func Render(src, dst string, vars map[string]string) error {
	return filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := string(data)
		for k, v := range vars {
			s = strings.ReplaceAll(s, "@"+k+"@", v)
		}
		if i := strings.Index(s, "@"); i >= 0 {
			if j := strings.Index(s[i+1:], "@"); j > 0 && !strings.ContainsAny(s[i+1:i+1+j], " \n") {
				return fmt.Errorf("%s: no value for %s", rel, s[i:i+j+2])
			}
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(s), 0o644)
	})
}
