package planner

import (
	"container/heap"
	"sync"
)

// slots bounds how many evaluation tasks run at once and, when one ends, starts the
// waiting task of highest priority: on two cores, the blocks the others wait for
// (the departments whose ids the accounts refer to) must not queue behind blocks
// nothing waits for.
type slots struct {
	mu      sync.Mutex
	free    int
	waiting waiters
	// held is how many acquires are still to wait before any starts (hold).
	held int
}

func newSlots(n int) *slots { return &slots{free: n} }

// acquire returns once the caller holds a slot; among waiters, a higher prio goes
// first, then a lower seq.
func (s *slots) acquire(prio, seq int) {
	s.mu.Lock()
	if s.held > 0 {
		w := &waiter{prio: prio, seq: seq, ready: make(chan struct{})}
		heap.Push(&s.waiting, w)
		if s.held--; s.held == 0 {
			s.dispatch()
		}
		s.mu.Unlock()
		<-w.ready
		return
	}
	if s.free > 0 {
		s.free--
		s.mu.Unlock()
		return
	}
	w := &waiter{prio: prio, seq: seq, ready: make(chan struct{})}
	heap.Push(&s.waiting, w)
	s.mu.Unlock()
	<-w.ready
}

// release gives the caller's slot to the first waiter, or frees it.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiting.Len() > 0 && s.held == 0 {
		close(heap.Pop(&s.waiting).(*waiter).ready)
		return
	}
	s.free++
}

// keep reports whether a holder may keep its slot for a task of priority prio and
// sequence seq instead of releasing it and acquiring again: whether no waiter
// would go before that task.
func (s *slots) keep(prio, seq int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiting.Len() == 0 {
		return true
	}
	top := s.waiting[0]
	return !(top.prio > prio || top.prio == prio && top.seq < seq)
}

// hold makes the next k acquires wait, however many slots are free, until the
// k-th: then they start by priority. Tasks ready at the same moment so start in
// priority order, not in the order their goroutines happen to run.
func (s *slots) hold(k int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = k
}

// dispatch starts waiters while slots are free. Callers hold s.mu.
func (s *slots) dispatch() {
	for s.free > 0 && s.waiting.Len() > 0 {
		s.free--
		close(heap.Pop(&s.waiting).(*waiter).ready)
	}
}

type waiter struct {
	prio, seq int
	ready     chan struct{}
}

// waiters is a heap of waiters, the first to start on top.
type waiters []*waiter

func (h waiters) Len() int { return len(h) }
func (h waiters) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio > h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h waiters) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *waiters) Push(x any)   { *h = append(*h, x.(*waiter)) }
func (h *waiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}
