package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// recordingProvider is a batchProvider that remembers what every Update and Create sent.
type recordingProvider struct {
	*batchProvider
	sentMu sync.Mutex
	sent   []model.Object
}

func (p *recordingProvider) Update(ctx context.Context, typ, id string, before, o model.Object) (providers.Remote, error) {
	p.sentMu.Lock()
	p.sent = append(p.sent, o.Clone())
	p.sentMu.Unlock()
	return p.batchProvider.Update(ctx, typ, id, before, o)
}

func (p *recordingProvider) Create(ctx context.Context, typ, label string, o model.Object) (providers.Remote, error) {
	p.sentMu.Lock()
	p.sent = append(p.sent, o.Clone())
	p.sentMu.Unlock()
	return p.batchProvider.Create(ctx, typ, label, o)
}

const adoptConfig = `
domain "d" { name = "example.com" }
account "alice" {
  email    = "alice@example.com"
  name     = "Alice"
  password = "Configured-Passw0rd"
}
`

// adoptRun plans against p and the state at path (optionally through a saved plan
// file) and applies the plan.
func adoptRun(t *testing.T, src string, p providers.Provider, path string, viaFile bool) *Plan {
	t.Helper()
	dir := filepath.Dir(path)
	cfg, diags := schema.LoadSources(dir, map[string][]byte{"main.mf.hcl": []byte(src)})
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
	applied := plan
	if viaFile {
		// The plan file withholds the literal password: apply reads main.mf.hcl.
		if err := os.WriteFile(filepath.Join(dir, "main.mf.hcl"), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		pf := filepath.Join(dir, "p.mfplan")
		if err := WritePlanFile(pf, plan, cfg, nil); err != nil {
			t.Fatal(err)
		}
		if applied, cfg, _, err = ReadPlanFile(pf, dir); err != nil {
			t.Fatal(err)
		}
	}
	w := state.NewWriter(b, st)
	err = Apply(context.Background(), applied, ApplyOptions{Config: cfg, Providers: ps, Writer: w, Now: time.Now()})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return plan
}

// An adopted account's password is unknown: adoption (a lost create, an export round
// trip, a new backend) records the configured value as the baseline and never sets
// it; only a later change in the configuration does.
func TestAdoptionNeverResetsPassword(t *testing.T) {
	for _, tt := range []struct {
		name     string
		liveName string // the live account's name: "Alice" needs no update
		pending  bool   // state holds the intent of a create whose outcome was lost
		viaFile  bool
	}{
		{name: "adopt unchanged", liveName: "Alice"},
		{name: "adopt with an update", liveName: "Alice Old"},
		{name: "crash recovery", liveName: "Alice", pending: true},
		{name: "adopt with an update from a plan file", liveName: "Alice Old", viaFile: true},
		{name: "adopt unchanged from a plan file", liveName: "Alice", viaFile: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &recordingProvider{batchProvider: newBatchProvider()}
			p.put("domain", "example.com", model.Object{"name": "example.com"})
			p.put("account", "alice@example.com", model.Object{"email": "alice@example.com", "name": tt.liveName, "status": "active"})
			path := filepath.Join(t.TempDir(), "mailform.state")
			if tt.pending {
				b := state.NewLocal(path)
				st, _ := b.Load()
				st.Set(&state.Resource{Address: "account.alice", Type: "account", Provider: "sandbox", Pending: "create", MatchKey: "alice@example.com"})
				if err := b.Save(st); err != nil {
					t.Fatal(err)
				}
			}
			plan := adoptRun(t, adoptConfig, p, path, tt.viaFile)
			c := find(plan, "account.alice")
			if !c.Adopt || !slices.Equal(c.Baseline, []string{"password"}) || changesAttr(c, "password") {
				t.Fatalf("plan: adopt=%v baseline=%v attrs=%+v; want adopt with the password as baseline, not changed", c.Adopt, c.Baseline, c.Attrs)
			}
			for _, o := range p.sent {
				if _, ok := o["password"]; ok {
					t.Errorf("apply sent a password to the provider: %v", o)
				}
			}
			if tt.liveName != "Alice" && len(p.sent) != 1 {
				t.Errorf("sent %d objects, want the one name update", len(p.sent))
			}
			st, err := state.NewLocal(path).Load()
			if err != nil {
				t.Fatal(err)
			}
			if h := st.Find("account.alice").Attrs.Str("password"); !state.SecretMatches(h, "Configured-Passw0rd") {
				t.Errorf("state password = %q, want the configured value's hash as the baseline", h)
			}
			p.sent = nil
			if again := adoptRun(t, adoptConfig, p, path, false); again.HasChanges() {
				t.Errorf("the plan after adoption is not empty: %v", changed(again))
			}
			if len(p.sent) != 0 {
				t.Errorf("the second apply sent %v", p.sent)
			}
			// Changing the password in the configuration sets it.
			next := adoptRun(t, strings.Replace(adoptConfig, "Configured-Passw0rd", "Changed-Passw0rd", 1), p, path, false)
			if got := strings.Join(changed(next), ";"); got != "update account.alice password" {
				t.Errorf("after a configuration change: %q, want a password update", got)
			}
			if len(p.sent) != 1 || p.sent[0].Str("password") != "Changed-Passw0rd" {
				t.Errorf("sent %v, want the changed password", p.sent)
			}
		})
	}
}

