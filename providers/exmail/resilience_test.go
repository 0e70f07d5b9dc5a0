package exmail

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// workload drives the provider through creates, reads, updates and deletes of every
// type and checks the tenant ends exactly as asked: one object each, none failed.
func workload(t *testing.T, f *fixture, accounts int) {
	t.Helper()
	p, c := NewWithClient(f.client), ctx(t)
	dept, err := p.Create(c, "department", "eng", model.Object{"name": "Eng"})
	if err != nil {
		t.Fatalf("create department: %v", err)
	}
	sub, err := p.Create(c, "department", "sre", model.Object{"name": "SRE", "parent": dept.ID})
	if err != nil {
		t.Fatalf("create sub-department: %v", err)
	}
	var emails []string
	for i := 0; i < accounts; i++ {
		e := fmt.Sprintf("user%02d@example.com", i)
		emails = append(emails, e)
		o := model.Object{"email": e, "name": "User", "departments": []string{sub.ID}, "password": "pw-" + e,
			"aliases": []string{fmt.Sprintf("alias%02d@example.com", i)}, "imap_smtp": i%2 == 0}
		if _, err := p.Create(c, "account", e, o); err != nil {
			t.Fatalf("create %s: %v", e, err)
		}
	}
	group := model.Object{"email": "all@example.com", "name": "All", "members": emails, "senders": "anyone"}
	if _, err := p.Create(c, "group", "all", group); err != nil {
		t.Fatalf("create group: %v", err)
	}
	live, err := p.Read(c, providers.ReadRequest{Type: "account"})
	if err != nil {
		t.Fatalf("read accounts: %v", err)
	}
	if len(live) != accounts {
		t.Fatalf("read %d accounts, want %d", len(live), accounts)
	}
	for _, r := range live {
		next := r.Attrs.Clone()
		next["position"] = "Engineer"
		if _, err := p.Update(c, "account", r.ID, r.Attrs, next); err != nil {
			t.Fatalf("update %s: %v", r.ID, err)
		}
	}
	if _, err := p.Update(c, "group", "all@example.com", group, model.Object{"email": "all@example.com", "name": "Everyone", "members": emails[:1]}); err != nil {
		t.Fatalf("update group: %v", err)
	}
	if err := p.Delete(c, "account", emails[accounts-1], nil); err != nil {
		t.Fatalf("delete account: %v", err)
	}

	users, _ := f.tenant.Users()
	if len(users) != accounts-1 {
		t.Fatalf("tenant holds %d users, want %d", len(users), accounts-1)
	}
	for _, u := range users {
		if u.Position != "Engineer" || len(u.Slaves) != 1 || u.Department[0] != mustInt(t, sub.ID) {
			t.Fatalf("user %+v not as written", u)
		}
	}
	ds, _ := f.tenant.Departments()
	if len(ds) != 3 {
		t.Fatalf("tenant holds %d departments, want root + 2: %+v", len(ds), ds)
	}
	g, ok, _ := f.tenant.Group("all@example.com")
	if !ok || g.GroupName != "Everyone" || len(g.UserList) != 1 || g.AllowType != 0 {
		t.Fatalf("group = %+v", g)
	}
}

func mustInt(t *testing.T, s string) int64 {
	n, err := deptID(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Every token expires right after its first use: each call meets 42001 once,
// fetches a token and succeeds.
func TestTokenExpiresEveryCall(t *testing.T) {
	var tick atomic.Int64
	start := time.Unix(1_700_000_000, 0)
	f := newFixture(t, func(o *exmailapi.Options) {
		o.TokenTTL = 7200 * time.Second
		// Each check moves the clock 5000 s: a token survives one call, not two.
		o.Now = func() time.Time { return start.Add(time.Duration(tick.Add(1)) * 5000 * time.Second) }
	}, nil)
	workload(t, f, 4)
	calls := f.count.Snapshot()
	tokens := calls["gettoken"]
	others := f.count.Total() - tokens
	if tokens < others/2 {
		t.Fatalf("%d token calls for %d API calls: tokens were not renewed on 42001", tokens, others)
	}
}

func TestThrottledThirtyPercent(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			f := newFixture(t, func(o *exmailapi.Options) {
				o.Faults = map[exmailapi.Fault]float64{exmailapi.FaultThrottle: 0.3}
				o.Seed = seed
			}, func(c *Config) { c.Seed = seed })
			workload(t, f, 6)
			if f.count.Get("fault:throttle") == 0 {
				t.Fatal("no 45009 was injected")
			}
		})
	}
}

// A client configured above the service's real limit, which then throttles most
// calls, slows down to it.
func TestRateAboveTheRealLimitIsCut(t *testing.T) {
	f := newFixture(t, func(o *exmailapi.Options) { o.RateLimit = 50 },
		func(c *Config) { c.RateLimit = 2000; c.MaxAttempts = 40 })
	workload(t, f, 30)
	if r := f.client.limiter.rate(); r >= 2000 {
		t.Fatalf("rate stayed at %v calls/s against a service that allows 50", r)
	}
}

func TestRandomFaults(t *testing.T) {
	seen := map[string]int{}
	for seed := int64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			f := newFixture(t, func(o *exmailapi.Options) {
				o.Faults = map[exmailapi.Fault]float64{
					exmailapi.FaultBusy: 0.03, exmailapi.FaultBadGateway: 0.03, exmailapi.FaultDrop: 0.04,
				}
				o.Seed = seed
			}, func(c *Config) { c.Seed = seed })
			workload(t, f, 12)
			for k, v := range f.count.Snapshot() {
				seen[k] += v
			}
		})
	}
	for _, k := range []string{"fault:busy", "fault:502", "fault:drop"} {
		if seen[k] == 0 {
			t.Errorf("no %s injected over all seeds; the test proves nothing about it", k)
		}
	}
	t.Logf("faults injected: busy %d, 502 %d, drop %d", seen["fault:busy"], seen["fault:502"], seen["fault:drop"])
}

