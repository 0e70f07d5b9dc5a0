package logarchive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fakeSource answers rows for days within the last 30 before now: three logins per
// account per day (two identical, so Seq matters) and one operation.
type fakeSource struct {
	accounts []string
	mu       sync.Mutex
	fetches  int
	failAt   int // the fetch that fails; 0 = none
}

func (f *fakeSource) Window(now time.Time) (string, string) {
	d := now.Format("2006-01-02")
	return AddDays(d, -29), AddDays(d, -1)
}

func (f *fakeSource) Units(ctx context.Context) ([]string, error) {
	u := []string{KindOperation}
	for _, a := range f.accounts {
		u = append(u, "login:"+a)
	}
	return u, nil
}

// Windowed: logins are asked once per account for a range of days.
func (f *fakeSource) Windowed(unit string) bool { return strings.HasPrefix(unit, "login:") }

func (f *fakeSource) Fetch(ctx context.Context, from, to, unit string) ([]Row, error) {
	f.mu.Lock()
	f.fetches++
	fail := f.failAt != 0 && f.fetches == f.failAt
	f.mu.Unlock()
	if fail {
		return nil, errors.New("connection reset")
	}
	if unit == KindOperation && from != to {
		return nil, errors.New("operations are asked day by day")
	}
	var rows []Row
	for date := from; date <= to; date = AddDays(date, 1) {
		t, _ := time.Parse("2006-01-02", date)
		if unit == KindOperation {
			rows = append(rows, Row{Day: date, Kind: KindOperation, Time: t.Unix() + 60, Operator: "admin@example.com", Type: 23, Peer: f.accounts[0]})
			continue
		}
		a := strings.TrimPrefix(unit, "login:")
		rows = append(rows,
			Row{Day: date, Kind: KindLogin, Time: t.Unix() + 100, Account: a, IP: "10.0.0.1", Type: 1},
			Row{Day: date, Kind: KindLogin, Time: t.Unix() + 100, Account: a, IP: "10.0.0.1", Type: 1},
			Row{Day: date, Kind: KindLogin, Time: t.Unix() + 200, Account: a, IP: "10.0.0.2", Type: 4})
	}
	return rows, nil
}

func openBolt(t *testing.T) (*Bolt, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), DefaultFile)
	b, err := OpenBolt(p, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, p
}

func date(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t.Add(9 * time.Hour)
}

