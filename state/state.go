// Package state holds what mailform last applied: one entry per resource address with
// the provider id and the attributes, plus version, lineage and serial. Backends store
// it durably and lock it so that only one run at a time changes it.
package state

import (
	"time"

	"github.com/mailform/mailform/model"
)

// Version is the state file format version this build writes.
const Version = 1

// State is the whole state of one configuration.
type State struct {
	Version   int         `json:"version"`
	Lineage   string      `json:"lineage"`
	Serial    uint64      `json:"serial"`
	Resources []*Resource `json:"resources"`
	// Outputs are the root outputs the last apply evaluated, by name.
	Outputs map[string]*OutputValue `json:"outputs,omitempty"`

	// index finds resources by address without a scan; nil until Set, Load or Clone
	// builds it, and rebuilt when Resources was changed behind its back.
	index *addrIndex
	// rec, while a Writer commits, collects the changes Set and Remove make, for the
	// journal.
	rec *[]journalOp
}

// Resource is the state of one resource instance.
type Resource struct {
	// Address is `type.label` or `type.label["key"]`.
	Address string `json:"address"`
	Type    string `json:"type"`
	// Provider is the provider instance that manages it: "sandbox" or "rfc2136.corp".
	Provider string `json:"provider"`
	// ID is the provider's id of the live object ("" while a create is pending).
	ID string `json:"id"`
	// Attrs are the last applied attributes in canonical form; sensitive values are
	// stored only as salted hashes (see HashSecret).
	Attrs model.Object `json:"attributes"`
	// Pending is "create" when a create was started and its outcome is not yet
	// recorded; the next plan looks the object up by its natural key.
	Pending string `json:"pending,omitempty"`
	// MatchKey is the natural key the object can be found by (model.Type.MatchKey).
	MatchKey string `json:"match_key,omitempty"`
	// PreventDestroy records lifecycle.prevent_destroy, so that removing a protected
	// block from the configuration does not delete the object either.
	PreventDestroy bool `json:"prevent_destroy,omitempty"`
	// FrozenAt is when an account with status "departed" was frozen.
	FrozenAt *time.Time `json:"frozen_at,omitempty"`
}

// Find returns the resource at address, or nil.
func (s *State) Find(address string) *Resource {
	if s.index != nil {
		return s.index.find(s, address)
	}
	for _, r := range s.Resources {
		if r.Address == address {
			return r
		}
	}
	return nil
}

// LockInfo says who holds a lock, since when, and for what.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	Who       string    `json:"who"`
	Created   time.Time `json:"created"`
	Path      string    `json:"path,omitempty"`
}

// Backend stores a state durably and serialises the runs that change it.
type Backend interface {
	// Load returns the stored state, or a new empty state with a fresh lineage.
	Load() (*State, error)
	// Save replaces the stored state atomically and durably (fsync before return).
	Save(*State) error
	// Lock takes the run lock, waiting up to timeout; a lock held by someone else is
	// an error of type *LockedError naming the holder.
	Lock(info LockInfo, timeout time.Duration) error
	// Unlock releases the lock taken with id.
	Unlock(id string) error
	// ForceUnlock removes a stale lock whose id is given.
	ForceUnlock(id string) error
}

// LockedError is returned when the state is locked by another run.
type LockedError struct {
	Holder LockInfo
	// Stale says why the holder looks gone (its process is not running on this
	// host), or is empty. A stale lock is reported, never removed automatically.
	Stale string
}

func (e *LockedError) Error() string {
	h := e.Holder
	msg := "state is locked by " + h.Who + " (" + h.Operation + " since " + h.Created.Format(time.RFC3339) + ", lock ID " + h.ID + ")"
	if e.Stale != "" {
		msg += "; the lock looks stale: " + e.Stale
	}
	return msg + "; if that run is gone, run: mailform force-unlock " + h.ID
}
