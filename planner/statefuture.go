package planner

import (
	"github.com/mailform/mailform/crash"
	"github.com/mailform/mailform/state"
)

// StateFuture is a state being loaded in the background, so that planning can
// evaluate the configuration meanwhile and wait for the state only where it needs
// it (the ids of existing objects, moved blocks).
type StateFuture struct {
	done chan struct{}
	st   *state.State
	err  error
}

// LoadState starts load in its own goroutine and returns its future. A panic in load
// becomes its error, as crash.Recovered makes it.
func LoadState(load func() (*state.State, error)) *StateFuture {
	f := &StateFuture{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		defer func() {
			if e := crash.Recovered(recover()); e != nil {
				f.st, f.err = nil, e
			}
		}()
		f.st, f.err = load()
	}()
	return f
}

// LoadedState is the future of a state already in hand.
func LoadedState(st *state.State) *StateFuture {
	f := &StateFuture{done: make(chan struct{}), st: st}
	close(f.done)
	return f
}

// Wait returns the state once it is loaded, or why it could not be. It may be called
// any number of times, from any goroutine.
func (f *StateFuture) Wait() (*state.State, error) {
	<-f.done
	return f.st, f.err
}
