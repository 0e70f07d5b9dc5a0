package exmailapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	mathrand "math/rand"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// call is one decoded request as an endpoint function sees it.
type call struct {
	query url.Values
	body  []byte
}

// endpoint describes one API path.
type endpoint struct {
	method string // GET or POST
	app    string // the app whose token may call it
	fn     func(h *handler, c *call) (map[string]any, error)
}

var endpoints = map[string]endpoint{
	"department/create": {http.MethodPost, AppContacts, (*handler).departmentCreate},
	"department/update": {http.MethodPost, AppContacts, (*handler).departmentUpdate},
	"department/delete": {http.MethodGet, AppContacts, (*handler).departmentDelete},
	"department/list":   {http.MethodGet, AppContacts, (*handler).departmentList},
	"department/search": {http.MethodPost, AppContacts, (*handler).departmentSearch},
	"user/create":       {http.MethodPost, AppContacts, (*handler).userCreate},
	"user/update":       {http.MethodPost, AppContacts, (*handler).userUpdate},
	"user/delete":       {http.MethodGet, AppContacts, (*handler).userDelete},
	"user/get":          {http.MethodGet, AppContacts, (*handler).userGet},
	"user/simplelist":   {http.MethodGet, AppContacts, (*handler).userSimpleList},
	"user/list":         {http.MethodGet, AppContacts, (*handler).userList},
	"user/batchcheck":   {http.MethodPost, AppContacts, (*handler).userBatchCheck},
	"group/create":      {http.MethodPost, AppContacts, (*handler).groupCreate},
	"group/update":      {http.MethodPost, AppContacts, (*handler).groupUpdate},
	"group/delete":      {http.MethodGet, AppContacts, (*handler).groupDelete},
	"group/get":         {http.MethodGet, AppContacts, (*handler).groupGet},
	"useroption/get":    {http.MethodPost, AppOptions, (*handler).userOptionGet},
	"useroption/update": {http.MethodPost, AppOptions, (*handler).userOptionUpdate},
	"log/mail":          {http.MethodPost, AppLog, (*handler).logMail},
	"log/login":         {http.MethodPost, AppLog, (*handler).logLogin},
	"log/operation":     {http.MethodPost, AppLog, (*handler).logOperation},
	"log/batchjob":      {http.MethodPost, AppLog, (*handler).logBatchjob},
	"log/mailstatus":    {http.MethodPost, AppLog, (*handler).logMailStatus},
}

type token struct {
	app     string
	expires time.Time
}

type handler struct {
	t Tenant
	o Options

	// mu serialises tenant calls so that a rule checked before a write still holds
	// when the write happens.
	mu sync.Mutex

	tokMu  sync.Mutex
	tokens map[string]token

	rngMu  sync.Mutex
	rng    *mathrand.Rand
	faults []Fault

	limiter  *rate.Limiter
	flip     atomic.Uint64
	inFlight atomic.Int64

	// recycled holds when each deleted account (by lower-cased address) went to the
	// recycle bin; guarded by mu.
	recycled map[string]time.Time
}

// NewHandler returns an http.Handler that serves the Exmail API over t. Paths are
// accepted with or without the "/cgi-bin" prefix.
func NewHandler(t Tenant, opts Options) http.Handler {
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 7200 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &handler{
		t:        t,
		o:        opts,
		tokens:   map[string]token{},
		recycled: map[string]time.Time{},
		rng:      mathrand.New(mathrand.NewSource(opts.Seed)),
		faults:   opts.sortedFaults(),
	}
	if opts.RateLimit > 0 {
		burst := int(opts.RateLimit)
		if burst < 1 {
			burst = 1
		}
		h.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), burst)
	}
	return h
}

