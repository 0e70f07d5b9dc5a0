package tenant

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Every bbolt commit waits for the disk twice, and bbolt runs one writer at a time, so
// an apply creating thousands of objects ten at a time spent most of its wall time
// queueing for fsyncs. Writes through Create, UpdateIf and DeleteIf are therefore
// group-committed: a write that finds another committing queues, and the next commit
// takes the whole queue in one transaction. Each caller still returns only once its
// write is on disk, a lone writer waits for nobody, and the outcome is that of running
// the writes one after another in queue order (see commit).

// maxGroup bounds the writes of one commit, so one transaction stays small.
const maxGroup = 256

// write is one queued write.
type write struct {
	hashed map[string]prehashed
	f      func(tx *Tx) error
	err    error
	done   chan struct{}
}

// grouped runs f in a write transaction shared with concurrent grouped writes.
func (s *Store) grouped(hashed map[string]prehashed, f func(tx *Tx) error) error {
	w := &write{hashed: hashed, f: f, done: make(chan struct{})}
	s.mu.Lock()
	s.queue = append(s.queue, w)
	if s.committing {
		s.mu.Unlock()
		<-w.done
		return w.err
	}
	s.committing = true
	// This caller leads until the queue is empty; a panic in a write must not leave
	// the writers queued behind it waiting for ever.
	var batch []*write
	defer func() {
		if r := recover(); r != nil {
			s.mu.Lock()
			rest := append(batch, s.queue...)
			s.queue, s.committing = nil, false
			s.mu.Unlock()
			for _, q := range rest {
				if q != w {
					q.finish(fmt.Errorf("sandbox directory %s: a write committed together with this one failed (%v); try again", s.dir, r))
				}
			}
			panic(r)
		}
	}()
	for len(s.queue) > 0 {
		n := min(len(s.queue), maxGroup)
		batch = s.queue[:n:n]
		s.queue = s.queue[n:]
		s.mu.Unlock()
		s.commit(batch)
		batch = nil
		s.mu.Lock()
	}
	s.queue, s.committing = nil, false
	s.mu.Unlock()
	return w.err
}

func (w *write) finish(err error) {
	select {
	case <-w.done:
	default:
		w.err = err
		close(w.done)
	}
}

// commit runs ws in one transaction and finishes each. When one refuses, the
// transaction is rolled back and the writes are redone as the prefix before it (which
// succeeded on the same state), the refused one alone (so it answers as it would have
// in order, and nothing it wrote before refusing is kept), and the rest.
func (s *Store) commit(ws []*write) {
	if len(ws) == 0 {
		return
	}
	if s.db == nil {
		for _, w := range ws {
			w.finish(fmt.Errorf("sandbox directory %s is closed", s.dir))
		}
		return
	}
	failed := -1
	err := s.db.Update(func(btx *bolt.Tx) error {
		for i, w := range ws {
			if err := w.f(&Tx{tx: btx, touched: map[string]bool{}, hashed: w.hashed}); err != nil {
				failed = i
				return err
			}
		}
		return nil
	})
	if failed < 0 || len(ws) == 1 {
		// Success, or a commit that failed as a whole (the disk): every write shares it.
		for _, w := range ws {
			w.finish(err)
		}
		return
	}
	s.commit(ws[:failed])
	s.commit(ws[failed : failed+1])
	s.commit(ws[failed+1:])
}
