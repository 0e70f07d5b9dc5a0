package state

import "sync"

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
		mutate(w.st)
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
	if enc, ok := w.b.(encoder); ok {
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
		}
	} else {
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
