package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/providers/sandbox/exmailtenant"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

const (
	benchCorp     = "bench"
	benchContacts = "bench-contacts-secret"
	benchOptions  = "bench-options-secret"
)

// phase is what one measured mailform run cost.
type phase struct {
	name   string
	calls  int // API calls besides gettoken
	tokens int // gettoken calls
	wall   time.Duration
}

// results holds the measured runs.
type results struct {
	adopt, plan, planLimited, savedPlan, apply, replan phase
	accounts                                           int // accounts in the tenant after the apply
}

// server serves the tenant with a handler that a phase can swap.
type server struct {
	t        *exmailtenant.Tenant
	counters *exmailapi.Counters
	h        atomic.Pointer[http.Handler]
	url      string
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*s.h.Load()).ServeHTTP(w, r) }

// limit makes calls above rate per second answer 45009; 0 lifts the limit.
func (s *server) limit(latency time.Duration, rate float64) {
	h := exmailapi.NewHandler(s.t, exmailapi.Options{CorpID: benchCorp,
		Secrets: map[string]string{exmailapi.AppContacts: benchContacts, exmailapi.AppOptions: benchOptions},
		Latency: latency, RateLimit: rate, Counters: s.counters})
	s.h.Store(&h)
}

func run(sz sizes, bin string, keep bool, log io.Writer) (*results, error) {
	work, err := os.MkdirTemp("", "mailform-bench-exmail-")
	if err != nil {
		return nil, err
	}
	if keep {
		fmt.Fprintln(log, "work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	if bin == "" {
		bin = filepath.Join(work, "mailform")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mailform").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building mailform (run from the repository root or pass -mailform): %v\n%s", err, out)
		}
	}
	store, err := tenant.Open(filepath.Join(work, "tenant"), tenant.Options{})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	start := time.Now()
	if _, err := seed(store, sz); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "seeded %d accounts, %d departments, %d groups in %s\n", sz.users, sz.departments, sz.groups, time.Since(start).Round(time.Millisecond))
	t, err := exmailtenant.New(store)
	if err != nil {
		return nil, err
	}
	srv := &server{t: t, counters: &exmailapi.Counters{}}
	srv.limit(sz.latency, 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()
	srv.url = "http://" + ln.Addr().String() + "/cgi-bin/"

	cfg := filepath.Join(work, "config")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		return nil, err
	}
	if err := writeConfig(cfg, sz, 0); err != nil {
		return nil, err
	}
	res := &results{}
	mf := func(name string, wantCode int, rate float64, args ...string) (phase, error) {
		srv.counters.Reset()
		args = append(args, "-var", "endpoint="+srv.url, "-var", fmt.Sprintf("rate=%g", rate))
		cmd := exec.Command(bin, args...)
		cmd.Dir = cfg
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "EXMAIL_CONTACTS_SECRET="+benchContacts, "EXMAIL_OPTIONS_SECRET="+benchOptions)
		if sz.profiles != "" {
			cmd.Env = append(cmd.Env, "MAILFORM_CPUPROFILE="+filepath.Join(sz.profiles, profileName(name)))
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		p := phase{name: name, wall: time.Since(start)}
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			return p, err
		}
		if code != wantCode {
			tail := out.String()
			if len(tail) > 4000 {
				tail = tail[len(tail)-4000:]
			}
			return p, fmt.Errorf("%s: mailform %v exited %d, want %d:\n%s", name, args[:2], code, wantCode, tail)
		}
		p.tokens = srv.counters.Get("gettoken")
		p.calls = srv.counters.Total() - p.tokens
		fmt.Fprintf(log, "%s: %d calls (+%d gettoken) in %s\n", name, p.calls, p.tokens, p.wall.Round(time.Millisecond))
		return p, nil
	}
	// The provider's own limit stays out of the way when the server has none.
	const unlimited = 10000
	if res.adopt, err = mf("adopting apply", 0, unlimited, "apply", "-auto-approve"); err != nil {
		return nil, err
	}
	if res.plan, err = mf("no-change plan", 0, unlimited, "plan", "-detailed-exitcode"); err != nil {
		return nil, err
	}
	srv.limit(sz.latency, sz.rate)
	if res.planLimited, err = mf(fmt.Sprintf("no-change plan at %g calls/s", sz.rate), 0, sz.rate, "plan", "-detailed-exitcode"); err != nil {
		return nil, err
	}
	if err := writeConfig(cfg, sz, sz.newUsers); err != nil {
		return nil, err
	}
	// The change is planned (and reviewed) first; applying the saved plan reads
	// again only what it changes, which for new accounts is nothing.
	if res.savedPlan, err = mf(fmt.Sprintf("plan -out of %d new accounts", sz.newUsers), 0, sz.rate, "plan", "-out", "new.mfplan"); err != nil {
		return nil, err
	}
	srv.limit(sz.latency, sz.rate) // a fresh server-side bucket, as after a pause
	if res.apply, err = mf(fmt.Sprintf("apply of the saved plan of %d new accounts", sz.newUsers), 0, sz.rate, "apply", "new.mfplan"); err != nil {
		return nil, err
	}
	srv.limit(sz.latency, 0)
	if res.replan, err = mf("re-plan", 0, unlimited, "plan", "-detailed-exitcode"); err != nil {
		return nil, err
	}
	users, err := t.Users()
	if err != nil {
		return nil, err
	}
	res.accounts = len(users)
	return res, nil
}

// vsRate compares the wall time with calls ÷ rate, the target being within 120 %.
func (p phase) vsRate(rate float64) string {
	ideal := time.Duration(float64(p.calls+p.tokens) / rate * float64(time.Second))
	return fmt.Sprintf("wall %s, calls ÷ rate = %s (%.0f %%)", p.wall.Round(time.Millisecond), ideal.Round(time.Millisecond),
		100*float64(p.wall)/float64(ideal))
}

// profileName turns a phase name into a file name: "no-change plan" → "no-change-plan.pprof".
func profileName(phase string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == ',' {
			return '-'
		}
		return r
	}, phase) + ".pprof"
}

// print writes the figures and how they compare with the targets.
func (r *results) print(w io.Writer, sz sizes) {
	fmt.Fprintf(w, "\nTenant: %d users in %d departments, %d groups; %s per call\n", sz.users, sz.departments, sz.groups, sz.latency)
	fmt.Fprintf(w, "No-change plan: %d API calls (+%d gettoken), target 2 + %d groups = %d; wall %s without a rate limit\n",
		r.plan.calls, r.plan.tokens, sz.groups, 2+sz.groups, r.plan.wall.Round(time.Millisecond))
	fmt.Fprintf(w, "No-change plan at %g calls/s: %d API calls (+%d gettoken); %s\n", sz.rate, r.planLimited.calls, r.planLimited.tokens, r.planLimited.vsRate(sz.rate))
	fmt.Fprintf(w, "Plan -out of %d new accounts at %g calls/s: %d API calls (+%d gettoken); %s\n",
		sz.newUsers, sz.rate, r.savedPlan.calls, r.savedPlan.tokens, r.savedPlan.vsRate(sz.rate))
	fmt.Fprintf(w, "Apply of that saved plan at %g calls/s: %d API calls (+%d gettoken); %s (target 25 s for 1,000 accounts)\n",
		sz.rate, r.apply.calls, r.apply.tokens, r.apply.vsRate(sz.rate))
	fmt.Fprintf(w, "Accounts in the tenant afterwards: %d (want %d); re-plan: %d calls, no changes\n", r.accounts, sz.users+sz.newUsers, r.replan.calls)
}