// ServeHTTP answers one API call: count, refuse beyond MaxInFlight, delay, throttle,
// inject a fault, check the token, then run the endpoint with the tenant held still.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	path = strings.TrimPrefix(path, "cgi-bin/")
	h.o.Counters.add(path)

	// Every call counts while it is served, the latency included: a client that
	// keeps too many in flight meets 40093 as it would on the real service.
	n := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	if h.o.MaxInFlight > 0 && n > int64(h.o.MaxInFlight) {
		h.o.Counters.add(faultPrefix + "concurrency")
		writeJSON(w, nil, fail(CodeConcurrencyTooHigh, ""))
		return
	}

	if h.o.Latency > 0 {
		select {
		case <-time.After(h.o.Latency):
		case <-r.Context().Done():
			return
		}
	}

	var fn func(c *call) (map[string]any, error)
	if path == "gettoken" {
		fn = h.getToken
	} else {
		ep, ok := endpoints[path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Method != ep.method {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		fn = func(c *call) (map[string]any, error) {
			if err := h.checkToken(c.query.Get("access_token"), ep.app); err != nil {
				return nil, err
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			return ep.fn(h, c)
		}
	}

	if h.limiter != nil && !h.limiter.Allow() {
		writeJSON(w, nil, fail(CodeFrequencyExceeded, ""))
		return
	}
	fault := h.drawFault()
	if fault != 0 {
		h.o.Counters.add(faultPrefix + fault.String())
	}
	switch fault {
	case FaultBusy:
		writeJSON(w, nil, fail(CodeBusy, ""))
		return
	case FaultThrottle:
		writeJSON(w, nil, fail(CodeFrequencyExceeded, ""))
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	resp, err := fn(&call{query: r.URL.Query(), body: body})

	switch fault {
	case FaultBadGateway:
		http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
		return
	case FaultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "connection dropped", http.StatusBadGateway)
		return
	}
	writeJSON(w, resp, err)
}

// drawFault picks the fault of one call, or 0 for none.
func (h *handler) drawFault() Fault {
	if len(h.faults) == 0 {
		return 0
	}
	h.rngMu.Lock()
	x := h.rng.Float64()
	h.rngMu.Unlock()
	for _, f := range h.faults {
		p := h.o.Faults[f]
		if x < p {
			return f
		}
		x -= p
	}
	return 0
}

func writeJSON(w http.ResponseWriter, resp map[string]any, err error) {
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			// A tenant storage failure: the real service says "system busy".
			ae = &apiError{code: CodeBusy}
		}
		resp = map[string]any{"errcode": ae.code, "errmsg": ae.Error()}
	} else {
		if resp == nil {
			resp = map[string]any{}
		}
		resp["errcode"] = 0
		if _, ok := resp["errmsg"]; !ok {
			resp["errmsg"] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(resp)
}

// done is the answer of a successful write: "created", "updated" or "deleted".
func done(msg string) map[string]any { return map[string]any{"errmsg": msg} }

func (h *handler) getToken(c *call) (map[string]any, error) {
	corp, secret := c.query.Get("corpid"), c.query.Get("corpsecret")
	if corp == "" || corp != h.o.CorpID || secret == "" {
		return nil, fail(CodeInvalidCredential, "check corpid and corpsecret")
	}
	app := ""
	for a, s := range h.o.Secrets {
		if s == secret {
			app = a
		}
	}
	if app == "" {
		return nil, fail(CodeInvalidCredential, "check corpid and corpsecret")
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	h.tokMu.Lock()
	now := h.o.Now()
	for k, t := range h.tokens {
		if now.After(t.expires) {
			delete(h.tokens, k)
		}
	}
	h.tokens[tok] = token{app: app, expires: now.Add(h.o.TokenTTL)}
	h.tokMu.Unlock()
	return map[string]any{"access_token": tok, "expires_in": int64(h.o.TokenTTL / time.Second)}, nil
}

func (h *handler) checkToken(tok, app string) error {
	h.tokMu.Lock()
	defer h.tokMu.Unlock()
	t, ok := h.tokens[tok]
	switch {
	case !ok:
		return fail(CodeInvalidToken, "")
	case h.o.Now().After(t.expires):
		return fail(CodeTokenExpired, "")
	case t.app != app:
		return fail(CodeNoPermission, "this endpoint needs the "+app+" app's token")
	}
	return nil
}

// loose returns how one response renders small numbers: as JSON numbers or as
// strings, alternating between responses as the real API is inconsistent, so that
// clients must decode both.
func (h *handler) loose() func(n int) any {
	if h.flip.Add(1)%2 == 0 {
		return func(n int) any { return itoa(int64(n)) }
	}
	return func(n int) any { return n }
}

func decodeBody(c *call, v any) error {
	if err := json.Unmarshal(c.body, v); err != nil {
		return fail(CodeInvalidParameter, "body is not the expected JSON: "+err.Error())
	}
	return nil
}

// storedOrder is the order a department write stores: with Quirks, the reserved
// values 1–10000 are reset to 0, as some doc copies say the service does.
func (h *handler) storedOrder(order int64) int64 {
	if h.o.Quirks && order >= 1 && order <= 10000 {
		return 0
	}
	return order
}
