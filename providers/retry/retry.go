// Package retry makes API calls reliable the way every mailform HTTP provider needs:
// transient failures are retried with exponential backoff and jitter, and a write whose
// outcome is unknown (a timeout, a dropped connection, a 5xx after the request was
// sent) is verified by a re-read before it is sent again, so nothing is done twice
// and nothing that succeeded is reported as failed.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

// Outcome classifies an error of one attempt.
type Outcome int

// The outcomes of a failed attempt.
const (
	// Permanent errors are returned at once.
	Permanent Outcome = iota
	// NotDone errors are transient and the call had no effect: send it again.
	NotDone
	// Unknown errors are transient and a write may have taken effect: verify first.
	Unknown
	// Throttled errors are answers of a service that is up but refused the call
	// before acting (too many calls, busy, a token to renew): sent again like
	// NotDone, and under a Budget they do not use up the attempts, only the time,
	// since each of them proves the service answers.
	Throttled
)

// Retryable is implemented by errors that know whether another attempt is worthwhile.
type Retryable interface {
	error
	RetryOutcome() Outcome
}

// Classify is the default classification: a Retryable error's own outcome, anything
// else Permanent.
func Classify(err error) Outcome {
	var r Retryable
	if errors.As(err, &r) {
		return r.RetryOutcome()
	}
	return Permanent
}

// Backoff waits exponentially longer before each retry, with jitter.
type Backoff struct {
	Base, Max time.Duration
	mu        sync.Mutex
	rng       *rand.Rand
}

// NewBackoff returns a backoff starting at base, capped at max, with jitter from seed.
func NewBackoff(base, max time.Duration, seed int64) *Backoff {
	return &Backoff{Base: base, Max: max, rng: rand.New(rand.NewSource(seed))}
}

// Wait sleeps before retry n (1-based): between half and all of base·2^(n-1), at most
// Max; it returns early with the context's error.
func (b *Backoff) Wait(ctx context.Context, n int) error {
	d := b.Base << (n - 1)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	b.mu.Lock()
	d = d/2 + time.Duration(b.rng.Int63n(int64(d/2)+1))
	b.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Call is one API call to make reliably.
type Call struct {
	// Try makes one attempt.
	Try func(ctx context.Context) error
	// Classify says whether an error of Try or Verify is worth another attempt; nil
	// means Classify.
	Classify func(error) Outcome
	// Write marks calls that change something.
	Write bool
	// Verify re-reads after a write whose outcome is unknown and reports whether it
	// took effect; a write without Verify is not sent again after such a failure.
	Verify func(ctx context.Context) (done bool, err error)

	// Budget bounds the whole call, every attempt, wait and verification included:
	// the attempts' context ends when it runs out. 0 means no bound but attempts.
	Budget time.Duration
	// Breaker, when set, is shared by the calls of one run: once a call has used up
	// its budget on transient failures, the later calls fail at once with the same
	// cause instead of each waiting out a budget of its own.
	Breaker *Breaker
	// Progress, when set, receives a line while the call has taken longer than
	// ProgressAfter (default 5 s), and then every ProgressEvery (default 10 s), so a
	// log is never silent during a long wait.
	Progress      func(line string)
	ProgressAfter time.Duration
	ProgressEvery time.Duration
}

// Breaker remembers that an endpoint has stopped answering, for the rest of a run.
// Calls waiting between attempts, and reads in flight, stop when it trips, so that
// one cause ends a run once, with one message.
type Breaker struct {
	mu     sync.Mutex
	err    error
	closed chan struct{} // closed when the breaker trips
}

// tripped returns a channel that is closed when the breaker trips.
func (b *Breaker) tripped() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed == nil {
		b.closed = make(chan struct{})
	}
	return b.closed
}

// Open returns the error that opened the breaker, or nil while calls may go ahead.
func (b *Breaker) Open() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// trip opens the breaker with err unless it is open already, and returns the error
// it is open with, so calls giving up at the same moment report one cause.
func (b *Breaker) trip(err error) error {
	if b == nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
		if b.closed == nil {
			b.closed = make(chan struct{})
		}
		close(b.closed)
	}
	return b.err
}