// import records the configured password as the baseline too.
func TestImportObjectRecordsPasswordBaseline(t *testing.T) {
	cfg, diags := schema.LoadSources(t.TempDir(), map[string][]byte{"main.mf.hcl": []byte(adoptConfig)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p := newBatchProvider()
	p.put("domain", "example.com", model.Object{"name": "example.com"})
	p.put("account", "alice@example.com", model.Object{"email": "alice@example.com", "name": "Alice", "status": "active"})
	ps := oneProvider("sandbox", p)
	st := state.New()
	r, diags := ImportObject(context.Background(), ImportOptions{Config: cfg, State: st, Providers: ps, Address: "account.alice", ID: "alice@example.com", Now: time.Now()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if h := r.Attrs.Str("password"); !state.SecretMatches(h, "Configured-Passw0rd") {
		t.Fatalf("imported password = %q, want the configured value's hash", h)
	}
	st.Set(r)
	plan, diags := MakePlan(context.Background(), Options{Config: cfg, State: st, Providers: ps, Refresh: true, Now: time.Now()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if c := find(plan, "account.alice"); c.Action != NoOp || c.Adopt {
		t.Errorf("plan after import: %v", changed(plan))
	}
}

// A password hash of an earlier build (salted SHA-256) is stored again as argon2id by
// the next apply, in state only: no password change is planned or sent.
func TestLegacyPasswordHashUpgraded(t *testing.T) {
	p := &recordingProvider{batchProvider: newBatchProvider()}
	path := filepath.Join(t.TempDir(), "mailform.state")
	adoptRun(t, adoptConfig, p, path, false)
	b := state.NewLocal(path)
	st, err := b.Load()
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("0123456789abcdef")
	sum := sha256.Sum256(append(append([]byte(nil), salt...), "Configured-Passw0rd"...))
	legacy := "sha256:" + hex.EncodeToString(salt) + ":" + hex.EncodeToString(sum[:])
	r := st.Find("account.alice").Clone()
	r.Attrs["password"] = legacy
	st.Set(r)
	if err := b.Save(st); err != nil {
		t.Fatal(err)
	}
	p.sent = nil
	for _, viaFile := range []bool{true, false} {
		plan := adoptRun(t, adoptConfig, p, path, viaFile)
		c := find(plan, "account.alice")
		if viaFile {
			if c.Action != NoOp || changesAttr(c, "password") || !slices.Equal(c.Rehash, []string{"password"}) {
				t.Fatalf("plan with a legacy hash: %+v, want a state-only rehash of the password", c)
			}
		} else if plan.HasChanges() {
			t.Fatalf("the plan after the upgrade is not empty: %v", changed(plan))
		}
	}
	if len(p.sent) != 0 {
		t.Errorf("the upgrade sent %v to the provider", p.sent)
	}
	st, err = b.Load()
	if err != nil {
		t.Fatal(err)
	}
	h := st.Find("account.alice").Attrs.Str("password")
	if !strings.HasPrefix(h, "argon2id:") || !state.SecretMatches(h, "Configured-Passw0rd") {
		t.Errorf("stored hash after the upgrade = %q, want an argon2id hash of the configured password", h)
	}
}

// updateOutcome makes every Update block until its context ends (an abandoned call)
// or fail at once (a refusal).
type updateOutcome struct {
	*batchProvider
	refuse  bool
	started chan struct{}
}

func (p *updateOutcome) Update(ctx context.Context, typ, id string, before, o model.Object) (providers.Remote, error) {
	if p.refuse {
		return providers.Remote{}, errors.New("password too weak")
	}
	close(p.started)
	<-ctx.Done()
	return providers.Remote{}, ctx.Err()
}

// A password update abandoned in flight (second Ctrl-C, or a crash) leaves the new
// value's hash in state: the next plan does not send it again. A refused one leaves
// the old hash: the next plan still sets the password.
func TestPasswordUpdateIntent(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		p := &updateOutcome{batchProvider: newBatchProvider(), refuse: refuse, started: make(chan struct{})}
		path := filepath.Join(t.TempDir(), "mailform.state")
		adoptRun(t, adoptConfig, p, path, false) // creates alice
		changedCfg := strings.Replace(adoptConfig, "Configured-Passw0rd", "Changed-Passw0rd", 1)
		cfg, _ := schema.LoadSources(filepath.Dir(path), map[string][]byte{"main.mf.hcl": []byte(changedCfg)})
		ps := &ProviderSet{ByName: map[string]providers.Provider{"sandbox": p}, kinds: map[string]string{"sandbox": "sandbox"}, names: []string{"sandbox"}}
		b := state.NewLocal(path)
		st, _ := b.Load()
		plan, diags := MakePlan(context.Background(), Options{Config: cfg, State: st, Providers: ps, Refresh: true, Now: time.Now()})
		if diags.HasErrors() || strings.Join(changed(plan), ";") != "update account.alice password" {
			t.Fatalf("plan: %v %v", changed(plan), diags)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if !refuse {
			go func() { <-p.started; cancel() }()
		}
		w := state.NewWriter(b, st)
		err := Apply(ctx, plan, ApplyOptions{Config: cfg, Providers: ps, Writer: w, Now: time.Now()})
		cancel()
		w.Close()
		if err == nil {
			t.Fatal("the update did not fail")
		}
		st, _ = b.Load()
		h := st.Find("account.alice").Attrs.Str("password")
		if got := state.SecretMatches(h, "Changed-Passw0rd"); got == refuse {
			t.Errorf("refused=%v: state holds the new password's hash: %v", refuse, got)
		}
		if refuse && !state.SecretMatches(h, "Configured-Passw0rd") {
			t.Error("a refused update lost the old hash")
		}
	}
}

// An update of another attribute upgrades an old-scheme hash too, without sending
// the password.
func TestLegacyHashUpgradedByAnUpdate(t *testing.T) {
	p := &recordingProvider{batchProvider: newBatchProvider()}
	path := filepath.Join(t.TempDir(), "mailform.state")
	adoptRun(t, adoptConfig, p, path, false)
	b := state.NewLocal(path)
	st, _ := b.Load()
	salt := []byte("0123456789abcdef")
	sum := sha256.Sum256(append(append([]byte(nil), salt...), "Configured-Passw0rd"...))
	r := st.Find("account.alice").Clone()
	r.Attrs["password"] = "sha256:" + hex.EncodeToString(salt) + ":" + hex.EncodeToString(sum[:])
	st.Set(r)
	if err := b.Save(st); err != nil {
		t.Fatal(err)
	}
	p.sent = nil
	plan := adoptRun(t, strings.Replace(adoptConfig, `"Alice"`, `"Alice A."`, 1), p, path, false)
	if got := strings.Join(changed(plan), ";"); got != "update account.alice name" {
		t.Fatalf("plan: %q", got)
	}
	if len(p.sent) != 1 || p.sent[0]["password"] != nil {
		t.Errorf("sent %v, want the name only", p.sent)
	}
	st, _ = b.Load()
	if h := st.Find("account.alice").Attrs.Str("password"); !strings.HasPrefix(h, "argon2id:") || !state.SecretMatches(h, "Configured-Passw0rd") {
		t.Errorf("hash after the update = %q, want argon2id", h)
	}
}

// The examples ignore changes of the initial password; its old, fast hash is
// upgraded all the same.
func TestLegacyHashUpgradedWhenIgnored(t *testing.T) {
	cfg := strings.Replace(adoptConfig, `password = "Configured-Passw0rd"`, `password = "Configured-Passw0rd"
  lifecycle { ignore_changes = [password] }`, 1)
	p := &recordingProvider{batchProvider: newBatchProvider()}
	path := filepath.Join(t.TempDir(), "mailform.state")
	adoptRun(t, cfg, p, path, false)
	b := state.NewLocal(path)
	st, _ := b.Load()
	salt := []byte("0123456789abcdef")
	sum := sha256.Sum256(append(append([]byte(nil), salt...), "Configured-Passw0rd"...))
	r := st.Find("account.alice").Clone()
	r.Attrs["password"] = "sha256:" + hex.EncodeToString(salt) + ":" + hex.EncodeToString(sum[:])
	st.Set(r)
	if err := b.Save(st); err != nil {
		t.Fatal(err)
	}
	if c := find(adoptRun(t, cfg, p, path, false), "account.alice"); !slices.Equal(c.Rehash, []string{"password"}) || c.Action != NoOp {
		t.Fatalf("plan: %+v", c)
	}
	st, _ = b.Load()
	if h := st.Find("account.alice").Attrs.Str("password"); !strings.HasPrefix(h, "argon2id:") {
		t.Errorf("hash = %q, want argon2id", h)
	}
}
