package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clientTLS trusts the test servers' certificate, and only it: the tests verify the
// name and the chain as a mail client would.
var clientTLS *tls.Config

// writeCertificate makes a self-signed certificate for name (and 127.0.0.1) as
// cert.pem and key.pem in dir (the key readable by root only, as Postfix and
// Dovecot read it before they drop privileges), and returns a client configuration
// that trusts it.
func writeCertificate(dir, name string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              []string{name},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12}, nil
}

const tlsCompany = `
provider "postfix" {
  bcrypt_cost = 4
}

domain "main" {
  name = "tls.test"
}

account "lea" {
  email    = "lea@tls.test"
  name     = "Lea"
  password = "Pw-lea-2026"
}
`

// TestPasswordsOnlyOverTLS: the submission port takes neither AUTH nor mail before
// STARTTLS and takes the declared password after it; IMAP refuses LOGIN before
// STARTTLS (to a client not on the server's own address) and accepts it after, and
// the IMAPS port logs in over TLS from the first byte. Every handshake verifies the
// servers' certificate against the one generated for the run.
func TestPasswordsOnlyOverTLS(t *testing.T) {
	e := setup(t)
	e.needMail(t)
	dir := t.TempDir()
	writeMain(t, dir, tlsCompany)
	e.must(t, dir, 0, "apply", "-auto-approve")
	plain := base64.StdEncoding.EncodeToString([]byte("\x00lea@tls.test\x00Pw-lea-2026"))

	t.Run("submission", func(t *testing.T) {
		c := smtpDial(t, "127.0.0.6", e.submitAddr)
		defer c.Close()
		if ok, _ := c.Extension("STARTTLS"); !ok {
			t.Fatal("the submission port does not offer STARTTLS")
		}
		if ok, _ := c.Extension("AUTH"); ok {
			t.Fatal("the submission port offers AUTH before STARTTLS")
		}
		for _, cmd := range []string{"AUTH PLAIN " + plain, "MAIL FROM:<lea@tls.test>"} {
			if code, msg := smtpRaw(t, c, cmd); code < 500 || !strings.Contains(msg, "STARTTLS") {
				t.Fatalf("%s before STARTTLS: %d %s; want a 5xx that asks for STARTTLS", strings.Fields(cmd)[0], code, msg)
			}
		}
		if err := c.StartTLS(clientTLS); err != nil {
			t.Fatalf("STARTTLS: %v", err)
		}
		if st, ok := c.TLSConnectionState(); !ok || st.Version < tls.VersionTLS12 || len(st.VerifiedChains) == 0 {
			t.Fatalf("TLS after STARTTLS: %v, version %x, verified chains %d", ok, st.Version, len(st.VerifiedChains))
		}
		if ok, _ := c.Extension("AUTH"); !ok {
			t.Fatal("no AUTH offered after STARTTLS")
		}
		if code, msg := smtpRaw(t, c, "AUTH PLAIN "+plain); code != 235 {
			t.Fatalf("AUTH after STARTTLS with the declared password: %d %s\n%s", code, msg, e.logs())
		}
	})

	t.Run("port 25 offers STARTTLS", func(t *testing.T) {
		c := smtpDial(t, "", e.smtpAddr)
		defer c.Close()
		if ok, _ := c.Extension("STARTTLS"); !ok {
			t.Fatal("port 25 does not offer STARTTLS")
		}
		if err := c.StartTLS(clientTLS); err != nil {
			t.Fatalf("STARTTLS on port 25: %v", err)
		}
	})

	t.Run("imap", func(t *testing.T) {
		s, err := imapDial("127.0.0.6", e.imapAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer s.c.Close()
		caps, _, err := s.cmd("CAPABILITY")
		if err != nil || !strings.Contains(strings.Join(caps, " "), "LOGINDISABLED") || !strings.Contains(strings.Join(caps, " "), "STARTTLS") {
			t.Fatalf("CAPABILITY before STARTTLS: %q %v; want STARTTLS and LOGINDISABLED", caps, err)
		}
		if _, st, err := s.cmd("LOGIN %q %q", "lea@tls.test", "Pw-lea-2026"); err != nil || strings.HasPrefix(st, "OK") {
			t.Fatalf("LOGIN before STARTTLS: %q %v; want it refused", st, err)
		}
		if err := s.starttls(); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.login("lea@tls.test", "Pw-lea-2026"); !ok || err != nil {
			t.Fatalf("LOGIN after STARTTLS: %v %v\n%s", ok, err, e.logs())
		}
	})

	t.Run("imaps", func(t *testing.T) {
		s, err := imapDialTLS("127.0.0.6", e.imapsAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer s.c.Close()
		if st := s.c.(*tls.Conn).ConnectionState(); len(st.VerifiedChains) == 0 {
			t.Fatal("the IMAPS certificate was not verified")
		}
		if _, ok, err := s.login("lea@tls.test", "Pw-lea-2026"); !ok || err != nil {
			t.Fatalf("LOGIN on the IMAPS port: %v %v\n%s", ok, err, e.logs())
		}
	})
}

// smtpDial connects from the loopback address local and says EHLO.
func smtpDial(t *testing.T, local, addr string) *smtp.Client {
	t.Helper()
	c, err := smtpHello(local, addr, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// smtpRaw sends one command as it is and returns the server's answer.
func smtpRaw(t *testing.T, c *smtp.Client, cmd string) (int, string) {
	t.Helper()
	id, err := c.Text.Cmd("%s", cmd)
	if err != nil {
		t.Fatal(err)
	}
	c.Text.StartResponse(id)
	defer c.Text.EndResponse(id)
	code, msg, err := c.Text.ReadResponse(0)
	if err != nil && code == 0 {
		t.Fatal(err)
	}
	return code, msg
}
