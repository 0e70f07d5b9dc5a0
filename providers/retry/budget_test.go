package retry

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// A call that keeps failing transiently stops when its budget is used up, however
// many attempts it was allowed, and says so.
func TestBudgetEndsTheCall(t *testing.T) {
	tries := 0
	start := time.Now()
	err := Do(context.Background(), 1000, NewBackoff(5*time.Millisecond, 20*time.Millisecond, 1), Call{
		Classify: classify, Budget: 150 * time.Millisecond,
		Try: func(ctx context.Context) error { tries++; return errBusy },
	})
	var g *GaveUp
	if !errors.As(err, &g) || g.Budget != 150*time.Millisecond || !errors.Is(err, errBusy) {
		t.Fatalf("Do = %v, want a GaveUp over the budget wrapping the last failure", err)
	}
	if !strings.Contains(err.Error(), "the retry budget") || tries < 2 || tries >= 1000 {
		t.Fatalf("%d tries, message %q", tries, err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the budget of 150ms did not bound the call: %s", time.Since(start))
	}
}

// hang is an attempt whose service never answers: it ends with the call's budget.
func hang(ctx context.Context) error {
	ctx, cancel := Bounded(ctx)
	defer cancel()
	<-ctx.Done()
	return errDropped
}

// Time spent queueing for a local resource is not spent from the budget: a call
// that queued longer than its budget still makes its attempt.
func TestQueueingSpendsNoBudget(t *testing.T) {
	tries := 0
	err := Do(context.Background(), 3, NewBackoff(time.Millisecond, time.Millisecond, 1), Call{
		Classify: classify, Budget: 50 * time.Millisecond,
		Try: func(ctx context.Context) error {
			tries++
			if err := Queued(ctx, func(context.Context) error { time.Sleep(120 * time.Millisecond); return nil }); err != nil {
				return err
			}
			if tries == 1 {
				return errBusy
			}
			return nil
		},
	})
	if err != nil || tries != 2 {
		t.Fatalf("Do = %v after %d tries; queueing must not use up the budget", err, tries)
	}
}

// An attempt that hangs is cut by the budget, and a write cut that way may have been
// done: the message says so rather than claiming it failed.
func TestBudgetCutsAHangingWrite(t *testing.T) {
	err := Do(context.Background(), 5, NewBackoff(time.Millisecond, time.Millisecond, 1), Call{
		Classify: classify, Budget: 50 * time.Millisecond, Write: true,
		Verify: func(ctx context.Context) (bool, error) { return false, hang(ctx) },
		Try:    hang,
	})
	if err == nil || !strings.Contains(err.Error(), "may or may not have been made") {
		t.Fatalf("Do = %v, want an unknown outcome", err)
	}
}

// Once one call has given up, the run's other calls stop too, with the same error,
// instead of each waiting out a budget of its own; a later call fails at once.
func TestBreakerStopsTheRun(t *testing.T) {
	br := &Breaker{}
	slow := NewBackoff(time.Hour, time.Hour, 1) // the second call would wait an hour
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs[1] = Do(context.Background(), 5, slow, Call{Classify: classify, Breaker: br,
			Try: func(context.Context) error { return errBusy }})
	}()
	time.Sleep(20 * time.Millisecond)
	errs[0] = Do(context.Background(), 2, NewBackoff(time.Millisecond, time.Millisecond, 1), Call{
		Classify: classify, Breaker: br, Try: func(context.Context) error { return errBusy }})
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting call did not stop when the breaker tripped")
	}
	if errs[0] == nil || errs[1] == nil || errs[0].Error() != errs[1].Error() {
		t.Fatalf("errors differ: %v / %v", errs[0], errs[1])
	}
	called := false
	err := Do(context.Background(), 5, slow, Call{Breaker: br, Try: func(context.Context) error { called = true; return nil }})
	if err == nil || called || err.Error() != errs[0].Error() {
		t.Fatalf("a read after the breaker tripped: err %v, tried %v", err, called)
	}
	err = Do(context.Background(), 5, slow, Call{Breaker: br, Write: true, Try: func(context.Context) error { called = true; return nil }})
	if err == nil || called || !strings.HasPrefix(err.Error(), "not sent, because another call gave up: ") || !errors.Is(err, errBusy) {
		t.Fatalf("a write after the breaker tripped: err %v, tried %v", err, called)
	}
}

type hinted struct{ error }

func (hinted) Hint() string { return "lower rate_limit" }

// A call that waits long prints progress lines naming the attempt and the last
// failure, and the final error carries the failure's hint.
func TestProgressAndHint(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	n := 0
	err := Do(context.Background(), 6, NewBackoff(30*time.Millisecond, 30*time.Millisecond, 1), Call{
		Classify:      func(error) Outcome { return NotDone },
		Try:           func(context.Context) error { n++; return hinted{errors.New("errcode 45009")} },
		Progress:      func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() },
		ProgressAfter: 40 * time.Millisecond, ProgressEvery: 40 * time.Millisecond,
	})
	if err == nil || !strings.HasSuffix(err.Error(), "; lower rate_limit") || !strings.Contains(err.Error(), "gave up after 6 attempts") {
		t.Fatalf("Do = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) == 0 || !strings.Contains(lines[0], "still waiting [") || !strings.Contains(lines[len(lines)-1], "last failure: errcode 45009") {
		t.Fatalf("progress lines %q", lines)
	}
}

// Answers that the service is up but refused the call (throttled) do not use up the
// attempts under a budget, only the time; without a budget they do.
func TestThrottledAnswersSpendOnlyTime(t *testing.T) {
	throttled := func(error) Outcome { return Throttled }
	tries := 0
	err := Do(context.Background(), 3, NewBackoff(time.Millisecond, time.Millisecond, 1), Call{
		Classify: throttled, Budget: 5 * time.Second,
		Try: func(context.Context) error {
			if tries++; tries < 10 {
				return errBusy
			}
			return nil
		},
	})
	if err != nil || tries != 10 {
		t.Fatalf("Do = %v after %d tries; 9 throttled answers must not use up 3 attempts", err, tries)
	}
	tries = 0
	err = Do(context.Background(), 3, NewBackoff(time.Millisecond, time.Millisecond, 1), Call{
		Classify: throttled,
		Try:      func(context.Context) error { tries++; return errBusy },
	})
	if err == nil || tries != 3 {
		t.Fatalf("without a budget: Do = %v after %d tries, want to give up after 3", err, tries)
	}
	// A throttled write is sent again without a verification: it was not done.
	tries = 0
	err = Do(context.Background(), 3, NewBackoff(time.Millisecond, time.Millisecond, 1), Call{
		Classify: throttled, Budget: time.Second, Write: true,
		Try: func(context.Context) error {
			if tries++; tries < 5 {
				return errBusy
			}
			return nil
		},
	})
	if err != nil || tries != 5 {
		t.Fatalf("throttled write: Do = %v after %d tries", err, tries)
	}
}
