// Package exmail is the mailform provider for Tencent Exmail: a client of the Exmail
// open API (shared/exmail-api.md) and the translation between its objects and the
// canonical model. Departments, accounts (with their user options) and groups are
// managed; domains are declarations only, since the API can neither list nor create them.
package exmail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mailform/mailform/providers/exmail/exmailapi"

	"github.com/mailform/mailform/providers/retry"
)

// DefaultEndpoint is the base URL of the real API.
const DefaultEndpoint = "https://api.exmail.qq.com/cgi-bin/"

// DefaultRetryTimeout bounds one call with its retries, so that an unreachable or
// hanging API fails a plan in under a minute.
const DefaultRetryTimeout = 45 * time.Second

// Config configures a Client.
type Config struct {
	Endpoint       string // base URL ending in "/"; default DefaultEndpoint
	CorpID         string
	ContactsSecret string
	OptionsSecret  string
	// LogSecret is the log app's secret, needed by the log/* calls only.
	LogSecret string
	// RateLimit is the most calls per second; default 20.
	RateLimit float64
	// Timeout bounds one HTTP exchange; default 30 s.
	Timeout time.Duration
	// Log, when set, receives one line per call with secrets redacted.
	Log io.Writer
	// BackoffBase is the first retry delay, doubled per attempt; default 200 ms.
	BackoffBase time.Duration
	// MaxAttempts bounds the tries of one call; default 8.
	MaxAttempts int
	// RetryTimeout bounds one call, all its attempts and waits included; default
	// DefaultRetryTimeout. Once a call has used it up on transient failures, the
	// other calls of the client fail at once with the same cause.
	RetryTimeout time.Duration
	// Concurrency is the most calls in flight at once; default 8. It halves when the
	// API answers 40093 or 45033 and grows back while calls succeed.
	Concurrency int
	// Progress, when set, receives a line about each call that has waited longer
	// than ProgressAfter (default 5 s), and again every 2×ProgressAfter.
	Progress      io.Writer
	ProgressAfter time.Duration
	// Seed seeds the backoff jitter.
	Seed int64
}

// Client calls the Exmail API with cached per-app tokens, an adaptive rate limit,
// retries with backoff, and re-reads before retrying a write whose outcome is unknown.
type Client struct {
	cfg     Config
	http    *http.Client
	fresh   *http.Client // no keep-alive, for GET writes; see request.client
	limiter *adaptiveLimiter
	gate    *gate
	breaker *retry.Breaker
	// progress writes the lines of calls that wait long; nil when none are wanted.
	progress *retry.Progress
	secrets  map[string]string

	// tokMu holds one token fetch at a time; a channel so that a caller whose time
	// runs out stops waiting for it.
	tokMu  chan struct{}
	tokens map[string]cachedToken

	backoff *retry.Backoff

	logMu sync.Mutex
}

type cachedToken struct {
	value   string
	expires time.Time
}

// NewClient checks cfg and returns a client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if !strings.HasSuffix(cfg.Endpoint, "/") {
		cfg.Endpoint += "/"
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 200 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.RetryTimeout <= 0 {
		cfg.RetryTimeout = DefaultRetryTimeout
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.ProgressAfter <= 0 {
		cfg.ProgressAfter = 5 * time.Second
	}
	if cfg.CorpID == "" {
		return nil, errors.New("exmail: corp_id is not set; set it in the provider block or EXMAIL_CORP_ID")
	}
	if cfg.ContactsSecret == "" {
		return nil, errors.New("exmail: contacts_secret is not set; set it in the provider block or EXMAIL_CONTACTS_SECRET")
	}
	noKeepAlive := http.DefaultTransport.(*http.Transport).Clone()
	noKeepAlive.DisableKeepAlives = true
	return &Client{
		cfg:      cfg,
		http:     &http.Client{Timeout: cfg.Timeout},
		fresh:    &http.Client{Timeout: cfg.Timeout, Transport: noKeepAlive},
		limiter:  newAdaptiveLimiter(cfg.RateLimit),
		gate:     newGate(cfg.Concurrency),
		breaker:  &retry.Breaker{},
		progress: retry.NewProgress(cfg.Progress, cfg.ProgressAfter),
		secrets: map[string]string{
			exmailapi.AppContacts: cfg.ContactsSecret,
			exmailapi.AppOptions:  cfg.OptionsSecret,
			exmailapi.AppLog:      cfg.LogSecret,
		},
		tokens:  map[string]cachedToken{},
		tokMu:   make(chan struct{}, 1),
		backoff: retry.NewBackoff(cfg.BackoffBase, 5*time.Second, cfg.Seed),
	}, nil
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	c.fresh.CloseIdleConnections()
	return nil
}

// token returns a cached token of app, fetching one when none is valid.
func (c *Client) token(ctx context.Context, app string) (string, error) {
	// Waiting for another call's token request is waiting for the service: it
	// spends this call's budget.
	bctx, cancel := retry.Bounded(ctx)
	defer cancel()
	select {
	case c.tokMu <- struct{}{}:
	case <-bctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return "", fmt.Errorf("exmail gettoken (%s app): %w", app, ctx.Err())
		}
		return "", &transientError{Endpoint: "gettoken", Object: "(" + app + " app)", notDone: true,
			Cause: c.transportCause(bctx, bctx.Err(), 0)}
	}
	defer func() { <-c.tokMu }()
	if t, ok := c.tokens[app]; ok && time.Now().Before(t.expires) {
		return t.value, nil
	}
	secret := c.secrets[app]
	if secret == "" {
		return "", fmt.Errorf("exmail: %s_secret is not set; it is needed for the %s app's calls (set it in the provider block or EXMAIL_%s_SECRET)",
			app, app, strings.ToUpper(app))
	}
	var resp struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   flexInt `json:"expires_in"`
	}
	// One exchange: the token is fetched inside an attempt of the call that needs it,
	// and that call's retry loop is the only one.
	r := &request{method: http.MethodGet, path: "gettoken", object: "(" + app + " app)",
		query: map[string]string{"corpid": c.cfg.CorpID, "corpsecret": secret}}
	if err := c.exchange(ctx, r, "", &resp); err != nil {
		return "", err
	}
	if resp.AccessToken == "" {
		return "", fmt.Errorf("exmail gettoken (%s app): the answer holds no access_token", app)
	}
	// Renew early: a token must not expire between the check and the call.
	life := time.Duration(resp.ExpiresIn) * time.Second
	if life <= 0 {
		life = 7200 * time.Second
	}
	life -= life / 10
	c.tokens[app] = cachedToken{value: resp.AccessToken, expires: time.Now().Add(life)}
	return resp.AccessToken, nil
}

// dropToken forgets tok if it is still the cached token of app.
func (c *Client) dropToken(app, tok string) {
	c.tokMu <- struct{}{}
	defer func() { <-c.tokMu }()
	if c.tokens[app].value == tok {
		delete(c.tokens, app)
	}
}

func isTokenCode(code int) bool {
	return code == exmailapi.CodeInvalidCredential || code == exmailapi.CodeInvalidToken || code == exmailapi.CodeTokenExpired
}
