package mailtest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// captureServer is "the internet": Postfix relays mail for other domains to it,
// and it keeps what it received.
type captureServer struct {
	l    net.Listener
	port int

	mu   sync.Mutex
	msgs []captured
}

type captured struct {
	from string
	to   []string
	data string
}

func startCapture() (*captureServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &captureServer{l: l, port: l.Addr().(*net.TCPAddr).Port}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s, nil
}

func (s *captureServer) Close() { s.l.Close() }

// serve speaks just enough SMTP for Postfix's smtp client.
func (s *captureServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(c)
	say := func(line string) { fmt.Fprintf(c, "%s\r\n", line) }
	say("220 internet.test ESMTP capture")
	var m captured
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 internet.test")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = captured{from: strings.TrimSpace(line[10:])}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = append(m.to, strings.Trim(strings.TrimSpace(line[8:]), "<>"))
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// received returns the messages whose data contains marker.
func (s *captureServer) received(marker string) []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []captured
	for _, m := range s.msgs {
		if strings.Contains(m.data, marker) {
			out = append(out, m)
		}
	}
	return out
}

// send submits one message over SMTP at addr (with AUTH PLAIN when user is set) and
// returns the error of the first refused step, naming it.
func send(addr, user, pass, from string, to []string, subject string) error {
	return sendFrom("", addr, user, pass, from, to, subject)
}

// dialFrom connects from the loopback address local ("" for the default). Failed
// logins make Dovecot delay every later login from the same address (auth
// penalty), so the tests fail theirs from addresses of their own.
func dialFrom(local, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	return d.Dial("tcp", addr)
}

// sendFrom is send from the loopback address local.
func sendFrom(local, addr, user, pass, from string, to []string, subject string) error {
	return sendMessage(local, addr, user, pass, from, to, subject, "Hello.\r\n")
}

// sendMessage is sendFrom with a body of the caller's (CRLF lines, no lone dot).
func sendMessage(local, addr, user, pass, from string, to []string, subject, body string) error {
	return sendTLS(clientTLS, local, addr, user, pass, from, to, subject, body)
}

// sendTLS is sendMessage to a server whose certificate cfg trusts.
func sendTLS(cfg *tls.Config, local, addr, user, pass, from string, to []string, subject, body string) error {
	c, err := smtpLogin(cfg, local, addr, user, pass, time.Minute)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := smtpTransaction(c, from, to, headed(from, to, subject, body)); err != nil {
		return err
	}
	return c.Quit()
}

// headed is body (CRLF lines, no lone dot) with From, To, Subject and a unique
// Message-ID.
func headed(from string, to []string, subject, body string) string {
	return fmt.Sprintf("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%d@client.test>\r\n\r\n%s",
		from, strings.Join(to, ">, <"), subject, time.Now().UnixNano(), body)
}

// smtpHello connects to addr from the loopback address local, bounds the whole
// session by limit and says EHLO.
func smtpHello(local, addr string, limit time.Duration) (*smtp.Client, error) {
	conn, err := dialFrom(local, addr)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(limit))
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := c.Hello("client.test"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// smtpLogin is smtpHello, then, as a mail client or server would, TLS whenever it
// is offered (trusting cfg; the submission port requires it, AUTH included) and
// AUTH PLAIN when user is set.
func smtpLogin(cfg *tls.Config, local, addr, user, pass string, limit time.Duration) (*smtp.Client, error) {
	c, err := smtpHello(local, addr, limit)
	if err != nil {
		return nil, err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(cfg); err != nil {
			c.Close()
			return nil, fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if user != "" {
		if err := c.Auth(smtp.PlainAuth("", user, pass, "127.0.0.1")); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH: %w", err)
		}
	}
	return c, nil
}

// smtpTransaction sends msg from from to the recipients to in an open session.
func smtpTransaction(c *smtp.Client, from string, to []string, msg string) error {
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("RCPT TO:<%s>: %w", r, err)
		}
	}
	return smtpData(c, msg)
}

// smtpData sends msg after DATA and ends it.
func smtpData(c *smtp.Client, msg string) error {
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	return nil
}

// imapSession is the least of IMAP the tests need: LOGIN, SELECT and SEARCH, whose
// answers have no literals.
type imapSession struct {
	c   net.Conn
	r   *bufio.Reader
	tag int
}

// imapDial connects without TLS and reads the greeting.
func imapDial(local, addr string) (*imapSession, error) {
	c, err := dialFrom(local, addr)
	if err != nil {
		return nil, err
	}
	return imapGreeted(c)
}

