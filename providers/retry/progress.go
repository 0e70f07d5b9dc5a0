package retry

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress writes the progress lines of a client's calls to W, one line per interval
// however many calls wait side by side, so that a log is never silent and never
// flooded.
type Progress struct {
	W     io.Writer
	After time.Duration // a call's first line comes after this long; default 5 s

	mu   sync.Mutex
	last time.Time
}

// NewProgress returns a Progress writing to w, or nil when w is nil.
func NewProgress(w io.Writer, after time.Duration) *Progress {
	if w == nil {
		return nil
	}
	if after <= 0 {
		after = 5 * time.Second
	}
	return &Progress{W: w, After: after}
}

// Set fills c's progress fields for the call named name ("exmail user/list …");
// a nil Progress leaves c silent.
func (p *Progress) Set(c *Call, name string) {
	if p == nil {
		return
	}
	c.ProgressAfter, c.ProgressEvery = p.After, 2*p.After
	c.Progress = func(line string) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if time.Since(p.last) < p.After {
			return
		}
		p.last = time.Now()
		fmt.Fprintf(p.W, "%s: %s\n", name, line)
	}
}
