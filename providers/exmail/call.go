package exmail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/providers/retry"
)

// request is one API call.
type request struct {
	app    string // whose token the call carries
	method string
	path   string // "user/create"
	object string // what the call is about, for messages
	query  map[string]string
	body   any
	// write marks calls that change something; their failures may leave the outcome
	// unknown.
	write bool
	// verify re-reads after a write whose outcome is unknown and reports whether the
	// write took effect; a write without verify is never retried after such a failure.
	verify func(ctx context.Context) (done bool, err error)
}

// do performs r: tokens are refreshed once on a token errcode, transient failures are
// retried with backoff, and a write whose outcome is unknown is verified by a re-read
// before it is sent again, so nothing is created twice and nothing reported failed
// that succeeded.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	return c.retry(ctx, r, func(ctx context.Context) error { return c.once(ctx, r, out) })
}

// retry runs try under the client's retry budget: at most MaxAttempts attempts within
// RetryTimeout, with the run's breaker and progress lines. It is the only retry loop
// of a call; nothing inside an attempt retries on its own.
func (c *Client) retry(ctx context.Context, r *request, try func(ctx context.Context) error) error {
	call := retry.Call{Try: try, Write: r.write, Verify: r.verify,
		Budget: c.cfg.RetryTimeout, Breaker: c.breaker}
	name := "exmail " + r.path
	if r.object != "" {
		name += " " + r.object
	}
	c.progress.Set(&call, name)
	return retry.Do(ctx, c.cfg.MaxAttempts, c.backoff, call)
}

// once sends r with a token of its app, fetching a new token and sending again at
// once when the API says the token is invalid or expired. A token refused again
// right after the refresh is a transient failure: the retry loop fetches another, so
// expiry is recoverable however often it happens.
func (c *Client) once(ctx context.Context, r *request, out any) error {
	tok, err := c.token(ctx, r.app)
	if err != nil {
		return err
	}
	err = c.exchange(ctx, r, tok, out)
	var ae *APIError
	if errors.As(err, &ae) && isTokenCode(ae.Code) {
		c.dropToken(r.app, tok)
		if tok, err = c.token(ctx, r.app); err != nil {
			return err
		}
		err = c.exchange(ctx, r, tok, out)
		if errors.As(err, &ae) && isTokenCode(ae.Code) {
			c.dropToken(r.app, tok)
			return &transientError{Endpoint: r.path, Object: r.object, Code: ae.Code, notDone: true}
		}
	}
	return err
}