// imapDialTLS connects to the IMAPS port, TLS from the first byte.
func imapDialTLS(local, addr string) (*imapSession, error) {
	c, err := dialFrom(local, addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	tc := tls.Client(c, clientTLS)
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	return imapGreeted(tc)
}

func imapGreeted(c net.Conn) (*imapSession, error) {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	s := &imapSession{c: c, r: bufio.NewReader(c)}
	if line, err := s.r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "* OK") {
		c.Close()
		return nil, fmt.Errorf("IMAP greeting %q: %v", line, err)
	}
	return s, nil
}

// starttls upgrades the session to TLS, verifying the server's certificate.
func (s *imapSession) starttls() error { return s.starttlsWith(clientTLS) }

// starttlsWith is starttls trusting what cfg trusts.
func (s *imapSession) starttlsWith(cfg *tls.Config) error {
	if _, st, err := s.cmd("STARTTLS"); err != nil || !strings.HasPrefix(st, "OK") {
		return fmt.Errorf("STARTTLS: %s %v", st, err)
	}
	tc := tls.Client(s.c, cfg)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake after STARTTLS: %w", err)
	}
	s.c, s.r = tc, bufio.NewReader(tc)
	return nil
}

// cmd sends one command and returns its untagged lines and the tagged status line.
func (s *imapSession) cmd(format string, args ...any) (untagged []string, status string, err error) {
	s.tag++
	tag := "a" + strconv.Itoa(s.tag)
	if _, err := fmt.Fprintf(s.c, "%s %s\r\n", tag, fmt.Sprintf(format, args...)); err != nil {
		return nil, "", err
	}
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return untagged, "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, tag+" ") {
			return untagged, strings.TrimPrefix(line, tag+" "), nil
		}
		untagged = append(untagged, line)
	}
}

func (s *imapSession) Close() {
	s.cmd("LOGOUT")
	s.c.Close()
}

// imapLogin logs in and reports whether the server said OK.
func imapLogin(addr, user, pass string) (*imapSession, bool, error) {
	return imapLoginFrom("", addr, user, pass)
}

// imapLoginFrom is imapLogin from the loopback address local, after STARTTLS.
func imapLoginFrom(local, addr, user, pass string) (*imapSession, bool, error) {
	s, err := imapDial(local, addr)
	if err != nil {
		return nil, false, err
	}
	if err := s.starttls(); err != nil {
		s.c.Close()
		return nil, false, err
	}
	return s.login(user, pass)
}

// login sends LOGIN and reports whether the server said OK; the session is
// closed unless it did.
func (s *imapSession) login(user, pass string) (*imapSession, bool, error) {
	_, st, err := s.cmd("LOGIN %q %q", user, pass)
	if err != nil {
		s.c.Close()
		return nil, false, err
	}
	if !strings.HasPrefix(st, "OK") {
		s.c.Close()
		return nil, false, nil
	}
	return s, true, nil
}

// inboxSubjects counts the INBOX messages whose subject contains marker.
func (s *imapSession) count(marker string) (int, error) {
	if _, st, err := s.cmd("SELECT INBOX"); err != nil || !strings.HasPrefix(st, "OK") {
		return 0, fmt.Errorf("SELECT INBOX: %s %v", st, err)
	}
	lines, st, err := s.cmd("SEARCH SUBJECT %q", marker)
	if err != nil || !strings.HasPrefix(st, "OK") {
		return 0, fmt.Errorf("SEARCH: %s %v", st, err)
	}
	n := 0
	for _, l := range lines {
		if f, ok := strings.CutPrefix(l, "* SEARCH"); ok {
			n += len(strings.Fields(f))
		}
	}
	return n, nil
}

// quota returns the INBOX quota root's storage use and limit in KiB (limit 0: no
// quota), from GETQUOTAROOT.
func (s *imapSession) quota() (used, limit int, err error) {
	lines, st, err := s.cmd("GETQUOTAROOT INBOX")
	if err != nil || !strings.HasPrefix(st, "OK") {
		return 0, 0, fmt.Errorf("GETQUOTAROOT: %s %v", st, err)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "* QUOTA ") {
			continue
		}
		if _, f, ok := strings.Cut(l, "(STORAGE "); ok {
			if _, err := fmt.Sscanf(f, "%d %d)", &used, &limit); err != nil {
				return 0, 0, fmt.Errorf("GETQUOTAROOT answer %q: %v", l, err)
			}
			return used, limit, nil
		}
	}
	return 0, 0, nil
}
