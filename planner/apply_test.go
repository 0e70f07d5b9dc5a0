package planner

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// batchProvider is a writable in-memory provider that applies dns_record changes
// only through ApplyBatch and fails the changes named in failLabels.
type batchProvider struct {
	mu         sync.Mutex
	objs       map[string]map[string]model.Object
	batches    [][]providers.Change
	singles    int
	failLabels map[string]bool
}

func newBatchProvider() *batchProvider {
	return &batchProvider{objs: map[string]map[string]model.Object{}, failLabels: map[string]bool{}}
}

func (p *batchProvider) Supports(typ string) ([]string, bool) {
	t := model.Lookup(typ)
	if t == nil {
		return nil, false
	}
	return t.AttrNames(), true
}

func (p *batchProvider) Read(_ context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []providers.Remote
	for id, o := range p.objs[req.Type] {
		out = append(out, providers.Remote{ID: id, Attrs: o.Clone()})
	}
	return out, nil
}

func (p *batchProvider) put(typ, id string, o model.Object) {
	if p.objs[typ] == nil {
		p.objs[typ] = map[string]model.Object{}
	}
	p.objs[typ][id] = o.Clone()
}

func (p *batchProvider) Create(_ context.Context, typ, label string, o model.Object) (providers.Remote, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.singles++
	id := model.Lookup(typ).MatchKey(label, o)
	p.put(typ, id, o)
	return providers.Remote{ID: id, Attrs: o}, nil
}

func (p *batchProvider) Update(_ context.Context, typ, id string, _, o model.Object) (providers.Remote, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.singles++
	p.put(typ, id, o)
	return providers.Remote{ID: id, Attrs: o}, nil
}

func (p *batchProvider) Delete(_ context.Context, typ, id string, _ model.Object) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.singles++
	delete(p.objs[typ], id)
	return nil
}

func (p *batchProvider) ApplyBatch(_ context.Context, typ string, cs []providers.Change) []providers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.batches = append(p.batches, cs)
	out := make([]providers.Result, len(cs))
	for i, c := range cs {
		if c.Op == providers.OpCreate && p.failLabels[c.Label] {
			out[i].Err = errors.New("refused by the server")
			continue
		}
		switch c.Op {
		case providers.OpDelete:
			delete(p.objs[typ], c.ID)
		case providers.OpCreate:
			id := model.Lookup(typ).MatchKey(c.Label, c.Desired)
			p.put(typ, id, c.Desired)
			out[i].Remote = providers.Remote{ID: id}
		case providers.OpUpdate:
			p.put(typ, c.ID, c.Desired)
			out[i].Remote = providers.Remote{ID: c.ID}
		}
	}
	return out
}

func (p *batchProvider) Close() error { return nil }

const batchConfig = `
domain "corp" { name = "example.com" }
dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}
dns_record "spf" {
  zone    = "example.com"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}
dns_record "www" {
  zone    = "example.com"
  name    = "www"
  type    = "A"
  records = ["192.0.2.1"]
}
`

