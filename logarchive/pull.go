package logarchive

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Source is an API that answers log rows for recent days: a provider capability.
type Source interface {
	// Window returns the oldest and the newest complete day the source still answers,
	// as seen at now.
	Window(now time.Time) (oldest, newest string)
	// Units returns the calls that together fetch a day: one per kind, and one per
	// account for the kinds asked account by account.
	Units(ctx context.Context) ([]string, error)
	// Windowed reports whether unit is fetched once for a range of days (the
	// per-account logins: few rows, many calls) rather than day by day (tenant-wide
	// logs, whose answers must stay small: the API has no paging).
	Windowed(unit string) bool
	// Fetch returns the rows of unit for the days from–to, each with its Day set to
	// one of them.
	Fetch(ctx context.Context, from, to, unit string) ([]Row, error)
}

// PullOptions bounds one pull.
type PullOptions struct {
	// Until is the last day to pull; "" = the source's newest complete day.
	Until string
	// Concurrency is how many units are fetched at once; default 4.
	Concurrency int
	// Progress, when set, is called after each sealed day.
	Progress func(d Day, added int)
	// Fetched, when set, is called after each call with the calls made and the calls
	// of the whole pull, so a long first pull shows it is moving.
	Fetched func(done, total int)
}

// PullReport says what a pull did.
type PullReport struct {
	Sealed []Day // days sealed by this pull, gaps included
	Gaps   []string
	Added  int // rows new to the archive
}

// Pull archives the days after the last sealed one up to opts.Until, oldest first.
// Each day is fetched unit by unit, so a pull stopped mid-day resumes with the units
// still missing; a day the source no longer answers is sealed as a gap and reported.
// The first pull of an empty archive starts at the source's oldest answerable day.
func Pull(ctx context.Context, s Store, src Source, now time.Time, opts PullOptions) (PullReport, error) {
	var rep PullReport
	oldest, newest := src.Window(now)
	until := newest
	if opts.Until != "" {
		if !ValidDate(opts.Until) {
			return rep, fmt.Errorf("until %q is not a date like 2026-01-31", opts.Until)
		}
		if opts.Until < until {
			until = opts.Until
		}
	}
	days, err := s.Days(ctx)
	if err != nil {
		return rep, err
	}
	next, prev := oldest, ""
	if len(days) > 0 {
		last := days[len(days)-1]
		next, prev = AddDays(last.Date, 1), last.Hash
	} else if prev, err = s.Meta(ctx, MetaAnchor); err != nil {
		return rep, err
	}
	seal := func(d, status string, added int) error {
		hash, rows, err := DayHash(ctx, s, d, status, prev)
		if err != nil {
			return err
		}
		day := Day{Date: d, Status: status, Rows: rows, Prev: prev, Hash: hash, Sealed: now.UTC()}
		if err := s.Seal(ctx, day); err != nil {
			return err
		}
		rep.Sealed = append(rep.Sealed, day)
		rep.Added += added
		prev = hash
		if opts.Progress != nil {
			opts.Progress(day, added)
		}
		return nil
	}
	var window []string
	for d := next; d <= until; d = AddDays(d, 1) {
		if d < oldest {
			// Calls made before the day left the API's month keep their rows: the
			// day is partial, and a gap all the same.
			status := DayGap
			if got, err := s.Done(ctx, d); err != nil {
				return rep, err
			} else if len(got) > 0 {
				status = DayPartial
			}
			rep.Gaps = append(rep.Gaps, d)
			if err := seal(d, status, 0); err != nil {
				return rep, err
			}
			continue
		}
		window = append(window, d)
	}
	if len(window) > 0 {
		added, err := pullWindow(ctx, s, src, window, opts.Concurrency, opts.Fetched)
		if err != nil {
			return rep, err
		}
		for _, d := range window {
			if err := seal(d, DayComplete, added[d]); err != nil {
				return rep, err
			}
		}
	}
	if err := s.SetMeta(ctx, MetaLastPull, now.UTC().Format(time.RFC3339)); err != nil {
		return rep, err
	}
	return rep, nil
}

// fetchJob is one call: unit for the days from–to.
type fetchJob struct{ from, to, unit string }

// pullWindow fetches what the days of window (consecutive, ascending) still miss: a
// windowed unit once from its first missing day to the end, any other unit day by
// day. Each answer is stored as soon as it arrives, day by day, so a pull stopped
// anywhere resumes with the calls still missing. It returns the new rows per day.
func pullWindow(ctx context.Context, s Store, src Source, window []string, concurrency int, fetched func(done, total int)) (map[string]int, error) {
	units, err := src.Units(ctx)
	if err != nil {
		return nil, err
	}
	done := map[string]map[string]bool{}
	for _, d := range window {
		if done[d], err = s.Done(ctx, d); err != nil {
			return nil, err
		}
	}
	var jobs, daily []fetchJob
	last := window[len(window)-1]
	for _, u := range units {
		for _, d := range window {
			if done[d][u] {
				continue
			}
			if src.Windowed(u) {
				jobs = append(jobs, fetchJob{d, last, u})
				break
			}
			daily = append(daily, fetchJob{d, d, u})
		}
	}
	sort.SliceStable(daily, func(i, j int) bool { return daily[i].from < daily[j].from })
	jobs = append(jobs, daily...)
	if concurrency <= 0 {
		concurrency = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		added = map[string]int{}
		first error
		wg    sync.WaitGroup
		calls int
	)
	work := make(chan fetchJob)
	for i := 0; i < concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if ctx.Err() != nil {
					continue
				}
				n, err := fetchAndStore(ctx, s, src, j)
				mu.Lock()
				for d, k := range n {
					added[d] += k
				}
				if calls++; fetched != nil && err == nil {
					fetched(calls, len(jobs))
				}
				if err != nil && first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case work <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return added, first
}

// fetchAndStore makes one call and stores its rows day by day, oldest first, each
// day's part with the unit marked done for that day.
func fetchAndStore(ctx context.Context, s Store, src Source, j fetchJob) (map[string]int, error) {
	rows, err := src.Fetch(ctx, j.from, j.to, j.unit)
	where := j.from
	if j.to != j.from {
		where += "…" + j.to
	}
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", where, err)
	}
	byDay := map[string][]Row{}
	for _, r := range rows {
		if r.Day < j.from || r.Day > j.to {
			return nil, fmt.Errorf("pulling %s: %s answered a row of %s", where, j.unit, r.Day)
		}
		byDay[r.Day] = append(byDay[r.Day], r)
	}
	added := map[string]int{}
	for d := j.from; d <= j.to; d = AddDays(d, 1) {
		n, err := s.Add(ctx, d, j.unit, number(d, byDay[d]))
		added[d] += n
		if err != nil {
			return added, err
		}
	}
	return added, nil
}

// number sets Day and Seq of the rows of one answer: identical rows get 0, 1, 2 … so
// that each keeps its own natural key.
func number(date string, rows []Row) []Row {
	seen := map[string]int{}
	for i := range rows {
		rows[i].Day, rows[i].Seq = date, 0
		k := string(rows[i].Canonical())
		rows[i].Seq = seen[k]
		seen[k]++
	}
	return rows
}
