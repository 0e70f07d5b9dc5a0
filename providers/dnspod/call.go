package dnspod

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mailform/mailform/providers/dnspod/dnspodapi"
	"github.com/mailform/mailform/providers/retry"
)

// request is one API call.
type request struct {
	action string
	object string // what the call is about, for messages
	params any
	// write marks calls that change something; their failures may leave the outcome
	// unknown.
	write bool
	// verify re-reads after a write whose outcome is unknown and reports whether the
	// write took effect; a write without verify is never retried after such a failure.
	verify func(ctx context.Context) (done bool, err error)
}

// do performs r: throttling and internal errors are retried with backoff, and a write
// whose outcome is unknown is verified by a re-read before it is sent again, so no
// record is created twice.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	call := retry.Call{
		Try:   func(ctx context.Context) error { return c.exchange(ctx, r, out) },
		Write: r.write, Verify: r.verify,
		Budget: c.cfg.RetryTimeout, Breaker: c.breaker,
	}
	c.progress.Set(&call, "dnspod "+r.action+" "+r.object)
	return retry.Do(ctx, c.cfg.MaxAttempts, c.backoff, call)
}

// exchange is one signed HTTP round trip.
func (c *Client) exchange(ctx context.Context, r *request, out any) error {
	// Queueing behind the client's own rate limit spends none of the call's retry
	// budget; talking to the service does.
	if err := retry.Queued(ctx, func(ctx context.Context) error { return c.limiter.Wait(ctx) }); err != nil {
		return fmt.Errorf("dnspod %s %s: %w", r.action, r.object, err)
	}
	ctx, cancel := retry.Bounded(ctx)
	defer cancel()
	body, err := json.Marshal(r.params)
	if err != nil {
		return fmt.Errorf("dnspod %s %s: %v", r.action, r.object, err)
	}
	ts := c.cfg.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("dnspod %s: bad endpoint %q: %v", r.action, c.cfg.Endpoint, err)
	}
	req.Host = c.host
	req.Header.Set("Content-Type", dnspodapi.ContentType)
	req.Header.Set("X-TC-Action", r.action)
	req.Header.Set("X-TC-Version", dnspodapi.Version)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Authorization", dnspodapi.Authorization(c.cfg.SecretID, c.cfg.SecretKey, c.host, ts, body))
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.logCall(r, body, "transport error", start)
		switch {
		case errors.Is(ctx.Err(), context.Canceled):
			return fmt.Errorf("dnspod %s %s: %w", r.action, r.object, ctx.Err())
		case ctx.Err() != nil:
			return &transientError{Action: r.action, Object: r.object, transport: true,
				Cause: fmt.Sprintf("no answer from %s (none yet when the retry budget of %s ran out)", c.url, c.cfg.RetryTimeout)}
		}
		return &transientError{Action: r.action, Object: r.object, transport: true, Cause: "cannot reach " + c.url + ": " + transportCause(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		c.logCall(r, body, "read error", start)
		return &transientError{Action: r.action, Object: r.object, transport: true, Cause: "reading the answer from " + c.url + ": " + transportCause(err)}
	}
	if resp.StatusCode >= 500 {
		c.logCall(r, body, "HTTP "+resp.Status, start)
		return &transientError{Action: r.action, Object: r.object, transport: true, Cause: c.url + " answered HTTP " + resp.Status}
	}
	if resp.StatusCode != http.StatusOK {
		c.logCall(r, body, "HTTP "+resp.Status, start)
		return fmt.Errorf("dnspod %s %s: HTTP %s; check the endpoint %s", r.action, r.object, resp.Status, c.cfg.Endpoint)
	}
	var env struct {
		Response json.RawMessage `json:"Response"`
	}
	var head struct {
		Error     *dnspodapi.Error `json:"Error"`
		RequestID string           `json:"RequestId"`
	}
	if json.Unmarshal(data, &env) != nil || json.Unmarshal(env.Response, &head) != nil {
		c.logCall(r, body, "undecodable answer", start)
		return &transientError{Action: r.action, Object: r.object, Cause: "the answer is not the API's JSON; check the endpoint " + c.cfg.Endpoint}
	}
	if e := head.Error; e != nil {
		c.logCall(r, body, e.Code+" RequestId="+head.RequestID, start)
		if transient, notDone := transientCode(e.Code); transient {
			return &transientError{Action: r.action, Object: r.object, Cause: e.Code + " (" + e.Message + ")", notDone: notDone}
		}
		return c.apiError(r, e, head.RequestID)
	}
	c.logCall(r, body, "ok RequestId="+head.RequestID, start)
	if out != nil {
		if err := json.Unmarshal(env.Response, out); err != nil {
			return fmt.Errorf("dnspod %s %s: cannot decode the answer: %v", r.action, r.object, err)
		}
	}
	return nil
}

// transportCause describes a transport failure without the request URL.
func transportCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// logCall writes one line per call. The body holds no secrets (they travel only in
// the signature, which is never logged).
func (c *Client) logCall(r *request, body []byte, outcome string, start time.Time) {
	if c.cfg.Log == nil {
		return
	}
	c.logMu.Lock()
	defer c.logMu.Unlock()
	fmt.Fprintf(c.cfg.Log, "dnspod: %s %s object=%q %s elapsed=%s\n",
		r.action, body, r.object, outcome, time.Since(start).Round(time.Microsecond))
}
