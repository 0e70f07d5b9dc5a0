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
