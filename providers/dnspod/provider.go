package dnspod

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
)

// Kind is the provider block label.
const Kind = "dnspod"

// The environment variables that supply credentials left out of the provider block.
const (
	SecretIDEnv  = "TENCENTCLOUD_SECRET_ID"
	SecretKeyEnv = "TENCENTCLOUD_SECRET_KEY"
)

// ConfigAttrs describes the attributes of a `provider "dnspod"` block.
func ConfigAttrs() []*model.Attr {
	return []*model.Attr{
		{Name: "secret_id", Kind: model.KindString, Doc: "API key id (AKID…); default $" + SecretIDEnv},
		{Name: "secret_key", Kind: model.KindString, Sensitive: true, Doc: "API key secret; default $" + SecretKeyEnv},
		{Name: "site", Kind: model.KindString, Default: dnspodapi.SiteChina, Enum: []string{dnspodapi.SiteChina, dnspodapi.SiteIntl},
			Doc: "china (DNSPod.cn accounts, " + DefaultEndpoint + ") or intl (international tencentcloud.com accounts, " + IntlEndpoint + ")"},
		{Name: "endpoint", Kind: model.KindString, Doc: "URL of the API; default by site"},
		{Name: "listing_wait", Kind: model.KindString, Default: "60s",
			Doc: "how long apply waits for DNSPod to list the records it created (it can take about 30 s), so the next plan sees them; \"0s\" does not wait"},
		{Name: "rate_limit", Kind: model.KindInt, Default: int64(20), Doc: "most calls per second"},
		{Name: "timeout", Kind: model.KindString, Default: "30s", Doc: "limit of one HTTP exchange, a Go duration"},
		{Name: "retry_timeout", Kind: model.KindString, Default: "45s", Doc: "limit of one call with all its retries, a Go duration; an unreachable or hanging API fails the run after it"},
	}
}

// Factory returns the factory of the dnspod provider kind.
func Factory() *providers.Factory {
	return &providers.Factory{
		Kind:   Kind,
		Config: ConfigAttrs(),
		Types:  []string{model.DNSRecord.Name},
		New:    func(cfg model.Object, env providers.Env) (providers.Provider, error) { return New(cfg, env) },
	}
}

var registerOnce sync.Once

// Register adds the dnspod kind to the provider registry; calling it again is harmless.
func Register() { registerOnce.Do(func() { providers.Register(Factory()) }) }

// Provider manages dns_record RRsets in the DNSPod zones of one Tencent Cloud account.
type Provider struct {
	c   *Client
	log io.Writer
	// listingWait bounds how long a write waits for DNSPod to list the rows it
	// created; 0 does not wait.
	listingWait time.Duration

	floorMu sync.Mutex
	floors  map[string]PlanFloor // zone → its plan's TTL floor, read once
}

// New makes a provider from its decoded configuration, with credentials falling back
// to TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY.
func New(cfg model.Object, env providers.Env) (*Provider, error) {
	c := Config{
		Site:      cfg.Str("site"),
		Endpoint:  cfg.Str("endpoint"),
		SecretID:  env.OrOffline(orEnv(cfg.Str("secret_id"), SecretIDEnv)),
		SecretKey: env.OrOffline(orEnv(cfg.Str("secret_key"), SecretKeyEnv)),
		RateLimit: float64(cfg.Int("rate_limit")),
	}
	if err := providers.ParseDurations("dnspod", cfg, map[string]*time.Duration{"timeout": &c.Timeout, "retry_timeout": &c.RetryTimeout}); err != nil {
		return nil, err
	}
	c.Progress = env.Progress
	if cfg.Int("rate_limit") < 0 {
		return nil, fmt.Errorf("dnspod provider: rate_limit %d is negative; give the most calls per second, e.g. 20", cfg.Int("rate_limit"))
	}
	log := io.Discard
	if env.Log != nil && strings.EqualFold(os.Getenv("MAILFORM_LOG"), "debug") {
		c.Log, log = env.Log, env.Log
	}
	wait := 60 * time.Second
	if s := cfg.Str("listing_wait"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("dnspod provider: listing_wait %q is not a duration such as \"60s\" (\"0s\" does not wait)", s)
		}
		wait = d
	}
	client, err := NewClient(c)
	if err != nil {
		return nil, err
	}
	return &Provider{c: client, log: log, listingWait: wait}, nil
}

// NewWithClient makes a provider over an existing client (tests); it waits up to
// listingWait for new rows to be listed.
func NewWithClient(c *Client, listingWait time.Duration) *Provider {
	return &Provider{c: c, log: io.Discard, listingWait: listingWait}
}

func orEnv(v, name string) string {
	if v != "" {
		return v
	}
	return os.Getenv(name)
}

// Supports reports that the provider manages dns_record and all of its attributes.
func (p *Provider) Supports(typ string) ([]string, bool) {
	if typ != model.DNSRecord.Name {
		return nil, false
	}
	return model.DNSRecord.AttrNames(), true
}

// Close releases idle connections.
func (p *Provider) Close() error { return p.c.Close() }

func (p *Provider) logf(format string, args ...any) {
	fmt.Fprintf(p.log, "dnspod: "+format+"\n", args...)
}

func unsupported(typ string) error {
	return fmt.Errorf("dnspod provider cannot manage %s; it manages dns_record only", typ)
}
