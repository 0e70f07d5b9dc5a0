package dnstest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ErrMissingBinary is returned (wrapped) when a server's program is not installed.
var ErrMissingBinary = errors.New("DNS server program not installed")

// freePort returns a loopback port that is free for both UDP and TCP at the moment.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		_ = l.Close()
		if err != nil {
			continue
		}
		_ = u.Close()
		return port, nil
	}
	return 0, errors.New("no loopback port free for both UDP and TCP")
}

// lookBinary finds a server program in PATH or the sbin directories Debian uses.
func lookBinary(name, pkg string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := d + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s not found; install the Debian package %q (scripts/install-test-deps.sh)", ErrMissingBinary, name, pkg)
}

// launch starts the prepared server process and waits until every zone answers SOA.
func launch(s *Server, bin string, args ...string) error {
	log, err := os.Create(s.logPath())
	if err != nil {
		return err
	}
	s.log = log
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = s.Dir
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		_ = log.Close()
		return fmt.Errorf("start %s: %w", s.Name, err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := waitReady(s); err != nil {
		s.Stop()
		return fmt.Errorf("%s did not come up on %s: %w\n--- %s log ---\n%s", s.Name, s.Addr, err, s.Name, s.Log())
	}
	return nil
}

// waitReady polls until every zone answers SOA over UDP and TCP. A server that loads
// nothing within a minute is broken, not slow.
func waitReady(s *Server) error {
	deadline := time.Now().Add(60 * time.Second)
	pending := append([]string(nil), s.Zones...)
	var last error
	for len(pending) > 0 {
		select {
		case <-s.done:
			return errors.New("process exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("zones %s not served: %v", strings.Join(pending, ", "), last)
		}
		z := pending[0]
		if last = askSOA(s.Addr, z); last == nil {
			pending = pending[1:]
			continue
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func askSOA(addr, zone string) error {
	for _, network := range []string{"udp", "tcp"} {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
		c := &dns.Client{Net: network, Timeout: time.Second}
		r, _, err := c.Exchange(m, addr)
		if err != nil {
			return err
		}
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
			return fmt.Errorf("SOA %s: %s", zone, dns.RcodeToString[r.Rcode])
		}
	}
	return nil
}

// prepare makes the server's directory, key and zone files.
func prepare(name, dir string, zones []string) (*Server, error) {
	if len(zones) == 0 {
		return nil, errors.New("dnstest: no zones given")
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	keyName, secret, err := newKey()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Name: name, Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir,
		KeyName: keyName, KeyAlgorithm: KeyAlgorithm, KeySecret: secret,
	}
	for _, z := range zones {
		z = strings.TrimSuffix(strings.ToLower(z), ".")
		s.Zones = append(s.Zones, z)
		if err := os.WriteFile(zonePath(dir, z), []byte(zoneFile(z)), 0o644); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func zonePath(dir, zone string) string { return dir + "/" + zone + ".zone" }

func (s *Server) port() string {
	_, p, _ := net.SplitHostPort(s.Addr)
	return p
}
