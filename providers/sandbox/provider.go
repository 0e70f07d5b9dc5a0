// Package sandbox is the `sandbox` provider: every resource type of mailform served
// from an embedded tenant kept in a local directory (package tenant), so examples and
// tests need no credentials. The same directory can be served over an Exmail-style
// HTTP API and as an authoritative DNS server (package dnsserver) by `mailform
// sandbox serve`.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// Kind is the provider block label.
const Kind = "sandbox"

// DefaultDir is where the tenant lives, relative to the configuration directory.
const DefaultDir = ".sandbox"

var registerOnce sync.Once

// Register adds the sandbox kind to the provider registry; calling it again is harmless.
func Register() {
	registerOnce.Do(func() { providers.Register(Factory()) })
}

// Factory returns the factory of sandbox providers.
func Factory() *providers.Factory {
	return &providers.Factory{
		Kind: Kind,
		Config: []*model.Attr{
			{Name: "dir", Kind: model.KindString, Default: DefaultDir, Doc: "directory of the sandbox tenant, relative to the configuration directory"},
			{Name: "lock_timeout", Kind: model.KindInt, Default: int64(tenant.DefaultLockTimeout / time.Second), Doc: "seconds to wait for another process using the directory"},
		},
		Types: model.TypeNames(),
		New:   New,
	}
}

// Provider serves every resource type from a sandbox tenant. The directory is opened
// on first use and released by Close.
type Provider struct {
	dir     string
	timeout time.Duration

	mu    sync.Mutex
	store *tenant.Store
	// locked is the error of an open that timed out waiting for another process: a
	// plan reads several types, and each waiting the whole lock timeout again made a
	// plan beside `mailform sandbox serve` take one timeout per type to fail.
	locked error
}

// New makes a sandbox provider from its provider block (dir, lock_timeout).
func New(cfg model.Object, env providers.Env) (providers.Provider, error) {
	dir := cfg.Str("dir")
	if dir == "" {
		dir = DefaultDir
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(env.Dir, dir)
	}
	timeout := tenant.DefaultLockTimeout
	if s, ok := cfg["lock_timeout"].(int64); ok {
		if s < 0 {
			return nil, fmt.Errorf("provider sandbox: lock_timeout %d must not be negative", s)
		}
		timeout = time.Duration(s) * time.Second
	}
	return &Provider{dir: dir, timeout: timeout}, nil
}

// Store opens the tenant directory if it is not open yet and returns it.
func (p *Provider) Store() (*tenant.Store, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.store != nil {
		return p.store, nil
	}
	if p.locked != nil {
		return nil, p.locked
	}
	s, err := tenant.Open(p.dir, tenant.Options{LockTimeout: p.timeout})
	if err != nil {
		if errors.Is(err, tenant.ErrLocked) {
			p.locked = err
		}
		return nil, err
	}
	p.store = s
	return s, nil
}

// Supports reports every resource type and all its attributes.
func (p *Provider) Supports(typ string) ([]string, bool) {
	t := model.Lookup(typ)
	if t == nil {
		return nil, false
	}
	return t.AttrNames(), true
}

// Read returns the whole collection of req.Type in one store transaction; for
// dns_record only the RRsets of req.Zones (all zones when empty).
func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	s, err := p.begin(ctx)
	if err != nil {
		return nil, err
	}
	items, err := s.List(req.Type)
	if err != nil {
		return nil, fmt.Errorf("sandbox: reading %s: %w", req.Type, err)
	}
	zones := map[string]bool{}
	for _, z := range req.Zones {
		zones[model.CanonicalDomain(z)] = true
	}
	out := make([]providers.Remote, 0, len(items))
	for _, it := range items {
		if req.Type == model.DNSRecord.Name && len(zones) > 0 && !zones[it.Attrs.Str("zone")] {
			continue
		}
		out = append(out, providers.Remote{ID: it.ID, Attrs: it.Attrs})
	}
	return out, nil
}

// Create stores a new object; label names send_restriction and backup_rule objects.
func (p *Provider) Create(ctx context.Context, typ, label string, desired model.Object) (providers.Remote, error) {
	s, err := p.begin(ctx)
	if err != nil {
		return providers.Remote{}, err
	}
	it, err := s.Create(typ, label, desired)
	if err != nil {
		return providers.Remote{}, fmt.Errorf("sandbox: creating %s: %w", typ, err)
	}
	return providers.Remote{ID: it.ID, Attrs: it.Attrs}, nil
}

