package dnspodapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Options configures a fake server.
type Options struct {
	// Credentials maps each accepted SecretId to its SecretKey.
	Credentials map[string]string
	// Now is the server's clock for signature expiry and listing delays; default
	// time.Now.
	Now func() time.Time
	// RateLimit is the calls per second above which calls answer RequestLimitExceeded;
	// 0 means no limit.
	RateLimit float64
	// ListingDelay hides a new record from DescribeRecordList for this long, as the
	// real service sometimes does for about 30 s; 0 (the default) shows it at once.
	ListingDelay time.Duration
	// Site is SiteChina (the default: the default line is named "默认") or SiteIntl
	// (named "Default"); LineId is "0" on both.
	Site string
	// Grade is the plan new domains are on; default "DP_Free", whose MinTtl is 600.
	Grade string
	// LongTXT is what the API does with a TXT value over 255 bytes, which its
	// documentation leaves open; default LongTXTWhole.
	LongTXT LongTXT
}

// LongTXT is one reading of how DNSPod treats a TXT value longer than one 255-byte
// DNS string.
type LongTXT int

// The readings of a long TXT value.
const (
	// LongTXTWhole keeps the value as sent and lists it back whole (DNSPod splits it
	// on the wire).
	LongTXTWhole LongTXT = iota
	// LongTXTChunked keeps it, but lists it back in zone-file form: quoted strings of
	// at most 255 bytes separated by blanks.
	LongTXTChunked
	// LongTXTRefused refuses it with InvalidParameter.RecordValueInvalid.
	LongTXTRefused
)

// Fault is a failure injected into the next matching calls.
type Fault struct {
	// Action limits the fault to one action; "" matches every action.
	Action string
	// Code is answered as the error code: before the call is carried out, or after
	// it when AfterWrite is set (a write whose outcome the client cannot know).
	Code       string
	AfterWrite bool
	// Drop carries out the call, then closes the connection without an answer.
	Drop bool
	// Times is how many calls get the fault; 0 means one.
	Times int
}

// Server is an in-memory DNSPod account served over the API. It is safe for
// concurrent use; the exported methods other than ServeHTTP change it "as the console
// would".
type Server struct {
	opts    Options
	limiter *rate.Limiter

	mu      sync.Mutex
	domains map[string]*domain
	nextID  uint64
	faults  []*Fault
	calls   map[string]int
	reqSeq  uint64
}

// New returns an empty fake account.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Site == "" {
		opts.Site = SiteChina
	}
	if opts.Grade == "" {
		opts.Grade = "DP_Free"
	}
	s := &Server{opts: opts, domains: map[string]*domain{}, nextID: 1000, calls: map[string]int{}}
	if opts.RateLimit > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), max(1, int(opts.RateLimit)))
	}
	return s
}

// Inject queues a fault for the next matching calls.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Calls returns how many calls of action arrived (whatever their outcome); "" counts
// every call.
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if action == "" {
		n := 0
		for _, c := range s.calls {
			n += c
		}
		return n
	}
	return s.calls[action]
}

// ResetCalls sets every call counter to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}

// apiError is an error answer.
type apiError struct{ code, msg string }

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errf(code, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-TC-Action")
	s.mu.Lock()
	s.calls[action]++
	s.reqSeq++
	reqID := fmt.Sprintf("fake-%08d", s.reqSeq)
	s.mu.Unlock()

	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		return
	}
	if r.Method != http.MethodPost {
		s.answer(w, reqID, nil, errf("UnsupportedProtocol", "the API takes POST, not %s", r.Method))
		return
	}
	if e := s.authenticate(r, body); e != nil {
		s.answer(w, reqID, nil, e)
		return
	}
	if v := r.Header.Get("X-TC-Version"); v != Version {
		s.answer(w, reqID, nil, errf(CodeNoSuchVersion, "version %q does not exist", v))
		return
	}
	if s.limiter != nil && !s.limiter.Allow() {
		s.answer(w, reqID, nil, errf(CodeRequestLimit, "request frequency exceeds the limit"))
		return
	}
	fault := s.takeFault(action)
	if fault != nil && !fault.AfterWrite && !fault.Drop {
		s.answer(w, reqID, nil, errf(fault.Code, "injected fault"))
		return
	}
	out, e := s.dispatch(action, body)
	if fault != nil && fault.Drop {
		drop(w)
		return
	}
	if fault != nil && fault.AfterWrite {
		out, e = nil, errf(fault.Code, "injected fault after the call was carried out")
	}
	s.answer(w, reqID, out, e)
}

// drop closes the connection without writing an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func (s *Server) takeFault(action string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Action != "" && f.Action != action {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		c := *f
		return &c
	}
	return nil
}

// authenticate checks the TC3-HMAC-SHA256 signature, its scope and its timestamp.
func (s *Server) authenticate(r *http.Request, body []byte) *apiError {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, Algorithm+" ")
	if !ok {
		return errf(CodeSignatureFailure, "the Authorization header is not %s", Algorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return errf(CodeMissingParameter, "X-TC-Timestamp is missing or not a number")
	}
	if skew := s.opts.Now().Unix() - ts; skew > MaxSkew || skew < -MaxSkew {
		return errf(CodeSignatureExpire, "the request timestamp is %d s away from the server's clock", skew)
	}
	id, scope, _ := strings.Cut(fields["Credential"], "/")
	key, known := s.opts.Credentials[id]
	if !known {
		return errf(CodeSecretIDNotFound, "the SecretId is not found")
	}
	if scope != Scope(ts) || fields["SignedHeaders"] != "content-type;host" {
		return errf(CodeSignatureFailure, "the credential scope or signed headers do not match the request")
	}
	if r.Header.Get("Content-Type") != ContentType {
		return errf(CodeSignatureFailure, "the signed Content-Type must be %q", ContentType)
	}
	if fields["Signature"] != Signature(key, r.Host, ts, body) {
		return errf(CodeSignatureFailure, "the request signature does not match")
	}
	return nil
}

// answer writes a success or an error envelope; the API answers HTTP 200 either way.
func (s *Server) answer(w http.ResponseWriter, reqID string, out map[string]any, e *apiError) {
	resp := map[string]any{"RequestId": reqID}
	if e != nil {
		resp["Error"] = Error{Code: e.code, Message: e.msg}
	} else {
		for k, v := range out {
			resp[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": resp})
}

// params decodes a request body strictly: the API rejects parameters it does not
// know, and the names are case-sensitive (Subdomain in listings, SubDomain in writes).
func params(body []byte, into any, allowed ...string) *apiError {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return errf("InvalidParameter", "the body is not a JSON object")
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for k := range raw {
		if !ok[k] {
			return errf(CodeUnknownParameter, "the parameter `%s` is not recognized", k)
		}
	}
	if err := json.Unmarshal(body, into); err != nil {
		return errf("InvalidParameter", "a parameter has the wrong type: %v", err)
	}
	return nil
}