func count(t *testing.T, s Store, f Filter) int {
	t.Helper()
	n := 0
	if err := Query(context.Background(), s, f, func(Row) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPullResumesReportsGapsAndAddsNothingTwice(t *testing.T) {
	forEachStore(t, testPullResumesReportsGapsAndAddsNothingTwice)
}

func testPullResumesReportsGapsAndAddsNothingTwice(t *testing.T, s Store) {
	ctx := context.Background()
	src := &fakeSource{accounts: []string{"a@x.com", "b@x.com"}}
	// The first pull starts at the oldest answerable day.
	rep, err := Pull(ctx, s, src, date("2026-03-01"), PullOptions{Until: "2026-02-05", Concurrency: 1})
	if err != nil || len(rep.Sealed) != 6 || rep.Sealed[0].Date != "2026-01-31" || len(rep.Gaps) != 0 {
		t.Fatalf("first pull: %+v %v", rep, err)
	}
	if rep.Added != 6*7 {
		t.Fatalf("added %d rows, want 42 (identical rows kept apart by Seq)", rep.Added)
	}
	// A pull that fails mid-day keeps the units it got and does not seal the day.
	src.failAt = src.fetches + 2
	if _, err := Pull(ctx, s, src, date("2026-03-01"), PullOptions{Concurrency: 1}); err == nil || !strings.Contains(err.Error(), "2026-02-06") {
		t.Fatalf("want the failure naming the day, got %v", err)
	}
	done, _ := s.Done(ctx, "2026-02-06")
	if len(done) != 1 {
		t.Fatalf("units kept after the failure: %v", done)
	}
	src.failAt = 0
	before := src.fetches
	rep, err = Pull(ctx, s, src, date("2026-03-01"), PullOptions{Until: "2026-02-06"})
	if err != nil || len(rep.Sealed) != 1 || src.fetches-before != 2 {
		t.Fatalf("resume fetched %d units (want the 2 missing): %+v %v", src.fetches-before, rep, err)
	}
	// Forty days later the days in between are partly gone; the 29 answerable days
	// take one operation call each and one login call per account for all of them.
	before = src.fetches
	rep, err = Pull(ctx, s, src, date("2026-04-10"), PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := src.fetches - before; n != 29+2 {
		t.Fatalf("the window took %d calls, want 31", n)
	}
	if len(rep.Gaps) != 33 || rep.Gaps[0] != "2026-02-07" || rep.Gaps[32] != "2026-03-11" {
		t.Fatalf("gaps %v", rep.Gaps)
	}
	// The failed pull had fetched a's logins up to 02-28: those 22 days are partial
	// gaps that keep them.
	if rep.Sealed[0].Status != DayPartial || rep.Sealed[21].Status != DayPartial || rep.Sealed[22].Status != DayGap {
		t.Fatalf("gap statuses: %s %s %s", rep.Sealed[0].Status, rep.Sealed[21].Status, rep.Sealed[22].Status)
	}
	if n := count(t, s, Filter{}); n != (7+29)*7+22*3 {
		t.Fatalf("%d rows archived, want %d", n, 36*7+22*3)
	}
	// Pulling again adds nothing, and verify finds the archive sound.
	rep, err = Pull(ctx, s, src, date("2026-04-10"), PullOptions{})
	if err != nil || rep.Added != 0 || len(rep.Sealed) != 0 {
		t.Fatalf("re-pull: %+v %v", rep, err)
	}
	vr, err := Verify(ctx, s)
	if err != nil || len(vr.Problems) != 0 || len(vr.Gaps) != 33 || vr.Days != 69 {
		t.Fatalf("verify: %+v %v", vr, err)
	}
	if lp, _ := s.Meta(ctx, MetaLastPull); !strings.HasPrefix(lp, "2026-04-10") {
		t.Fatalf("last pull %q", lp)
	}
}

func TestQueryFilters(t *testing.T) { forEachStore(t, testQueryFilters) }

func testQueryFilters(t *testing.T, s Store) {
	ctx := context.Background()
	src := &fakeSource{accounts: []string{"a@x.com", "b@x.com"}}
	if _, err := Pull(ctx, s, src, date("2026-03-01"), PullOptions{}); err != nil {
		t.Fatal(err)
	}
	four := 4
	for _, tt := range []struct {
		f    Filter
		want int
	}{
		{Filter{}, 29 * 7},
		{Filter{Account: "B@x.com"}, 29 * 3},
		{Filter{Account: "a@x.com"}, 29 * 4}, // its logins and the operations on it
		{Filter{Kind: KindOperation}, 29},
		{Filter{From: "2026-02-25", To: "2026-02-26"}, 14},
		{Filter{IP: "10.0.0.2"}, 29 * 2},
		{Filter{Kind: KindLogin, Status: new(int)}, 29 * 6},
		{Filter{Status: &four}, 0},
		{Filter{Operator: "ADMIN@x.com"}, 0},
		{Filter{Operator: "admin@example.com", Account: "b@x.com"}, 0},
	} {
		if n := count(t, s, tt.f); n != tt.want {
			t.Errorf("%+v: %d rows, want %d", tt.f, n, tt.want)
		}
	}
}

// edit changes one stored row of date in place, as someone with the file might.
func edit(t *testing.T, path, date string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		rb := tx.Bucket(dayBucket(date)).Bucket(subRows)
		k, v := rb.Cursor().First()
		var r Row
		_ = json.Unmarshal(v, &r)
		r.IP = "192.0.2.66"
		b, _ := json.Marshal(r)
		return rb.Put(append([]byte(nil), k...), b)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFindsEditsAndRemovedDays(t *testing.T) {
	ctx := context.Background()
	s, path := openBolt(t)
	src := &fakeSource{accounts: []string{"a@x.com"}}
	if _, err := Pull(ctx, s, src, date("2026-03-01"), PullOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	edit(t, path, "2026-02-10")
	s, err := OpenBolt(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vr, err := Verify(ctx, s)
	if err != nil || len(vr.Problems) != 1 || vr.Problems[0].Date != "2026-02-10" || !strings.Contains(vr.Problems[0].Detail, "edited") {
		t.Fatalf("verify after an edit: %+v %v", vr.Problems, err)
	}
	// A removed day breaks the chain at the next one.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketDays).Delete([]byte("2026-02-20")) }); err != nil {
		t.Fatal(err)
	}
	vr, _ = Verify(ctx, s)
	if len(vr.Problems) != 3 || !strings.Contains(fmt.Sprint(vr.Problems), "2026-02-20 missing") {
		t.Fatalf("verify after removing a day: %+v", vr.Problems)
	}
}

func TestPruneKeepsTheChainVerifiable(t *testing.T) {
	forEachStore(t, testPruneKeepsTheChainVerifiable)
}

func testPruneKeepsTheChainVerifiable(t *testing.T, s Store) {
	ctx := context.Background()
	src := &fakeSource{accounts: []string{"a@x.com"}}
	if _, err := Pull(ctx, s, src, date("2026-03-01"), PullOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Prune(ctx, "2026-02-15")
	if err != nil || n != 15 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	vr, err := Verify(ctx, s)
	if err != nil || len(vr.Problems) != 0 || vr.First != "2026-02-15" {
		t.Fatalf("after pruning: %+v %v", vr, err)
	}
	if c := count(t, s, Filter{To: "2026-02-14"}); c != 0 {
		t.Fatalf("%d rows of pruned days remain", c)
	}
	// The next pull continues the chain from the retained days.
	if _, err := Pull(ctx, s, src, date("2026-03-03"), PullOptions{}); err != nil {
		t.Fatal(err)
	}
	if vr, _ := Verify(ctx, s); len(vr.Problems) != 0 || vr.Last != "2026-03-02" {
		t.Fatalf("after the next pull: %+v", vr)
	}
}

func TestOpenBoltHeldByAnother(t *testing.T) {
	_, p := openBolt(t)
	if _, err := OpenBolt(p, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenBoltReadOnly(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenBoltReadOnly(filepath.Join(dir, "missing"), 50*time.Millisecond); err == nil {
		t.Fatal("a missing file must not be created by a reader")
	}
	p := filepath.Join(dir, DefaultFile)
	w, err := OpenBolt(p, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(context.Background(), w, &fakeSource{accounts: []string{"a@x.com"}}, date("2026-03-01"), PullOptions{}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	r1, err := OpenBoltReadOnly(p, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := OpenBoltReadOnly(p, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("two readers at once: %v", err)
	}
	defer r2.Close()
	if n := count(t, r2, Filter{}); n != 29*4 {
		t.Fatalf("a reader sees %d rows", n)
	}
	if _, err := r1.Add(context.Background(), "2026-03-01", "x", nil); err == nil {
		t.Fatal("a reader must not write")
	}
	if _, err := OpenBolt(p, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a writer while readers hold the file: %v", err)
	}
}

func TestPullReportsCalls(t *testing.T) {
	s, _ := openBolt(t)
	var last, total, n int
	_, err := Pull(context.Background(), s, &fakeSource{accounts: []string{"a@x.com", "b@x.com"}}, date("2026-03-01"),
		PullOptions{Fetched: func(done, all int) { n++; last, total = done, all }})
	// 29 days: one operation call a day and one login call per account for all of them.
	if err != nil || n != 31 || last != 31 || total != 31 {
		t.Fatalf("%d reports, last %d of %d: %v", n, last, total, err)
	}
}
