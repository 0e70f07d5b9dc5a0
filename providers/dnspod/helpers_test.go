package dnspod

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

const (
	testID  = "AKIDtest0123456789"
	testKey = "test-SECRET-key-5a1f"
)

// fixture is a fake DNSPod account served over HTTP.
type fixture struct {
	fake *dnspodapi.Server
	srv  *httptest.Server
}

// newFixture serves a fake account that holds zones.
func newFixture(t *testing.T, opts dnspodapi.Options, zones ...string) *fixture {
	t.Helper()
	if opts.Credentials == nil {
		opts.Credentials = map[string]string{testID: testKey}
	}
	f := &fixture{fake: dnspodapi.New(opts)}
	for _, z := range zones {
		f.fake.AddDomain(z)
	}
	f.srv = httptest.NewServer(f.fake)
	t.Cleanup(f.srv.Close)
	return f
}

// client returns a client of the fixture with fast retries; edit changes its config.
func (f *fixture) client(t *testing.T, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{Endpoint: f.srv.URL, SecretID: testID, SecretKey: testKey, RateLimit: 1000,
		BackoffBase: time.Millisecond, MaxAttempts: 6, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// provider returns a provider over a client of the fixture.
func (f *fixture) provider(t *testing.T) *Provider {
	t.Helper()
	return NewWithClient(f.client(t, nil), 5*time.Second)
}

// rows returns the fake's rows of zone other than the apex NS rows.
func (f *fixture) rows(zone string) []dnspodapi.Record {
	var out []dnspodapi.Record
	for _, r := range f.fake.Records(zone) {
		if r.Name == "@" && r.Type == "NS" {
			continue
		}
		out = append(out, r)
	}
	return out
}