// planAndApply plans src against p and the state at path, then applies the plan.
func planAndApply(t *testing.T, src string, p providers.Provider, path string) (*Plan, error) {
	t.Helper()
	cfg, diags := schema.LoadSources(filepath.Dir(path), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	b := state.NewLocal(path)
	st, err := b.Load()
	if err != nil {
		t.Fatal(err)
	}
	plan, diags := MakePlan(context.Background(), Options{Config: cfg, State: st, Providers: ps, Refresh: true, Now: time.Now()})
	if diags.HasErrors() {
		t.Fatalf("plan: %s", diags.Error())
	}
	return plan, Apply(context.Background(), plan, ApplyOptions{Config: cfg, Providers: ps, Writer: state.NewWriter(b, st), Now: time.Now()})
}

// DNS changes of a Batcher provider go out in one call, and each outcome is recorded.
func TestApplyBatchesDNSChanges(t *testing.T) {
	p := newBatchProvider()
	path := filepath.Join(t.TempDir(), "mailform.state")
	if _, err := planAndApply(t, batchConfig, p, path); err != nil {
		t.Fatal(err)
	}
	if len(p.batches) != 1 || len(p.batches[0]) != 3 {
		t.Fatalf("batches = %d (sizes %v), want one batch of the 3 RRsets", len(p.batches), batchSizes(p.batches))
	}
	if p.singles != 1 {
		t.Errorf("single calls = %d, want 1 (the domain)", p.singles)
	}
	st, _ := state.NewLocal(path).Load()
	if got := strings.Join(st.Addresses(), " "); got != "dns_record.mx dns_record.spf dns_record.www domain.corp" {
		t.Errorf("state = %s", got)
	}
	// A change to two RRsets and a delete of the third: creates/updates in one batch,
	// the delete in another, and a converged plan afterwards.
	src := strings.Replace(batchConfig, `"192.0.2.1"`, `"192.0.2.2"`, 1)
	src = strings.Replace(src, `~all`, `-all`, 1)
	src = src[:strings.Index(src, `dns_record "mx"`)] + src[strings.Index(src, `dns_record "spf"`):]
	p.batches = nil
	if _, err := planAndApply(t, src, p, path); err != nil {
		t.Fatal(err)
	}
	if len(p.batches) != 2 {
		t.Fatalf("batches = %v, want one for the updates and one for the delete", batchSizes(p.batches))
	}
	plan, err := planAndApply(t, src, p, path)
	if err != nil || plan.HasChanges() {
		t.Fatalf("re-plan after apply: changes %v, err %v", plan.HasChanges(), err)
	}
}

// A change the provider refuses inside a batch is not recorded as applied; the
// others are.
func TestApplyBatchPartialFailure(t *testing.T) {
	p := newBatchProvider()
	p.failLabels["spf"] = true
	path := filepath.Join(t.TempDir(), "mailform.state")
	_, err := planAndApply(t, batchConfig, p, path)
	if err == nil || !strings.Contains(err.Error(), "dns_record.spf") || !strings.Contains(err.Error(), "refused by the server") {
		t.Fatalf("apply error = %v, want one naming dns_record.spf", err)
	}
	st, _ := state.NewLocal(path).Load()
	if st.Find("dns_record.spf") != nil {
		t.Error("the refused RRset is recorded in state")
	}
	if r := st.Find("dns_record.mx"); r == nil || r.ID == "" || r.Pending != "" {
		t.Errorf("dns_record.mx = %+v, want recorded with its id", r)
	}
	p.failLabels = map[string]bool{}
	plan, err := planAndApply(t, batchConfig, p, path)
	if err != nil {
		t.Fatal(err)
	}
	if add, _, _ := plan.Counts(); add != 1 {
		t.Errorf("the retry planned %d creates, want 1 (only the refused RRset)", add)
	}
}

func batchSizes(bs [][]providers.Change) []int {
	var out []int
	for _, b := range bs {
		out = append(out, len(b))
	}
	return out
}

// failingCreates fails the single creates of the labels and instance keys it names.
type failingCreates struct {
	*batchProvider
	fail map[string]bool
}

func (p *failingCreates) Create(ctx context.Context, typ, label string, o model.Object) (providers.Remote, error) {
	if p.fail[o.Str("name")] {
		return providers.Remote{}, errors.New("refused by the server")
	}
	return p.batchProvider.Create(ctx, typ, label, o)
}

// Steps that wait for a whole block wait for one barrier step; when a step of the
// block fails, each of them names that step, and the barrier adds no error of its own.
func TestApplyBlockDependencyFailure(t *testing.T) {
	src := `
domain "corp" { name = "example.com" }
department "d" {
  for_each = toset(["a", "b", "c"])
  name     = each.key
}
account "x" {
  email       = "x@example.com"
  name        = "X"
  departments = [department.d["a"].id]
}
account "y" {
  email       = "y@example.com"
  name        = "Y"
  departments = [department.d["c"].id]
}
`
	p := &failingCreates{batchProvider: newBatchProvider(), fail: map[string]bool{"b": true}}
	_, err := planAndApply(t, src, p, filepath.Join(t.TempDir(), "mailform.state"))
	if err == nil {
		t.Fatal("apply succeeded though department b failed")
	}
	lines := strings.Split(err.Error(), "\n")
	want := map[string]bool{
		`department.d["b"]: refused by the server`:                true,
		`account.x: not applied because department.d["b"] failed`: true,
		`account.y: not applied because department.d["b"] failed`: true,
	}
	if len(lines) != len(want) {
		t.Fatalf("errors:\n%s\nwant exactly:\n%v", err, want)
	}
	for _, l := range lines {
		if !want[l] {
			t.Errorf("unexpected error line %q (all: %s)", l, err)
		}
	}
	if _, ok := p.objs["department"]; !ok || len(p.objs["department"]) != 2 || len(p.objs["account"]) != 0 {
		t.Errorf("live objects after the failed apply: %v", p.objs)
	}
}

// A batched block that depends on another block of the same batch makes no loop.
func TestApplyBatchBlockDependsOnBatchedBlock(t *testing.T) {
	src := `
dns_record "base" {
  for_each = toset(["a", "b"])
  zone     = "example.com"
  name     = each.key
  type     = "A"
  records  = ["192.0.2.1"]
}
dns_record "alias" {
  for_each = toset(["c", "d"])
  zone     = "example.com"
  name     = each.key
  type     = "CNAME"
  records  = ["${dns_record.base["a"].name}.example.com."]
}
`
	p := newBatchProvider()
	if _, err := planAndApply(t, src, p, filepath.Join(t.TempDir(), "mailform.state")); err != nil {
		t.Fatal(err)
	}
	if len(p.batches) != 1 || len(p.batches[0]) != 4 || p.singles != 0 {
		t.Fatalf("%d batches (%v), %d single calls; want one batch of 4", len(p.batches), p.batches, p.singles)
	}
}

// blockingCreates holds its first Create until the apply's context is cancelled, then
// counts every Create it was asked for.
type blockingCreates struct {
	*batchProvider
	started chan struct{}
	once    sync.Once
	calls   int
}

func (p *blockingCreates) Create(ctx context.Context, typ, label string, o model.Object) (providers.Remote, error) {
	p.mu.Lock()
	p.calls++
	p.mu.Unlock()
	p.once.Do(func() { close(p.started) })
	<-ctx.Done()
	return providers.Remote{}, ctx.Err()
}

// After Ctrl-C no new step starts: the steps that waited for a slot neither call the
// provider nor leave create intents in state, and the error says how many did not
// start in one line instead of one per step.
func TestApplyInterruptStartsNothingNew(t *testing.T) {
	src := `
department "d" {
  for_each = toset(["a", "b", "c", "d", "e"])
  name     = each.key
}
`
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p := &blockingCreates{batchProvider: newBatchProvider(), started: make(chan struct{})}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	b := state.NewLocal(filepath.Join(t.TempDir(), "mailform.state"))
	st, err := b.Load()
	if err != nil {
		t.Fatal(err)
	}
	plan, diags := MakePlan(context.Background(), Options{Config: cfg, State: st, Providers: ps, Refresh: true, Now: time.Now()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-p.started; cancel() }()
	var mu sync.Mutex
	starts := 0
	w := state.NewWriter(b, st)
	err = Apply(ctx, plan, ApplyOptions{Config: cfg, Providers: ps, Writer: w, Parallelism: 1, Now: time.Now(),
		Progress: func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			if !e.Done {
				starts++
			}
		}})
	if cerr := w.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if p.calls != 1 || starts != 1 {
		t.Errorf("provider creates = %d, started steps = %d after the interrupt, want 1 and 1", p.calls, starts)
	}
	if err == nil {
		t.Fatal("an interrupted apply returned no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "context canceled") || lines[1] != "interrupted: 4 steps were not started; run plan again to see what is left" {
		t.Errorf("errors:\n%s\nwant the in-flight step's error and one line for the 4 not started", err)
	}
	after, err := b.Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(after.Addresses()); n != 1 {
		t.Errorf("state holds %d entries (%v), want only the in-flight create's intent", n, after.Addresses())
	}
}

// panickingCreates panics in the Create of the department named "b".
type panickingCreates struct{ *batchProvider }

func (p *panickingCreates) Create(ctx context.Context, typ, label string, o model.Object) (providers.Remote, error) {
	if o.Str("name") == "b" {
		var m map[string]int
		m["boom"]++ // a real bug
	}
	return p.batchProvider.Create(ctx, typ, label, o)
}

// A bug in one step fails that step like an API error, with a crash report: the
// other steps complete and are recorded, and the process does not die.
func TestApplyStepPanicIsAnError(t *testing.T) {
	t.Setenv("MAILFORM_CRASH_DIR", t.TempDir())
	src := `
department "d" {
  for_each = toset(["a", "b", "c"])
  name     = each.key
}
`
	p := &panickingCreates{newBatchProvider()}
	path := filepath.Join(t.TempDir(), "mailform.state")
	_, err := planAndApply(t, src, p, path)
	if err == nil || !strings.Contains(err.Error(), `department.d["b"]: internal error (a bug in mailform): assignment to entry in nil map; a crash report was written to `) {
		t.Fatalf("apply error = %v, want the step's internal error with its crash report", err)
	}
	st, lerr := state.NewLocal(path).Load()
	if lerr != nil {
		t.Fatal(lerr)
	}
	for _, a := range []string{`department.d["a"]`, `department.d["c"]`} {
		if r := st.Find(a); r == nil || r.ID == "" {
			t.Errorf("%s was not recorded after another step crashed", a)
		}
	}
}

// gatedCreates holds each Create until gate closes, honouring its context.
type gatedCreates struct {
	*batchProvider
	started chan struct{}
	gate    chan struct{}
	once    sync.Once
}

func (p *gatedCreates) Create(ctx context.Context, typ, label string, o model.Object) (providers.Remote, error) {
	p.once.Do(func() { close(p.started) })
	select {
	case <-p.gate:
	case <-ctx.Done():
		return providers.Remote{}, ctx.Err()
	}
	return p.batchProvider.Create(ctx, typ, label, o)
}

// Stop (the first Ctrl-C) starts nothing new but lets the call in flight finish with
// a live context, and records it.
func TestApplyStopLetsInFlightFinish(t *testing.T) {
	src := `
department "d" {
  for_each = toset(["a", "b", "c"])
  name     = each.key
}
`
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p := &gatedCreates{batchProvider: newBatchProvider(), started: make(chan struct{}), gate: make(chan struct{})}
	ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
	b := state.NewLocal(filepath.Join(t.TempDir(), "mailform.state"))
	st, _ := b.Load()
	plan, diags := MakePlan(context.Background(), Options{Config: cfg, State: st, Providers: ps, Refresh: true, Now: time.Now()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	stop, cancel := context.WithCancel(context.Background())
	go func() {
		<-p.started
		cancel()
		time.Sleep(50 * time.Millisecond)
		close(p.gate)
	}()
	w := state.NewWriter(b, st)
	err := Apply(context.Background(), plan, ApplyOptions{Config: cfg, Providers: ps, Writer: w, Parallelism: 1, Now: time.Now(), Stop: stop})
	if cerr := w.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if err == nil || strings.Contains(err.Error(), "canceled") || !strings.Contains(err.Error(), "interrupted: 2 steps were not started") {
		t.Errorf("apply error = %v, want only the two steps not started", err)
	}
	after, _ := b.Load()
	n := 0
	for _, r := range after.Resources {
		if r.ID != "" && r.Pending == "" {
			n++
		}
	}
	if n != 1 || len(p.objs["department"]) != 1 {
		t.Errorf("recorded %d, created %d; want the one in flight finished and recorded", n, len(p.objs["department"]))
	}
}
