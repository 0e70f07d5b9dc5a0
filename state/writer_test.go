package state

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestWriterConcurrentCommitsAreDurable(t *testing.T) {
	l, path := newLocal(t)
	st, _ := l.Load()
	w := NewWriter(l, st)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			addr := fmt.Sprintf("domain.d%03d", i)
			if err := w.Commit(func(s *State) { s.Set(res(addr)) }); err != nil {
				errs <- err
				return
			}
			// Commit returned, so the change must already be on disk.
			onDisk, err := NewLocal(path).Load()
			if err != nil {
				errs <- err
				return
			}
			if onDisk.Find(addr) == nil {
				errs <- fmt.Errorf("%s not on disk after its Commit returned", addr)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	final, err := NewLocal(path).Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(final.Resources) != n {
		t.Errorf("%d resources on disk, want %d", len(final.Resources), n)
	}
	if final.Serial < 1 || final.Serial > n {
		t.Errorf("serial %d, want 1..%d", final.Serial, n)
	}
	w.Read(func(s *State) {
		if s.Serial != final.Serial {
			t.Errorf("in-memory serial %d, on disk %d", s.Serial, final.Serial)
		}
	})
}

// gatedBackend is a Backend whose Saves can be held open and made to fail.
type gatedBackend struct {
	Backend
	mu    sync.Mutex
	gate  chan struct{} // when set, the next Save waits on it
	fail  error         // when set, the next Save returns it
	saves []int         // resource count of each successful Save
}

func (g *gatedBackend) Save(st *State) error {
	g.mu.Lock()
	gate, fail := g.gate, g.fail
	g.gate, g.fail = nil, nil
	g.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if fail != nil {
		return fail
	}
	st.Serial++
	g.mu.Lock()
	g.saves = append(g.saves, len(st.Resources))
	g.mu.Unlock()
	return nil
}

func waitFor(cond func() bool) {
	for !cond() {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func TestWriterCoalescesCommits(t *testing.T) {
	gate := make(chan struct{})
	b := &gatedBackend{gate: gate}
	w := NewWriter(b, New())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Commit(func(s *State) { s.Set(res("first")) }) }()
	// Wait until the first save is running (holding the gate).
	waitFor(func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.gate == nil })
	const more = 10
	for i := 0; i < more; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := w.Commit(func(s *State) { s.Set(res(fmt.Sprintf("r%02d", i))) }); err != nil {
				t.Error(err)
			}
		}(i)
	}
	waitFor(func() bool {
		n := 0
		w.Read(func(s *State) { n = len(s.Resources) })
		return n == more+1
	})
	close(gate)
	wg.Wait()
	if len(b.saves) != 2 || b.saves[1] != more+1 {
		t.Errorf("saves = %v, want 2 saves, the second with all %d resources", b.saves, more+1)
	}
	if s := w.Snapshot(); s.Serial != 2 {
		t.Errorf("serial = %d, want 2", s.Serial)
	}
}

func TestWriterReportsSaveFailureThenRecovers(t *testing.T) {
	boom := errors.New("disk full")
	b := &gatedBackend{fail: boom}
	w := NewWriter(b, New())
	if err := w.Commit(func(s *State) { s.Set(res("a")) }); !errors.Is(err, boom) {
		t.Fatalf("Commit = %v, want %v", err, boom)
	}
	if s := w.Snapshot(); s.Serial != 0 {
		t.Errorf("serial after failed save = %d, want 0", s.Serial)
	}
	if err := w.Commit(func(s *State) { s.Set(res("b")) }); err != nil {
		t.Fatalf("Commit after recovery = %v", err)
	}
	if len(b.saves) != 1 || b.saves[0] != 2 {
		t.Errorf("saves = %v, want one save holding both changes", b.saves)
	}
}

func TestWriterLocalSaveFailure(t *testing.T) {
	l := NewLocal(t.TempDir() + "/missing/mailform.state")
	w := NewWriter(l, New())
	if err := w.Commit(func(s *State) { s.Set(res("a")) }); err == nil {
		t.Fatal("Commit into a missing directory succeeded")
	}
	if s := w.Snapshot(); s.Serial != 0 {
		t.Errorf("serial after failed save = %d, want 0", s.Serial)
	}
}

func BenchmarkWriterCommit50k(b *testing.B) {
	l := NewLocal(b.TempDir() + "/mailform.state")
	st := New()
	for i := 0; i < 50000; i++ {
		st.Set(res(fmt.Sprintf("account.a[\"%05d\"]", i)))
	}
	w := NewWriter(l, st)
	// Ten concurrent committers, like apply's default -parallelism.
	b.SetParallelism(max(1, 10/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			addr := fmt.Sprintf("domain.x%d", i)
			if err := w.Commit(func(s *State) { s.Set(res(addr)) }); err != nil {
				b.Error(err)
			}
		}
	})
}

func BenchmarkSave50k(b *testing.B) {
	l := NewLocal(b.TempDir() + "/mailform.state")
	st := New()
	for i := 0; i < 50000; i++ {
		st.Set(res(fmt.Sprintf("account.a[\"%05d\"]", i)))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Save(st); err != nil {
			b.Fatal(err)
		}
	}
}
