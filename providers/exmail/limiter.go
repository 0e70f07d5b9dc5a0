package exmail

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// adaptiveLimiter paces calls at a rate that halves when the API says it is called
// too often and creeps back up while calls succeed, because Exmail publishes no limit.
type adaptiveLimiter struct {
	mu      sync.Mutex
	l       *rate.Limiter
	max     float64
	cur     float64
	lastCut time.Time
}

func newAdaptiveLimiter(perSecond float64) *adaptiveLimiter {
	burst := int(perSecond)
	if burst < 1 {
		burst = 1
	}
	return &adaptiveLimiter{l: rate.NewLimiter(rate.Limit(perSecond), burst), max: perSecond, cur: perSecond}
}

func (a *adaptiveLimiter) wait(ctx context.Context) error { return a.l.Wait(ctx) }

// floor is the slowest the limiter goes: a thirty-second of the configured rate,
// and never below one call in two seconds.
func (a *adaptiveLimiter) floor() float64 {
	f := a.max / 32
	if f < 0.5 {
		f = 0.5
	}
	return f
}

// throttled halves the rate, at most once a second so that a burst of throttle
// answers from calls already in flight counts as one signal.
func (a *adaptiveLimiter) throttled() {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if now.Sub(a.lastCut) < time.Second {
		return
	}
	a.lastCut = now
	a.cur /= 2
	if a.cur < a.floor() {
		a.cur = a.floor()
	}
	a.l.SetLimit(rate.Limit(a.cur))
}

// succeeded raises the rate by a fiftieth of the configured rate.
func (a *adaptiveLimiter) succeeded() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur >= a.max || time.Since(a.lastCut) < time.Second {
		return
	}
	a.cur += a.max / 50
	if a.cur > a.max {
		a.cur = a.max
	}
	a.l.SetLimit(rate.Limit(a.cur))
}

// rate returns the current calls per second.
func (a *adaptiveLimiter) rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur
}

// gate bounds the calls in flight. Exmail answers 40093 or 45033 when too many calls
// run at once; the bound then halves (at most once a second, like the rate) and
// grows back by one after every twenty successes.
type gate struct {
	mu       sync.Mutex
	max      int
	limit    int
	inflight int
	ok       int
	lastCut  time.Time
	wake     chan struct{}
}

func newGate(max int) *gate {
	return &gate{max: max, limit: max, wake: make(chan struct{})}
}

// acquire waits for a free slot or the end of ctx.
func (g *gate) acquire(ctx context.Context) error {
	for {
		g.mu.Lock()
		if g.inflight < g.limit {
			g.inflight++
			g.mu.Unlock()
			return nil
		}
		wake := g.wake
		g.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release frees a slot and wakes the waiters.
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	g.notify()
}

func (g *gate) notify() {
	close(g.wake)
	g.wake = make(chan struct{})
}

// cut halves the bound after a "too many concurrent calls" answer.
func (g *gate) cut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if time.Since(g.lastCut) < time.Second {
		return
	}
	g.lastCut = time.Now()
	g.ok = 0
	g.limit = max(1, g.limit/2)
}

// succeeded counts a success and raises the bound by one every twenty.
func (g *gate) succeeded() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.limit >= g.max {
		return
	}
	if g.ok++; g.ok >= 20 {
		g.ok = 0
		g.limit++
		g.notify()
	}
}

// bound returns the current bound.
func (g *gate) bound() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limit
}