// GaveUp is the error of a call that used up its attempts or its time on transient
// failures; Unwrap gives the last failure.
type GaveUp struct {
	Last     error
	Attempts int
	Elapsed  time.Duration
	Budget   time.Duration // 0 when the attempts ran out first
}

func (e *GaveUp) Error() string {
	attempts := fmt.Sprintf("%d attempts", e.Attempts)
	if e.Attempts == 1 {
		attempts = "1 attempt"
	}
	why := fmt.Sprintf("gave up after %s in %s", attempts, e.Elapsed.Round(100*time.Millisecond))
	if e.Budget > 0 {
		why = fmt.Sprintf("gave up after %s (the retry budget), %s", e.Elapsed.Round(100*time.Millisecond), attempts)
	}
	s := fmt.Sprintf("%v (%s)", e.Last, why)
	var h interface{ Hint() string }
	if errors.As(e.Last, &h) && h.Hint() != "" {
		s += "; " + h.Hint()
	}
	return s
}

func (e *GaveUp) Unwrap() error { return e.Last }

// clock measures what a call has spent of its budget: the time of its attempts
// and of the waits between them, not the time it queued for local resources (the
// client's own rate limiter, a free slot), which says nothing about the service.
type clock struct {
	mu      sync.Mutex
	budget  time.Duration // 0 = unbounded
	spent   time.Duration
	since   time.Time // running since; zero while paused
	waitCtx context.Context
}

type clockKey struct{}

func (c *clock) remaining() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.budget <= 0 {
		return time.Duration(1<<63 - 1)
	}
	spent := c.spent
	if !c.since.IsZero() {
		spent += time.Since(c.since)
	}
	return c.budget - spent
}

func (c *clock) expired() bool { return c.budget > 0 && c.remaining() <= 0 }

func (c *clock) pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.since.IsZero() {
		c.spent += time.Since(c.since)
		c.since = time.Time{}
	}
}

func (c *clock) resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.since.IsZero() {
		c.since = time.Now()
	}
}

// Queued runs wait, a wait for a local resource such as a rate limiter or a free
// slot, without spending the budget of the call ctx belongs to. The wait ends early
// when another call of the run trips the breaker: nothing has been sent yet.
func Queued(ctx context.Context, wait func(context.Context) error) error {
	c, _ := ctx.Value(clockKey{}).(*clock)
	if c == nil {
		return wait(ctx)
	}
	c.pause()
	defer c.resume()
	return wait(c.waitCtx)
}

// Bounded returns ctx limited to what is left of its call's budget, for the part of
// an attempt that talks to the service.
func Bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	c, _ := ctx.Value(clockKey{}).(*clock)
	if c == nil || c.budget <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.remaining())
}

