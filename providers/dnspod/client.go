// Package dnspod is the mailform provider for Tencent Cloud DNSPod (API 3.0,
// shared/dnspod-api.md): a client that signs calls with TC3-HMAC-SHA256, paces them,
// retries throttling and transient errors, and re-reads before retrying a write whose
// outcome is unknown; and the translation between DNSPod's one-row-per-value records
// and mailform's dns_record RRsets.
package dnspod

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
	"github.com/mailform/mailform/providers/retry"
)

// DefaultEndpoint is the URL of the API for China-site accounts.
const DefaultEndpoint = "https://dnspod.tencentcloudapi.com/"

// IntlEndpoint is the URL of the API for international-site accounts
// (tencentcloud.com), whose default record line is named "Default", not "默认".
const IntlEndpoint = "https://dnspod.intl.tencentcloudapi.com/"

// Config configures a Client.
type Config struct {
	// Site is dnspodapi.SiteChina (the default) or dnspodapi.SiteIntl; it chooses the
	// default endpoint.
	Site string
	// Endpoint is the URL of the API; default DefaultEndpoint, or IntlEndpoint on the
	// international site. The signature covers its host.
	Endpoint  string
	SecretID  string
	SecretKey string
	// RateLimit is the most calls per second; default 20.
	RateLimit float64
	// Timeout bounds one HTTP exchange; default 30 s.
	Timeout time.Duration
	// Log, when set, receives one line per call; the key and signature never appear.
	Log io.Writer
	// Now is the clock requests are signed with; default time.Now.
	Now func() time.Time
	// BackoffBase is the first retry delay, doubled per attempt; default 250 ms.
	BackoffBase time.Duration
	// MaxAttempts bounds the tries of one call; default 8.
	MaxAttempts int
	// RetryTimeout bounds one call, all its attempts and waits included (not the
	// queueing behind RateLimit); default 45 s. Once a call has used it up on
	// transient failures, the client's other calls fail at once with that cause.
	RetryTimeout time.Duration
	// Progress, when set, receives a line about a call that has waited longer than
	// ProgressAfter (default 5 s), and again every 2×ProgressAfter.
	Progress      io.Writer
	ProgressAfter time.Duration
	// Seed seeds the backoff jitter.
	Seed int64
}

// Client calls the DNSPod API.
type Client struct {
	cfg     Config
	url     string
	host    string // the Host header, which the signature covers
	http    *http.Client
	limiter *rate.Limiter

	backoff *retry.Backoff
	breaker *retry.Breaker
	// progress writes the lines of calls that wait long; nil when none are wanted.
	progress *retry.Progress
	logMu    sync.Mutex

	floorMu  sync.Mutex
	packages map[string]dnspodapi.PackageDetailItem // upper-case grade → plan; nil until read
}

// DefaultRetryTimeout bounds one call with its retries, so that an unreachable or
// hanging API fails a plan in under a minute.
const DefaultRetryTimeout = 45 * time.Second

// NewClient checks cfg and returns a client.
func NewClient(cfg Config) (*Client, error) {
	switch cfg.Site {
	case "":
		cfg.Site = dnspodapi.SiteChina
	case dnspodapi.SiteChina, dnspodapi.SiteIntl:
	default:
		return nil, errors.New("dnspod provider: site " + quote(cfg.Site) + " is neither \"china\" (dnspod.tencentcloudapi.com) nor \"intl\" (dnspod.intl.tencentcloudapi.com)")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
		if cfg.Site == dnspodapi.SiteIntl {
			cfg.Endpoint = IntlEndpoint
		}
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("dnspod provider: endpoint " + quote(cfg.Endpoint) + " is not an http(s) URL such as " + quote(DefaultEndpoint))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if cfg.SecretID == "" {
		return nil, errors.New("dnspod provider: secret_id is not set; set it in the provider block or TENCENTCLOUD_SECRET_ID")
	}
	if cfg.SecretKey == "" {
		return nil, errors.New("dnspod provider: secret_key is not set; set it in the provider block or TENCENTCLOUD_SECRET_KEY")
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 250 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.RetryTimeout <= 0 {
		cfg.RetryTimeout = DefaultRetryTimeout
	}
	if cfg.ProgressAfter <= 0 {
		cfg.ProgressAfter = 5 * time.Second
	}
	return &Client{
		breaker:  &retry.Breaker{},
		progress: retry.NewProgress(cfg.Progress, cfg.ProgressAfter),
		cfg:      cfg,
		url:      u.String(),
		host:     u.Host,
		http:     &http.Client{Timeout: cfg.Timeout},
		limiter:  rate.NewLimiter(rate.Limit(cfg.RateLimit), max(1, int(cfg.RateLimit))),
		backoff:  retry.NewBackoff(cfg.BackoffBase, 10*time.Second, cfg.Seed),
	}, nil
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
