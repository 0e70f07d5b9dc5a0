package exmailapi

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Fault is a kind of failure the handler injects into a fraction of calls.
type Fault int

// The injectable faults.
const (
	// FaultBusy answers errcode -1 without doing anything.
	FaultBusy Fault = iota + 1
	// FaultThrottle answers errcode 45009 without doing anything.
	FaultThrottle
	// FaultBadGateway does the call, then answers HTTP 502 instead of its result.
	FaultBadGateway
	// FaultDrop does the call, then closes the connection without any response.
	FaultDrop
)

// Options configures a handler.
type Options struct {
	// CorpID is the company id gettoken requires.
	CorpID string
	// Secrets maps an app (AppContacts, AppOptions, AppLog) to its secret; a token
	// carries the app of the secret it was made with.
	Secrets map[string]string
	// TokenTTL is the lifetime of a token (expires_in); default 7200 s.
	TokenTTL time.Duration
	// Latency is added to every call.
	Latency time.Duration
	// RateLimit is the calls per second above which calls answer 45009; 0 = none.
	RateLimit float64
	// Faults maps a fault to the fraction of calls (0–1) that get it.
	Faults map[Fault]float64
	// Seed seeds the random numbers behind Faults so a test is reproducible.
	Seed int64
	// Now returns the time tokens are checked against; default time.Now.
	Now func() time.Time
	// Counters, when set, counts calls per endpoint.
	Counters *Counters
	// MaxInFlight is how many calls may be served at once; one more answers 40093
	// (too many concurrent calls) without doing anything. 0 = no limit.
	MaxInFlight int
	// RecycleWindow is how long a deleted account's address stays in the recycle bin:
	// user/create of that address answers 60116 until the window has passed. 0 = no
	// recycle bin. The bin is kept by the handler, not the tenant: a restart empties it.
	RecycleWindow time.Duration
	// Quirks turns on the behaviours the doc copies disagree about, so that a client
	// meets both readings: user/list items carry no enable (user/get still does); an
	// order of 1–10000 written by department/create or department/update is stored
	// as 0 (the reserved values are reset); group/get answers taglist, the tag-based
	// members the API cannot set, and group/update keeps it.
	Quirks bool
	// Logs configures the generated history of the log endpoints.
	Logs LogOptions
}

// Counters counts calls per endpoint ("gettoken", "user/list" …) and injected faults
// ("fault:busy", "fault:throttle", "fault:502", "fault:drop"); safe for concurrent use.
type Counters struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *Counters) add(endpoint string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[endpoint]++
}

// Get returns the number of calls of endpoint.
func (c *Counters) Get(endpoint string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[endpoint]
}

// Total returns the number of calls of every endpoint, gettoken included.
func (c *Counters) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for k, v := range c.n {
		if !strings.HasPrefix(k, faultPrefix) {
			t += v
		}
	}
	return t
}

const faultPrefix = "fault:"

var faultNames = map[Fault]string{FaultBusy: "busy", FaultThrottle: "throttle", FaultBadGateway: "502", FaultDrop: "drop"}

// String names the fault as Counters counts it.
func (f Fault) String() string { return faultNames[f] }

// Snapshot returns a copy of the counts.
func (c *Counters) Snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// Reset sets every count to zero.
func (c *Counters) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = nil
}

// sortedFaults returns the configured faults in a fixed order so that a seed always
// picks the same ones.
func (o Options) sortedFaults() []Fault {
	out := make([]Fault, 0, len(o.Faults))
	for f := range o.Faults {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
