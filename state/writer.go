package state

import (
	"encoding/json"
	"sync"
)

// Writer applies changes to one in-memory state and makes each durable before
// reporting it done. Saving a big state after every step is O(n) per step, so
// concurrent commits that arrive while a save is running are coalesced into the next
// single save (group commit).
type Writer struct {
	b  Backend
	mu sync.Mutex
	// done is signalled whenever a save finishes.
	done *sync.Cond
	st   *State
	// applied counts mutations; durable is the highest applied count on disk.
	applied, durable uint64
	saving           bool
	// failedErr is the error of the last failed save and failedUpTo the applied count
	// it covered, so that every commit in that batch gets the error; a later
	// successful save clears it because it includes those changes too.
	failedUpTo uint64
	failedErr  error
	// pending are the changes not yet durable, for a journaling backend; full is set
	// when they cannot be journaled (a change made behind Set/Remove, or a journal
	// write that failed) and the next save must be a full one.
	pending []journalOp
	full    bool
	// journaled counts the changes in the journal since the last full save.
	journaled int
}

// encoder is implemented by backends that can split a save into a quick encoding
// step (done under the Writer's lock) and the slow durable write (done outside it).
type encoder interface {
	commit(lineage string, serial uint64, data []byte) error
}

// NewWriter returns a Writer that owns st from now on and saves it to b.
func NewWriter(b Backend, st *State) *Writer {
	w := &Writer{b: b, st: st}
	w.done = sync.NewCond(&w.mu)
	return w
}

// Commit applies mutate to the state under the Writer's lock and returns once a save
// that includes the change is durable, or with the error of the save that failed.
func (w *Writer) Commit(mutate func(*State)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if mutate != nil {
		before := len(w.pending)
		w.st.rec = &w.pending
		mutate(w.st)
		w.st.rec = nil
		if len(w.pending) == before {
			w.full = true // nothing recorded: a change we could not see, or none
		}
	}
	w.applied++
	mine := w.applied
	for w.durable < mine {
		if w.failedErr != nil && w.failedUpTo >= mine {
			return w.failedErr
		}
		if w.saving {
			w.done.Wait()
			continue
		}
		w.saveLocked()
	}
	return nil
}

// saveLocked saves everything applied so far. It is called with w.mu held and
// releases it during the durable write so that more commits can queue up behind.
func (w *Writer) saveLocked() {
	w.saving = true
	upTo := w.applied
	var err error
	j, journals := w.b.(journaler)
	limit := max(1000, len(w.st.Resources)/2)
	if journals && !w.full && len(w.pending) > 0 && w.journaled+len(w.pending) <= limit {
		w.st.Serial++
		ops := w.pending
		w.pending = nil
		var line []byte
		line, err = json.Marshal(journalEntry{Lineage: w.st.Lineage, Serial: w.st.Serial, Ops: ops})
		if err == nil {
			lineage, serial := w.st.Lineage, w.st.Serial
			w.mu.Unlock()
			err = j.appendJournal(lineage, serial, line)
			w.mu.Lock()
		}
		if err != nil {
			w.st.Serial--
			w.full = true // the in-memory state holds the changes; save it whole
		} else {
			w.journaled += len(ops)
		}
	} else if enc, ok := w.b.(encoder); ok {
		w.pending, w.full = nil, false
		w.st.Serial++
		var data []byte
		data, err = encodeState(w.st)
		if err == nil {
			lineage, serial := w.st.Lineage, w.st.Serial
			w.mu.Unlock()
			err = enc.commit(lineage, serial, data)
			w.mu.Lock()
		}
		if err != nil {
			w.st.Serial--
			w.full = true
		} else {
			w.journaled = 0
		}
	} else {
		w.pending, w.full = nil, false
		snap := w.st.Clone()
		w.mu.Unlock()
		err = w.b.Save(snap)
		w.mu.Lock()
		if err == nil {
			w.st.Serial = snap.Serial
		}
	}
	w.saving = false
	if err != nil {
		w.failedUpTo, w.failedErr = upTo, err
	} else {
		w.durable = upTo
		if w.failedUpTo <= upTo {
			w.failedErr = nil
		}
	}
	w.done.Broadcast()
}

// Read calls f with the state under the Writer's lock; f must not keep the pointer.
func (w *Writer) Read(f func(*State)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(w.st)
}

// Snapshot returns a deep copy of the state as it is now, committed or not.
func (w *Writer) Snapshot() *State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st.Clone()
}

// Close folds the journal into the state file with one full save, so the state file
// alone is complete again. Call it when the run is done; after a crash the journal is
// replayed by Load instead.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.journaled == 0 && len(w.pending) == 0 && !w.full {
		return nil
	}
	for w.saving {
		w.done.Wait()
	}
	w.full = true
	w.applied++
	mine := w.applied
	for w.durable < mine {
		if w.failedErr != nil && w.failedUpTo >= mine {
			return w.failedErr
		}
		if w.saving {
			w.done.Wait()
			continue
		}
		w.saveLocked()
	}
	return nil
}