// lossyHandler runs a request through the real handler, so the write happens, and
// then loses the answer: a dropped connection or a 502 from a gateway.
type lossyHandler struct {
	inner http.Handler
	path  string
	mode  string // "drop" or "502"
	mu    sync.Mutex
	done  bool
}

func (l *lossyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	hit := !l.done && strings.HasSuffix(r.URL.Path, l.path)
	l.done = l.done || hit
	l.mu.Unlock()
	if !hit {
		l.inner.ServeHTTP(w, r)
		return
	}
	l.inner.ServeHTTP(httptest.NewRecorder(), r)
	if l.mode == "502" {
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// A write whose answer is lost is re-read before anything is resent: the create
// reports success and exactly one object exists.
func TestLostAnswerAfterWrite(t *testing.T) {
	type step struct {
		path   string
		verify string // the read that must happen before any resend
		run    func(t *testing.T, p *Provider, f *fixture)
	}
	steps := []step{
		{"user/create", "user/get", func(t *testing.T, p *Provider, f *fixture) {
			if _, err := p.Create(ctx(t), "account", "a", model.Object{"email": "new@example.com", "name": "N", "password": "p"}); err != nil {
				t.Fatal(err)
			}
			if users, _ := f.tenant.Users(); len(users) != 2 {
				t.Fatalf("%d users, want 2", len(users))
			}
		}},
		{"group/create", "group/get", func(t *testing.T, p *Provider, f *fixture) {
			if _, err := p.Create(ctx(t), "group", "g", model.Object{"email": "g@example.com", "name": "G", "members": []string{"old@example.com"}}); err != nil {
				t.Fatal(err)
			}
			if gs, _ := f.tenant.Groups(); len(gs) != 1 {
				t.Fatalf("%d groups, want 1", len(gs))
			}
		}},
		{"department/create", "department/list", func(t *testing.T, p *Provider, f *fixture) {
			r, err := p.Create(ctx(t), "department", "d", model.Object{"name": "D"})
			if err != nil {
				t.Fatal(err)
			}
			ds, _ := f.tenant.Departments()
			if len(ds) != 2 || fmt.Sprint(ds[1].ID) != r.ID {
				t.Fatalf("departments %+v, create returned id %s", ds, r.ID)
			}
		}},
		{"user/delete", "user/get", func(t *testing.T, p *Provider, f *fixture) {
			if err := p.Delete(ctx(t), "account", "old@example.com", nil); err != nil {
				t.Fatal(err)
			}
			if users, _ := f.tenant.Users(); len(users) != 0 {
				t.Fatalf("%d users, want 0", len(users))
			}
		}},
		{"group/delete", "group/get", func(t *testing.T, p *Provider, f *fixture) {
			f.tenant.CreateGroup(exmailapi.Group{GroupID: "g@example.com", GroupName: "G", UserList: []string{"old@example.com"}})
			if err := p.Delete(ctx(t), "group", "g@example.com", nil); err != nil {
				t.Fatal(err)
			}
			if gs, _ := f.tenant.Groups(); len(gs) != 0 {
				t.Fatalf("%d groups, want 0", len(gs))
			}
		}},
		{"department/delete", "department/list", func(t *testing.T, p *Provider, f *fixture) {
			id, _ := f.tenant.CreateDepartment(exmailapi.Department{Name: "D", ParentID: 1})
			if err := p.Delete(ctx(t), "department", fmt.Sprint(id), nil); err != nil {
				t.Fatal(err)
			}
			if ds, _ := f.tenant.Departments(); len(ds) != 1 {
				t.Fatalf("%d departments, want the root alone", len(ds))
			}
		}},
		{"user/update", "user/get", func(t *testing.T, p *Provider, f *fixture) {
			prior := model.Object{"email": "old@example.com", "name": "Old"}
			if _, err := p.Update(ctx(t), "account", "old@example.com", prior, model.Object{"email": "old@example.com", "name": "New"}); err != nil {
				t.Fatal(err)
			}
			if u, _, _ := f.tenant.User("old@example.com"); u.Name != "New" {
				t.Fatalf("name %q", u.Name)
			}
		}},
	}
	for _, s := range steps {
		for _, mode := range []string{"drop", "502"} {
			t.Run(s.path+"/"+mode, func(t *testing.T) {
				f := &fixture{tenant: exmailapi.NewMemTenant(), count: &exmailapi.Counters{}}
				h := &lossyHandler{path: s.path, mode: mode, inner: exmailapi.NewHandler(f.tenant, exmailapi.Options{
					CorpID: testCorp, Secrets: map[string]string{exmailapi.AppContacts: testContacts}, Counters: f.count})}
				srv := httptest.NewServer(h)
				defer srv.Close()
				c, err := NewClient(Config{Endpoint: srv.URL + "/cgi-bin/", CorpID: testCorp, ContactsSecret: testContacts,
					RateLimit: 1000, BackoffBase: time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				f.client = c
				f.seedUser(t, exmailapi.User{UserID: "old@example.com", Name: "Old", Password: "x"})
				s.run(t, NewWithClient(c), f)
				if !h.done {
					t.Fatal("the answer was never lost; the test proves nothing")
				}
				if f.count.Get(s.verify) == 0 {
					t.Fatalf("no %s re-read after the lost answer: %v", s.verify, f.count.Snapshot())
				}
			})
		}
	}
}
