// Package providers defines the Provider interface between the planner and the APIs
// that hold live objects, and the registry of provider kinds. A provider is a thin
// translation between the canonical model (package model) and one API; the planner
// never knows which API it talks to.
package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/mailform/mailform/model"
)

// Remote is one live object as a provider reads it.
type Remote struct {
	// ID names the object for the provider: an address, a department id, an RRset key.
	ID string
	// Attrs holds the attributes the provider can read, in any form; the planner
	// canonicalises them.
	Attrs model.Object
	// Notes are facts about the live object that its attributes do not show, such as
	// a DNS record paused in the console (it exists but answers no queries). Drift
	// reports them; they are never compared or stored.
	Notes []string
}

// ReadRequest asks for the whole collection of one resource type.
type ReadRequest struct {
	Type string
	// Keys lists the natural keys (model.Type.MatchKey) and ids that configuration and
	// state know, for providers that cannot list a type (Exmail groups are read one by
	// one). Providers that can list everything ignore it.
	Keys []string
	// Zones lists the DNS zones to read for dns_record (canonical, no trailing dot).
	Zones []string
	// Detail lists the keys of objects whose optional, expensive attributes must be
	// read (Exmail user options); nil means none.
	Detail map[string]bool
	// Applied holds, by provider id, the attributes state recorded when mailform
	// last wrote each object; nil when there is no state (export). A provider whose
	// API is documented to store some written values differently (Exmail may reset a
	// department order of 1–10000 to 0) reports the written value when the live one
	// is exactly that rewrite, so a known rewrite is not shown as drift forever. The
	// objects are state's own: read them, never modify them.
	Applied map[string]model.Object
}

// Provider manages live objects of one or more resource types.
type Provider interface {
	// Supports returns the attributes of resource type typ that the provider can
	// manage, and false when it cannot manage the type at all.
	Supports(typ string) (attrs []string, ok bool)
	// Read returns every live object of the requested type in as few API calls as the
	// API allows (one AXFR per zone, one user/list per tenant).
	Read(ctx context.Context, req ReadRequest) ([]Remote, error)
	// Create makes a new object. label is the resource instance name, used as identity
	// by label-identity types (send_restriction, backup_rule).
	Create(ctx context.Context, typ, label string, desired model.Object) (Remote, error)
	// Update changes an object in place. prior is what the plan saw live, so a provider
	// that can (RFC 2136 prerequisites) refuses when the object changed since.
	Update(ctx context.Context, typ, id string, prior, desired model.Object) (Remote, error)
	// Delete removes an object; prior is what the plan saw live.
	Delete(ctx context.Context, typ, id string, prior model.Object) error
	// Close releases connections and locks.
	Close() error
}

// ObjectReader is implemented by providers that can read a few objects by id for
// less than their whole collection costs (Exmail: one user/get per account instead
// of a user/list of the tenant). Apply of a saved plan uses it to check, just before
// changing an object, that it still holds what the plan saw.
type ObjectReader interface {
	// ReadObjects returns the live objects of req.Type whose ids are in req.Keys,
	// with the optional attributes of those in req.Detail; an id with no live
	// object is left out.
	ReadObjects(ctx context.Context, req ReadRequest) ([]Remote, error)
}

// ErrChangedSincePlan is returned (wrapped) when a live object no longer holds what
// the plan saw.
var ErrChangedSincePlan = errors.New("changed since plan; run plan again")

// ErrNotFound is returned (wrapped) by Update or Delete when the object is gone.
var ErrNotFound = errors.New("object not found")

// Env is what every provider instance gets besides its own configuration.
type Env struct {
	// Dir is the configuration directory; relative paths resolve against it.
	Dir string
	// Log receives debug lines (MAILFORM_LOG=debug); secrets must be redacted.
	Log io.Writer
	// Progress receives one line when a call waits or retries for longer than a few
	// seconds, so a terminal or CI log is never silent; nil means none.
	Progress io.Writer
	// Now returns the current time; tests and rehearsals set it (MAILFORM_NOW).
	Now func() time.Time
	// Offline is set when the provider is made only to validate a configuration: it
	// will never be called, so missing credentials are not an error yet (they are at
	// plan time). OfflineSecret is what such a provider may use in their place.
	Offline bool
}

