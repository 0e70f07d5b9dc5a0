package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var (
	errBusy    = errors.New("busy")
	errDropped = errors.New("connection dropped")
	errBad     = errors.New("bad request")
)

func classify(err error) Outcome {
	switch {
	case errors.Is(err, errBusy):
		return NotDone
	case errors.Is(err, errDropped):
		return Unknown
	}
	return Permanent
}

func TestDo(t *testing.T) {
	tests := []struct {
		name       string
		write      bool
		tries      []error // what each attempt returns
		verify     []bool  // what each verification answers (nil: no Verify)
		wantErr    string
		wantTries  int
		wantVerify int
	}{
		{name: "first try", tries: []error{nil}, wantTries: 1},
		{name: "busy then ok", tries: []error{errBusy, errBusy, nil}, wantTries: 3},
		{name: "permanent at once", tries: []error{errBad}, wantErr: "bad request", wantTries: 1},
		{name: "read dropped is sent again", tries: []error{errDropped, nil}, wantTries: 2},
		{name: "write dropped but done", write: true, tries: []error{errDropped}, verify: []bool{true}, wantTries: 1, wantVerify: 1},
		{name: "write dropped, not done, sent again", write: true, tries: []error{errDropped, nil}, verify: []bool{false}, wantTries: 2, wantVerify: 1},
		{name: "write dropped without verify", write: true, tries: []error{errDropped}, wantErr: "may or may not have been made", wantTries: 1},
		{name: "gives up", tries: []error{errBusy, errBusy, errBusy}, wantErr: "gave up after 3 attempts", wantTries: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tries, verifies := 0, 0
			c := Call{Classify: classify, Write: tt.write, Try: func(context.Context) error {
				tries++
				return tt.tries[tries-1]
			}}
			if tt.verify != nil {
				c.Verify = func(context.Context) (bool, error) {
					verifies++
					return tt.verify[verifies-1], nil
				}
			}
			err := Do(context.Background(), 3, NewBackoff(time.Microsecond, time.Millisecond, 1), c)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Do = %v, want error %q", err, tt.wantErr)
			}
			if tries != tt.wantTries || verifies != tt.wantVerify {
				t.Errorf("tries %d verifies %d, want %d and %d", tries, verifies, tt.wantTries, tt.wantVerify)
			}
		})
	}
}

func TestBackoffStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewBackoff(time.Hour, time.Hour, 1).Wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
}

type outcomeErr struct{ o Outcome }

func (e outcomeErr) Error() string         { return "outcome" }
func (e outcomeErr) RetryOutcome() Outcome { return e.o }

// Errors that know their outcome are classified by it, even wrapped; others are
// permanent.
func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want Outcome
	}{
		{errBad, Permanent},
		{outcomeErr{NotDone}, NotDone},
		{fmt.Errorf("wrapped: %w", outcomeErr{Unknown}), Unknown},
	} {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
