package dnsserver

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/dnstest"
	"github.com/mailform/mailform/providers/rfc2136/rfc2136test"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// TestProviderSuite runs the rfc2136 provider's conformance suite against the sandbox
// DNS server, so `mailform sandbox serve --dns` behaves like Knot and BIND do.
func TestProviderSuite(t *testing.T) {
	rfc2136test.Run(t, sandboxStarter(t))
}

// sandboxStarter starts an in-process server over a fresh tenant store whose domains
// are the suite's zones, with a random TSIG key. The server stops at cleanup.
func sandboxStarter(t *testing.T) dnstest.Starter {
	return dnstest.Starter{Name: "sandbox", Start: func(dir string, zones ...string) (*dnstest.Server, error) {
		st, err := tenant.Open(filepath.Join(dir, "tenant"), tenant.Options{})
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { st.Close() })
		for _, z := range zones {
			// The same start as dnstest's zone files: the name server's address.
			ns := model.Object{"zone": z, "name": "ns1", "type": "A", "ttl": int64(300), "records": []string{"127.0.0.1"}}
			if _, err := st.Create("dns_record", "", ns); err != nil {
				return nil, err
			}
		}
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		key := dnstest.Server{Name: "sandbox", KeyName: "mailform-suite.", KeyAlgorithm: dnstest.KeyAlgorithm, KeySecret: base64.StdEncoding.EncodeToString(b), Dir: dir}
		srv, err := New(st, Options{Addr: "127.0.0.1:0", TSIGName: key.KeyName, TSIGAlgo: key.KeyAlgorithm, TSIGSecret: key.KeySecret})
		if err != nil {
			return nil, err
		}
		if err := srv.Start(); err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = srv.Shutdown() })
		// dnstest shows this file when a test fails; the server logs nothing itself.
		_ = os.WriteFile(filepath.Join(dir, "server.log"), []byte("sandbox DNS server in process on "+srv.Addr()+"\n"), 0o644)
		out := &dnstest.Server{Name: key.Name, Addr: srv.Addr(), KeyName: key.KeyName, KeyAlgorithm: key.KeyAlgorithm, KeySecret: key.KeySecret, Dir: dir}
		for _, z := range zones {
			out.Zones = append(out.Zones, model.CanonicalDomain(z))
		}
		return out, nil
	}}
}

// TestTXTRoundTrip checks that TXT values written by the rfc2136 provider read back
// unchanged from the sandbox server.
func TestTXTRoundTrip(t *testing.T) {
	rfc2136test.TXTRoundTrip(t, dnstest.Start(t, sandboxStarter(t), rfc2136test.ZoneTXT))
}