// OfflineSecret stands in for a credential that validate does not need (valid base64).
const OfflineSecret = "b2ZmbGluZQ=="

// OrOffline returns v, or OfflineSecret when v is empty and env is offline.
func (env Env) OrOffline(v string) string {
	if v == "" && env.Offline {
		return OfflineSecret
	}
	return v
}

// Factory makes providers of one kind.
type Factory struct {
	// Kind is the provider block label: sandbox, exmail, rfc2136, dnspod.
	Kind string
	// Config describes the attributes of the provider block.
	Config []*model.Attr
	// Types lists the resource types this kind can serve.
	Types []string
	// New makes a provider from its decoded configuration.
	New func(cfg model.Object, env Env) (Provider, error)
}

var registry = map[string]*Factory{}

// Register adds a provider kind. It panics on a duplicate kind.
func Register(f *Factory) {
	if _, dup := registry[f.Kind]; dup {
		panic(fmt.Sprintf("provider kind %q registered twice", f.Kind))
	}
	registry[f.Kind] = f
}

// Lookup returns the factory of a provider kind, or nil.
func Lookup(kind string) *Factory { return registry[kind] }

// Kinds returns the registered provider kinds, sorted.
func Kinds() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Op is what a Change does.
type Op int

// The change operations a provider carries out.
const (
	OpCreate Op = iota
	OpUpdate
	OpDelete
)

func (o Op) String() string { return [...]string{"create", "update", "delete"}[o] }

// Change is one create, update or delete handed to a Batcher.
type Change struct {
	Op    Op
	Label string       // instance name, for OpCreate
	ID    string       // provider id, for OpUpdate and OpDelete
	Prior model.Object // what the plan saw live (nil for OpCreate)
	// Desired is the planned object (nil for OpDelete).
	Desired model.Object
}

// Result is the outcome of one Change.
type Result struct {
	Remote Remote // the object after OpCreate / OpUpdate
	Err    error
}

// Batcher is implemented by providers that apply several changes of one type in one
// call (an RFC 2136 provider sends one UPDATE per zone with prerequisites). The
// planner hands it every change of the type that is ready at once; results are in
// the order of changes. A failed batch reports the error on each change it held.
type Batcher interface {
	ApplyBatch(ctx context.Context, typ string, changes []Change) []Result
}

// Problem is something about a desired object that its provider's API would refuse or
// change, found before anything is written.
type Problem struct {
	// Address is the instance address the problem is about (PlanChecker results; the
	// planner knows it for Validator results).
	Address string
	// Attr is the attribute at fault, so the diagnostic points at its line; "" means
	// the whole block.
	Attr string
	// Summary is a short title; Detail says what is wrong, why, and what to do.
	Summary string
	Detail  string
	// Warning marks advice rather than a refusal: the API takes the value but may not
	// keep it as written (Exmail resets reserved department orders to 0).
	Warning bool
}

// Validator is implemented by providers whose API refuses or rewrites values the
// configuration language allows (DNSPod cannot store a double quote in a TXT value).
// validate, plan and drift call it for every instance the provider serves, without
// contacting the API; every Problem is an error unless it is marked Warning.
type Validator interface {
	ValidateObject(typ string, desired model.Object) []Problem
}

// Desired is one object that a plan would create or update.
type Desired struct {
	Address string
	Type    string
	Object  model.Object
}

// PlanChecker is implemented by providers whose limits depend on the account and must
// be read from the API (the minimum TTL of a DNSPod domain's plan). plan calls it
// after refresh with every object the plan would create or update, before anything is
// written; every Problem fails the plan, and an error means the limits could not be
// read.
type PlanChecker interface {
	CheckPlan(ctx context.Context, objs []Desired) ([]Problem, error)
}

// ParseDurations reads the duration settings of a provider block of the given kind
// ("timeout", "retry_timeout" …) into their targets; an absent setting leaves its
// target as it is.
func ParseDurations(kind string, cfg model.Object, to map[string]*time.Duration) error {
	names := make([]string, 0, len(to))
	for n := range to {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := cfg.Str(n)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s provider: %s %q is not a positive duration such as \"30s\"", kind, n, s)
		}
		*to[n] = d
	}
	return nil
}
