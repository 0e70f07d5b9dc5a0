package tenant

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mailform/mailform/model"
)

// queued returns a write of Create(typ, o) and where its result lands.
func queued(typ string, o model.Object) (*write, *Item) {
	var it Item
	return &write{done: make(chan struct{}), f: func(tx *Tx) error {
		var err error
		it, err = tx.Create(typ, "", o)
		return err
	}}, &it
}

func TestCommitRefusalInAGroup(t *testing.T) {
	s := open(t)
	mustCreate(t, s, "department", "", model.Object{"name": "Eng"})
	// The second write takes a department id before its check refuses it; the third
	// refuses only because of the first, committed earlier in the same group.
	w1, it1 := queued("account", model.Object{"email": "a@example.com", "name": "A", "mobile": "+86 1"})
	w2, _ := queued("department", model.Object{"name": "eng"})
	w3, _ := queued("account", model.Object{"email": "b@example.com", "name": "B", "mobile": "+86 1"})
	w4, it4 := queued("department", model.Object{"name": "Ops"})
	s.commit([]*write{w1, w2, w3, w4})
	for i, w := range []*write{w1, w2, w3, w4} {
		select {
		case <-w.done:
		default:
			t.Fatalf("write %d not finished", i+1)
		}
	}
	if w1.err != nil || it1.ID != "a@example.com" {
		t.Errorf("first write: %v, %+v", w1.err, it1)
	}
	var te *Error
	if !errors.As(w2.err, &te) || te.Code != CodeDepartmentExists {
		t.Errorf("second write: %v, want the sibling refusal", w2.err)
	}
	if !errors.As(w3.err, &te) || te.Code != CodeMobileExists || !strings.Contains(w3.err.Error(), "a@example.com") {
		t.Errorf("third write: %v, want mobile taken by a@example.com", w3.err)
	}
	// The refused department's id was rolled back with it.
	if w4.err != nil || it4.ID != dept(2) {
		t.Errorf("fourth write: %v, id %s; want id %s", w4.err, it4.ID, dept(2))
	}
	for _, id := range []string{"a@example.com"} {
		if _, err := s.Get("account", id); err != nil {
			t.Error(err)
		}
	}
	if _, err := s.Get("account", "b@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused account stored: %v", err)
	}
	assertIndexes(t, s)
}

func TestConcurrentWritesGroupCommit(t *testing.T) {
	s := open(t)
	mustCreate(t, s, "department", "", model.Object{"name": "Eng"})
	// 40 writers, two per mobile: exactly one of each pair may win.
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = s.Create("account", "", model.Object{
				"email": fmt.Sprintf("u%d@example.com", i), "name": "U", "departments": []string{dept(1)},
				"mobile": fmt.Sprintf("+86 %d", i/2), "password": "pw",
			})
		}(i)
	}
	wg.Wait()
	for i := 0; i < n; i += 2 {
		a, b := errs[i], errs[i+1]
		if (a == nil) == (b == nil) {
			t.Errorf("mobile %d: errors %v and %v; want exactly one refusal", i/2, a, b)
			continue
		}
		if err := errors.Join(a, b); !errors.Is(err, ErrExists) {
			t.Errorf("mobile %d: %v, want ErrExists", i/2, err)
		}
	}
	accounts, err := s.List("account")
	if err != nil || len(accounts) != n/2 {
		t.Errorf("%d accounts stored (%v), want %d", len(accounts), err, n/2)
	}
	for _, a := range accounts {
		if ok, err := s.CheckPassword(a.ID, "pw"); !ok || err != nil {
			t.Errorf("password of %s: %v, %v", a.ID, ok, err)
		}
	}
	// Concurrent deletes of every account leave the department free.
	for _, a := range accounts {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			if err := s.Delete("account", id); err != nil {
				t.Error(err)
			}
		}(a.ID)
	}
	wg.Wait()
	assertIndexes(t, s)
	if err := s.Delete("department", dept(1)); err != nil {
		t.Errorf("department emptied by concurrent deletes: %v", err)
	}
}

func TestPanicInAGroupReleasesTheQueue(t *testing.T) {
	s := open(t)
	// Hold the leader's place so the next writes queue behind a panicking one.
	s.mu.Lock()
	s.committing = true
	s.mu.Unlock()
	var wg sync.WaitGroup
	var queuedErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, queuedErr = s.Create("domain", "", model.Object{"name": "example.com"})
	}()
	for {
		s.mu.Lock()
		n := len(s.queue)
		s.mu.Unlock()
		if n == 1 {
			break
		}
	}
	s.mu.Lock()
	s.committing = false
	s.mu.Unlock()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the write's panic", r)
			}
		}()
		_ = s.grouped(nil, func(tx *Tx) error { panic("boom") })
	}()
	wg.Wait()
	if queuedErr == nil || !strings.Contains(queuedErr.Error(), "try again") {
		t.Errorf("write queued with a panicking one: %v", queuedErr)
	}
	// The store still takes writes.
	mustCreate(t, s, "domain", "", model.Object{"name": "example.org"})
}
