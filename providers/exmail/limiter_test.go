package exmail

import (
	"testing"
	"time"
)

func TestAdaptiveLimiter(t *testing.T) {
	tests := []struct {
		name  string
		max   float64
		steps func(a *adaptiveLimiter)
		want  float64
	}{
		{"halves on a throttle", 20, func(a *adaptiveLimiter) { a.throttled() }, 10},
		{"one halving per second", 20, func(a *adaptiveLimiter) { a.throttled(); a.throttled(); a.throttled() }, 10},
		{"stops at the floor", 64, func(a *adaptiveLimiter) {
			for i := 0; i < 10; i++ {
				a.throttled()
				a.lastCut = time.Now().Add(-2 * time.Second)
			}
		}, 2},
		{"no recovery right after a cut", 20, func(a *adaptiveLimiter) { a.throttled(); a.succeeded() }, 10},
		{"recovers by a fiftieth", 20, func(a *adaptiveLimiter) {
			a.throttled()
			a.lastCut = time.Now().Add(-2 * time.Second)
			a.succeeded()
		}, 10.4},
		{"never above the maximum", 20, func(a *adaptiveLimiter) { a.succeeded() }, 20},
		{"holds while a minority of calls is throttled", 20, func(a *adaptiveLimiter) {
			for i := 0; i < 30; i++ {
				if i%3 == 2 {
					a.throttled()
				} else {
					a.succeeded()
				}
				a.lastCut = time.Now().Add(-2 * time.Second)
			}
		}, 20},
		{"halves once most recent calls are throttled", 20, func(a *adaptiveLimiter) {
			for i := 0; i < 10; i++ {
				a.succeeded()
			}
			for i := 0; i < 9; i++ {
				a.throttled()
			}
			if a.rate() != 20 {
				panic("cut before half the window was throttled")
			}
			a.throttled()
		}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdaptiveLimiter(tt.max)
			tt.steps(a)
			if got := a.rate(); got < tt.want-1e-9 || got > tt.want+1e-9 {
				t.Fatalf("rate = %v, want %v", got, tt.want)
			}
		})
	}
}
