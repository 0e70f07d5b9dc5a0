package state

import (
	"fmt"
	"sort"
	"sync"
)

// addrIndex maps addresses to resources so that Find stays O(1) for states of tens of
// thousands of resources. It has its own mutex because Find is a read that may build
// the map, and readers run concurrently during apply.
type addrIndex struct {
	mu sync.Mutex
	// n and first are what Resources looked like when the map was built; a mismatch
	// means someone changed the slice directly and the map must be rebuilt.
	n     int
	first *Resource
	m     map[string]*Resource
}

func (x *addrIndex) find(s *State, address string) *Resource {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.fresh(s)
	r := x.m[address]
	if r != nil && r.Address != address {
		// A resource was renamed in place; rebuild once and look again.
		x.rebuild(s)
		r = x.m[address]
	}
	return r
}

// fresh rebuilds the map when Resources no longer matches it. Callers hold x.mu.
func (x *addrIndex) fresh(s *State) {
	if x.m == nil || x.n != len(s.Resources) || (x.n > 0 && x.first != s.Resources[0]) {
		x.rebuild(s)
	}
}

func (x *addrIndex) rebuild(s *State) {
	x.m = make(map[string]*Resource, len(s.Resources))
	for _, r := range s.Resources {
		x.m[r.Address] = r
	}
	x.remember(s)
}

func (x *addrIndex) remember(s *State) {
	x.n = len(s.Resources)
	x.first = nil
	if x.n > 0 {
		x.first = s.Resources[0]
	}
}

// Reindex rebuilds the address index; call it after changing Resources directly
// instead of through Set, Remove or Move.
func (s *State) Reindex() {
	if s.index == nil {
		s.index = &addrIndex{}
	}
	s.index.mu.Lock()
	s.index.rebuild(s)
	s.index.mu.Unlock()
}

// position returns where address is or would be inserted in the sorted Resources.
func (s *State) position(address string) int {
	return sort.Search(len(s.Resources), func(i int) bool { return s.Resources[i].Address >= address })
}

// Set inserts r, or replaces the resource with the same address, keeping Resources
// sorted by address.
func (s *State) Set(r *Resource) {
	if s.index == nil {
		s.Reindex()
	}
	x := s.index
	x.mu.Lock()
	defer x.mu.Unlock()
	x.fresh(s)
	if old := x.m[r.Address]; old != nil {
		s.Resources[s.indexOf(old)] = r
	} else {
		i := s.position(r.Address)
		s.Resources = append(s.Resources, nil)
		copy(s.Resources[i+1:], s.Resources[i:])
		s.Resources[i] = r
	}
	x.m[r.Address] = r
	x.remember(s)
	if s.rec != nil {
		*s.rec = append(*s.rec, journalOp{Set: r})
	}
}

// indexOf finds old in Resources by binary search, falling back to a scan when the
// slice was left unsorted by code that appended to it directly.
func (s *State) indexOf(old *Resource) int {
	if i := s.position(old.Address); i < len(s.Resources) && s.Resources[i] == old {
		return i
	}
	for i, r := range s.Resources {
		if r == old {
			return i
		}
	}
	panic("state: index points at a resource that is not in Resources")
}

// Remove deletes the resource at address and reports whether there was one.
func (s *State) Remove(address string) bool {
	if s.index == nil {
		s.Reindex()
	}
	x := s.index
	x.mu.Lock()
	defer x.mu.Unlock()
	x.fresh(s)
	old := x.m[address]
	if old == nil {
		return false
	}
	i := s.indexOf(old)
	copy(s.Resources[i:], s.Resources[i+1:])
	s.Resources[len(s.Resources)-1] = nil
	s.Resources = s.Resources[:len(s.Resources)-1]
	delete(x.m, address)
	x.remember(s)
	if s.rec != nil {
		*s.rec = append(*s.rec, journalOp{Remove: address})
	}
	return true
}

// Move renames the resource at from to to without touching the live object. It fails
// when from is absent or to is taken.
func (s *State) Move(from, to string) error {
	r := s.Find(from)
	if r == nil {
		return fmt.Errorf("cannot move %s: no such resource in state (see `mailform state list`)", from)
	}
	if from == to {
		return nil
	}
	if s.Find(to) != nil {
		return fmt.Errorf("cannot move %s to %s: %s is already in state; remove it first with `mailform state rm %s`", from, to, to, to)
	}
	s.Remove(from)
	moved := *r
	moved.Address = to
	s.Set(&moved)
	return nil
}

// Addresses returns the addresses of all resources, sorted.
func (s *State) Addresses() []string {
	out := make([]string, len(s.Resources))
	for i, r := range s.Resources {
		out[i] = r.Address
	}
	sort.Strings(out)
	return out
}

// Clone returns a deep copy that shares nothing with s.
func (s *State) Clone() *State {
	c := &State{Version: s.Version, Lineage: s.Lineage, Serial: s.Serial}
	c.Resources = make([]*Resource, len(s.Resources))
	for i, r := range s.Resources {
		c.Resources[i] = r.Clone()
	}
	c.Outputs = cloneOutputs(s.Outputs)
	c.Reindex()
	return c
}

// Clone returns a deep copy of r.
func (r *Resource) Clone() *Resource {
	c := *r
	c.Attrs = r.Attrs.Clone()
	if r.FrozenAt != nil {
		t := *r.FrozenAt
		c.FrozenAt = &t
	}
	return &c
}

// New returns an empty state of the current version with a fresh lineage.
func New() *State {
	s := &State{Version: Version, Lineage: newLineage(), Resources: []*Resource{}}
	s.Reindex()
	return s
}
