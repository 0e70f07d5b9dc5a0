// Package dnstest starts real authoritative DNS servers (Knot, BIND) as child processes
// on loopback high ports, each with a generated TSIG key and throwaway zones that take
// RFC 2136 UPDATE and AXFR with that key, so providers are tested against the servers
// users run rather than against a mock.
package dnstest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// KeyAlgorithm is the TSIG algorithm of the generated keys.
const KeyAlgorithm = "hmac-sha256"

// Server is one running authoritative DNS server.
type Server struct {
	// Name says which implementation it is: "knot", "bind".
	Name string
	// Addr is the host:port it answers on over UDP and TCP.
	Addr string
	// KeyName is the TSIG key name (absolute, with trailing dot).
	KeyName string
	// KeyAlgorithm is the TSIG algorithm name as mailform spells it.
	KeyAlgorithm string
	// KeySecret is the base64 TSIG secret.
	KeySecret string
	// Zones are the zones it serves (canonical, no trailing dot).
	Zones []string
	// Dir holds its configuration, zone files and log.
	Dir string

	stopOnce sync.Once
	cmd      *exec.Cmd
	done     chan struct{}
	log      *os.File
}

// Stop kills the server and waits for it to exit. It is safe to call more than once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if s.log != nil {
			_ = s.log.Close()
		}
	})
}

// Log returns what the server wrote to stdout and stderr so far, for failure messages.
func (s *Server) Log() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return string(b)
}

func (s *Server) logPath() string { return s.Dir + "/server.log" }

// Client returns a DNS client that signs with the server's TSIG key.
func (s *Server) Client(network string) *dns.Client {
	return &dns.Client{
		Net:        network,
		Timeout:    5 * time.Second,
		TsigSecret: map[string]string{s.KeyName: s.KeySecret},
	}
}

// Update sends one TSIG-signed RFC 2136 UPDATE for zone built by fill, the way someone
// else changing the zone would, and returns the response code.
func (s *Server) Update(zone string, fill func(m *dns.Msg)) (int, error) {
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(zone))
	fill(m)
	m.SetTsig(s.KeyName, dns.HmacSHA256, 300, time.Now().Unix())
	r, _, err := s.Client("tcp").Exchange(m, s.Addr)
	if err != nil {
		return 0, fmt.Errorf("update of zone %s on %s %s: %w", zone, s.Name, s.Addr, err)
	}
	return r.Rcode, nil
}

// Query asks the server for name and type without TSIG and returns the answer records.
func (s *Server) Query(name string, rrtype uint16) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), rrtype)
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		return nil, err
	}
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("query %s %s: %s", name, dns.TypeToString[rrtype], dns.RcodeToString[r.Rcode])
	}
	return r.Answer, nil
}

// newKey makes a random TSIG key named after the test run.
func newKey() (name, secret string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	return "mailform-test.", base64.StdEncoding.EncodeToString(b), nil
}

// zoneFile is a minimal zone: SOA, one NS and its address.
func zoneFile(zone string) string {
	z := dns.Fqdn(zone)
	return strings.Join([]string{
		"$ORIGIN " + z,
		"$TTL 300",
		"@ IN SOA ns1." + z + " hostmaster." + z + " 1 3600 600 86400 300",
		"@ IN NS ns1." + z,
		"ns1 IN A 127.0.0.1",
		"",
	}, "\n")
}
