package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// interrupts is the two-stage Ctrl-C of apply. The first Ctrl-C (or SIGTERM) cancels
// stop: no new step starts, and the calls in flight finish and are recorded, since a
// call cancelled on the client may still be carried out by the server. The second
// cancels calls: the calls in flight are abandoned; each create among them was
// recorded as an intent before it started, so the next plan reads it back instead of
// creating it again.
type interrupts struct {
	stop, calls context.Context
	release     func()
}

// watchInterrupts starts watching; inflight lists the steps running now.
func watchInterrupts(w io.Writer, inflight func() []string) *interrupts {
	stop, stopCancel := context.WithCancel(context.Background())
	calls, callsCancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	var once sync.Once
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		stopCancel()
		if running := inflight(); len(running) > 0 {
			fmt.Fprintf(w, "\nInterrupted: no new step starts. Waiting for %d step(s) in flight to finish and be recorded: %s.\nPress Ctrl-C again to abandon them.\n", len(running), list(running))
		} else {
			fmt.Fprintln(w, "\nInterrupted: no new step starts.")
		}
		select {
		case <-sigs:
		case <-done:
			return
		}
		running := inflight()
		fmt.Fprintf(w, "\nInterrupted again: abandoning %d step(s) in flight: %s.\nThe server may still carry them out: a create was recorded in state as an intent before it started, and the next plan reads each of them back from the provider instead of repeating it.\n", len(running), list(running))
		callsCancel()
	}()
	return &interrupts{stop: stop, calls: calls, release: func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			stopCancel()
			callsCancel()
		})
	}}
}

func list(addrs []string) string {
	sort.Strings(addrs)
	if len(addrs) > 20 {
		return strings.Join(addrs[:20], ", ") + fmt.Sprintf(" and %d more", len(addrs)-20)
	}
	return strings.Join(addrs, ", ")
}