// Do runs c with at most attempts attempts and within c.Budget. Retries never nest:
// whatever an attempt does inside (fetching a token, say) it does once, and a
// failure there is one failed attempt of this call; a Verify that calls Do again
// shares this call's budget.
func Do(ctx context.Context, attempts int, b *Backoff, c Call) error {
	if err := c.Breaker.Open(); err != nil {
		return c.stoppedBy(err, false)
	}
	if c.Classify == nil {
		c.Classify = Classify
	}
	start := time.Now()
	outer := ctx
	// waitCtx ends the waits between attempts when another call trips the breaker;
	// reads in flight end too, but a write's attempt runs to its end, so that its
	// outcome is known.
	waitCtx := ctx
	if c.Breaker != nil {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-c.Breaker.tripped():
				cancel()
			case <-waitCtx.Done():
			}
		}()
	}
	clk, nested := ctx.Value(clockKey{}).(*clock)
	if !nested {
		clk = &clock{budget: c.Budget, since: start, waitCtx: waitCtx}
	}
	tryCtx := context.WithValue(ctx, clockKey{}, clk)
	if !c.Write {
		tryCtx = context.WithValue(waitCtx, clockKey{}, clk)
	}
	var st attemptState
	if c.Progress != nil {
		stop := c.watch(start, &st)
		defer stop()
	}
	gaveUp := func(last error, n int) error {
		budget := time.Duration(0)
		if clk.expired() {
			budget = clk.budget
		}
		return c.Breaker.trip(&GaveUp{Last: last, Attempts: n, Elapsed: time.Since(start), Budget: budget})
	}
	unknown := func(err error) error {
		return fmt.Errorf("%w; the change may or may not have been made, run plan to see", err)
	}
	pendingVerify := false
	var last error
	failures := 0 // failed attempts that count against attempts
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			if failures >= attempts {
				return gaveUp(last, attempt-1)
			}
			wctx, cancel := context.WithTimeout(waitCtx, clk.remaining())
			err := b.Wait(wctx, min(attempt-1, 16))
			cancel()
			if err != nil {
				switch berr := c.Breaker.Open(); {
				case outer.Err() != nil:
					return fmt.Errorf("%v; %w", last, outer.Err())
				case berr != nil:
					return c.stoppedBy(berr, pendingVerify)
				case pendingVerify:
					return unknown(gaveUp(last, attempt-1))
				}
				return gaveUp(last, attempt-1)
			}
		}
		st.set(attempt, last)
		if pendingVerify {
			done, err := c.Verify(tryCtx)
			switch {
			case err != nil && outer.Err() != nil:
				return fmt.Errorf("%v; %w", last, outer.Err())
			case err != nil && clk.expired():
				return unknown(gaveUp(last, attempt))
			case err != nil && c.Classify(err) != Permanent:
				last = err
				if c.Classify(err) != Throttled || c.Budget <= 0 {
					failures++
				}
				continue
			case err != nil:
				return err
			case done:
				return nil
			}
			pendingVerify = false
		}
		err := c.Try(tryCtx)
		if err == nil {
			return nil
		}
		if berr := c.Breaker.Open(); berr != nil && !c.Write && (tryCtx.Err() != nil || outer.Err() != nil) {
			return c.stoppedBy(berr, false)
		}
		if outer.Err() != nil {
			// The caller gave up on the call (Ctrl-C, or a sibling read failed): say
			// so in a way errors.Is can see, whatever the attempt made of it.
			if errors.Is(err, outer.Err()) {
				return err
			}
			return fmt.Errorf("%v: %w", err, outer.Err())
		}
		outcome := c.Classify(err)
		if outcome == Permanent && !clk.expired() {
			return err
		}
		last = err
		if outcome != Throttled || c.Budget <= 0 {
			failures++
		}
		if c.Write && outcome != NotDone && outcome != Throttled {
			if c.Verify == nil {
				return unknown(err)
			}
			pendingVerify = true
		}
		if clk.expired() {
			if pendingVerify {
				return unknown(gaveUp(last, attempt))
			}
			return gaveUp(last, attempt)
		}
	}
}

// stoppedBy is the error of a call stopped because another call of the run gave up.
func (c Call) stoppedBy(err error, mayBeDone bool) error {
	switch {
	case c.Write && mayBeDone:
		return fmt.Errorf("%w; the change may or may not have been made, run plan to see", err)
	case c.Write:
		// Said of each write of an apply: name it as not sent, not as the failure of
		// the call that gave up. Reads keep the cause as it is, so that the reads of
		// a plan report it once.
		return fmt.Errorf("not sent, because another call gave up: %w", err)
	}
	return err
}

// attemptState is what a progress line reports about a call in flight.
type attemptState struct {
	mu      sync.Mutex
	attempt int
	last    error
}

func (s *attemptState) set(n int, last error) {
	s.mu.Lock()
	s.attempt, s.last = n, last
	s.mu.Unlock()
}

// watch prints progress lines until the returned stop is called.
func (c Call) watch(start time.Time, st *attemptState) (stop func()) {
	after, every := c.ProgressAfter, c.ProgressEvery
	if after <= 0 {
		after = 5 * time.Second
	}
	if every <= 0 {
		every = 10 * time.Second
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTimer(after)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			st.mu.Lock()
			line := fmt.Sprintf("still waiting [%s elapsed", time.Since(start).Round(time.Second))
			if st.attempt > 1 {
				line += fmt.Sprintf(", attempt %d", st.attempt)
			}
			if st.last != nil {
				line += "; last failure: " + st.last.Error()
			}
			st.mu.Unlock()
			c.Progress(line + "]")
			t.Reset(every)
		}
	}()
	return func() { close(done) }
}