// Update replaces the object; for dns_record it first checks the RRset still holds
// prior and otherwise fails with providers.ErrChangedSincePlan.
func (p *Provider) Update(ctx context.Context, typ, id string, prior, desired model.Object) (providers.Remote, error) {
	s, err := p.begin(ctx)
	if err != nil {
		return providers.Remote{}, err
	}
	it, err := s.UpdateIf(typ, id, checked(typ, prior), desired)
	if err != nil {
		return providers.Remote{}, fmt.Errorf("sandbox: updating %s: %w", typ, err)
	}
	return providers.Remote{ID: it.ID, Attrs: it.Attrs}, nil
}

// Delete removes the object; for dns_record only while it still holds prior.
func (p *Provider) Delete(ctx context.Context, typ, id string, prior model.Object) error {
	s, err := p.begin(ctx)
	if err != nil {
		return err
	}
	if err := s.DeleteIf(typ, id, checked(typ, prior)); err != nil {
		return fmt.Errorf("sandbox: deleting %s: %w", typ, err)
	}
	return nil
}

// ApplyBatch applies dns_record changes in one transaction (all or none, as one RFC
// 2136 UPDATE would); other types are applied one change at a time.
func (p *Provider) ApplyBatch(ctx context.Context, typ string, changes []providers.Change) []providers.Result {
	results := make([]providers.Result, len(changes))
	s, err := p.begin(ctx)
	if err != nil {
		for i := range results {
			results[i].Err = err
		}
		return results
	}
	if typ != model.DNSRecord.Name {
		for i, c := range changes {
			results[i] = p.applyOne(ctx, typ, c)
		}
		return results
	}
	failed := -1
	err = s.Batch(func(tx *tenant.Tx) error {
		for i, c := range changes {
			var it tenant.Item
			var err error
			switch c.Op {
			case providers.OpCreate:
				it, err = tx.Create(typ, c.Label, c.Desired)
			case providers.OpUpdate:
				it, err = tx.UpdateIf(typ, c.ID, c.Prior, c.Desired)
			case providers.OpDelete:
				err = tx.DeleteIf(typ, c.ID, c.Prior)
			}
			if err != nil {
				failed = i
				return err
			}
			results[i].Remote = providers.Remote{ID: it.ID, Attrs: it.Attrs}
		}
		return nil
	})
	if err != nil {
		for i, c := range changes {
			results[i] = providers.Result{Err: fmt.Errorf("sandbox: %s of %s %s not applied: the batch failed: %w", c.Op, typ, changeName(c), err)}
		}
		if failed >= 0 {
			results[failed].Err = fmt.Errorf("sandbox: %s of %s %s: %w", changes[failed].Op, typ, changeName(changes[failed]), err)
		}
	}
	return results
}

func (p *Provider) applyOne(ctx context.Context, typ string, c providers.Change) providers.Result {
	var r providers.Result
	switch c.Op {
	case providers.OpCreate:
		r.Remote, r.Err = p.Create(ctx, typ, c.Label, c.Desired)
	case providers.OpUpdate:
		r.Remote, r.Err = p.Update(ctx, typ, c.ID, c.Prior, c.Desired)
	case providers.OpDelete:
		r.Err = p.Delete(ctx, typ, c.ID, c.Prior)
	default:
		r.Err = fmt.Errorf("sandbox: unknown change %v", c.Op)
	}
	return r
}

func changeName(c providers.Change) string {
	if c.ID != "" {
		return c.ID
	}
	if k := model.DNSRecord.MatchKey(c.Label, c.Desired); k != "" {
		return k
	}
	return c.Label
}

// Close releases the sandbox directory.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.locked = nil
	if p.store == nil {
		return nil
	}
	err := p.store.Close()
	p.store = nil
	return err
}

func (p *Provider) begin(ctx context.Context) (*tenant.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := p.Store()
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return s, nil
}

// checked returns the prior a write must find: RRsets are compared (as an RFC 2136
// server's prerequisites would); other types are last-writer-wins, like the Exmail API.
func checked(typ string, prior model.Object) model.Object {
	if typ == model.DNSRecord.Name {
		return prior
	}
	return nil
}

var (
	_ providers.Provider = (*Provider)(nil)
	_ providers.Batcher  = (*Provider)(nil)
)