// exchange is one HTTP round trip.
func (c *Client) exchange(ctx context.Context, r *request, tok string, out any) error {
	// Queueing behind the client's own rate limit and concurrency bound spends none
	// of the call's retry budget; talking to the service does.
	if err := retry.Queued(ctx, func(ctx context.Context) error {
		if err := c.limiter.wait(ctx); err != nil {
			return err
		}
		return c.gate.acquire(ctx)
	}); err != nil {
		return fmt.Errorf("exmail %s %s: %w", r.path, r.object, err)
	}
	defer c.gate.release()
	ctx, cancel := retry.Bounded(ctx)
	defer cancel()
	q := url.Values{}
	for k, v := range r.query {
		q.Set(k, v)
	}
	if tok != "" {
		q.Set("access_token", tok)
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("exmail %s %s: %v", r.path, r.object, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.cfg.Endpoint+r.path+"?"+q.Encode(), body)
	if err != nil {
		return fmt.Errorf("exmail %s: bad endpoint %q: %v", r.path, c.cfg.Endpoint, redactErr(err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.http
	if r.write && r.method == http.MethodGet {
		// net/http silently resends a GET whose reused connection closed without an
		// answer; a fresh connection makes such a failure visible so it is verified.
		hc = c.fresh
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		c.logCall(r, q, "transport error", time.Since(start))
		if errors.Is(ctx.Err(), context.Canceled) {
			return fmt.Errorf("exmail %s %s: %w", r.path, r.object, ctx.Err())
		}
		return &transientError{Endpoint: r.path, Object: r.object, Cause: c.transportCause(ctx, err, time.Since(start))}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		c.logCall(r, q, "read error", time.Since(start))
		return &transientError{Endpoint: r.path, Object: r.object, Cause: "reading the answer from " + c.cfg.Endpoint + ": " + c.transportCause(ctx, err, time.Since(start))}
	}
	if resp.StatusCode >= 500 {
		c.logCall(r, q, fmt.Sprintf("HTTP %d", resp.StatusCode), time.Since(start))
		return &transientError{Endpoint: r.path, Object: r.object, Cause: c.cfg.Endpoint + " answered HTTP " + resp.Status}
	}
	if resp.StatusCode != http.StatusOK {
		c.logCall(r, q, fmt.Sprintf("HTTP %d", resp.StatusCode), time.Since(start))
		return fmt.Errorf("exmail %s %s: HTTP %s; check the endpoint %s", r.path, r.object, resp.Status, c.cfg.Endpoint)
	}
	var env struct {
		ErrCode flexInt `json:"errcode"`
		ErrMsg  string  `json:"errmsg"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		c.logCall(r, q, "undecodable answer", time.Since(start))
		return &transientError{Endpoint: r.path, Object: r.object, Cause: c.cfg.Endpoint + " answered something that is not JSON (" + snippet(data) + ")"}
	}
	code := int(env.ErrCode)
	c.logCall(r, q, fmt.Sprintf("errcode=%d", code), time.Since(start))
	switch code {
	case exmailapi.CodeOK:
	case exmailapi.CodeBusy:
		return &transientError{Endpoint: r.path, Object: r.object, Code: code}
	case exmailapi.CodeFrequencyExceeded:
		c.limiter.throttled()
		return &transientError{Endpoint: r.path, Object: r.object, Code: code, notDone: true}
	case exmailapi.CodeTooManyConcurrent, exmailapi.CodeConcurrencyTooHigh:
		c.limiter.throttled()
		c.gate.cut()
		return &transientError{Endpoint: r.path, Object: r.object, Code: code, notDone: true}
	default:
		return &APIError{Endpoint: r.path, Object: r.object, Code: code, Msg: env.ErrMsg}
	}
	c.limiter.succeeded()
	c.gate.succeeded()
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("exmail %s %s: cannot decode the answer: %v", r.path, r.object, err)
		}
	}
	return nil
}

// redacted lists the query arguments that are never written out.
var redacted = map[string]bool{"access_token": true, "corpsecret": true, "password": true}

// redactErr returns err's text without the request URL, which carries secrets.
func redactErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func (c *Client) logCall(r *request, q url.Values, outcome string, elapsed time.Duration) {
	if c.cfg.Log == nil {
		return
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var args []string
	for _, k := range keys {
		v := q.Get(k)
		if redacted[k] {
			v = "REDACTED"
		}
		args = append(args, k+"="+v)
	}
	c.logMu.Lock()
	defer c.logMu.Unlock()
	fmt.Fprintf(c.cfg.Log, "exmail: %s %s %s object=%q %s elapsed=%s\n",
		r.method, r.path, strings.Join(args, "&"), r.object, outcome, elapsed.Round(time.Microsecond))
}

// transportCause says in one phrase why an exchange got no answer, naming the
// endpoint and without the URL's query, which carries secrets.
func (c *Client) transportCause(ctx context.Context, err error, elapsed time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("no answer from %s (none yet when the retry budget of %s ran out)", c.cfg.Endpoint, c.cfg.RetryTimeout)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no answer from %s within %s (timeout)", c.cfg.Endpoint, c.cfg.Timeout)
	}
	return "cannot reach " + c.cfg.Endpoint + ": " + redactErr(err)
}

// snippet is the start of an answer body, for a message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	if s == "" {
		return "an empty body"
	}
	return strconv.Quote(s)
}
