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
}

// Do runs c with at most attempts attempts.
func Do(ctx context.Context, attempts int, b *Backoff, c Call) error {
	if c.Classify == nil {
		c.Classify = Classify
	}
	pendingVerify := false
	var last error
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			if attempt > attempts {
				return fmt.Errorf("%w (gave up after %d attempts; try again later)", last, attempts)
			}
			if err := b.Wait(ctx, attempt-1); err != nil {
				return fmt.Errorf("%v; %w", last, err)
			}
		}
		if pendingVerify {
			done, err := c.Verify(ctx)
			switch {
			case err != nil && c.Classify(err) != Permanent:
				last = err
				continue
			case err != nil:
				return err
			case done:
				return nil
			}
			pendingVerify = false
		}
		err := c.Try(ctx)
		if err == nil {
			return nil
		}
		outcome := c.Classify(err)
		if outcome == Permanent {
			return err
		}
		last = err
		if c.Write && outcome == Unknown {
			if c.Verify == nil {
				return fmt.Errorf("%w; the change may or may not have been made, run plan to see", err)
			}
			pendingVerify = true
		}
	}
}
