package logarchive

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Source is an API that answers log rows for recent days: a provider capability.
type Source interface {
	// Window returns the oldest and the newest complete day the source still answers,
	// as seen at now.
	Window(now time.Time) (oldest, newest string)
	// Units returns the calls that together fetch one day: one per kind, and one per
	// account for the kinds asked account by account.
	Units(ctx context.Context) ([]string, error)
	// Fetch returns the rows of one unit of date.
	Fetch(ctx context.Context, date, unit string) ([]Row, error)
}

// PullOptions bounds one pull.
type PullOptions struct {
	// Until is the last day to pull; "" = the source's newest complete day.
	Until string
	// Concurrency is how many units are fetched at once; default 4.
	Concurrency int
	// Progress, when set, is called after each sealed day.
	Progress func(d Day, added int)
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
	var units []string
	for d := next; d <= until; d = AddDays(d, 1) {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		status, added := DayComplete, 0
		if d < oldest {
			status = DayGap
			rep.Gaps = append(rep.Gaps, d)
		} else {
			if units == nil {
				if units, err = src.Units(ctx); err != nil {
					return rep, err
				}
			}
			if added, err = pullDay(ctx, s, src, d, units, opts.Concurrency); err != nil {
				return rep, err
			}
		}
		hash, rows, err := DayHash(ctx, s, d, status, prev)
		if err != nil {
			return rep, err
		}
		day := Day{Date: d, Status: status, Rows: rows, Prev: prev, Hash: hash, Sealed: now.UTC()}
		if err := s.Seal(ctx, day); err != nil {
			return rep, err
		}
		rep.Sealed = append(rep.Sealed, day)
		rep.Added += added
		prev = hash
		if opts.Progress != nil {
			opts.Progress(day, added)
		}
	}
	if err := s.SetMeta(ctx, MetaLastPull, now.UTC().Format(time.RFC3339)); err != nil {
		return rep, err
	}
	return rep, nil
}

// pullDay fetches the units of date not yet done, a few at once, and stores each as
// soon as it arrives.
func pullDay(ctx context.Context, s Store, src Source, date string, units []string, concurrency int) (int, error) {
	done, err := s.Done(ctx, date)
	if err != nil {
		return 0, err
	}
	if concurrency <= 0 {
		concurrency = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		added int
		first error
		wg    sync.WaitGroup
	)
	work := make(chan string)
	for i := 0; i < concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				if ctx.Err() != nil {
					continue
				}
				rows, err := src.Fetch(ctx, date, u)
				var n int
				if err == nil {
					n, err = s.Add(ctx, date, u, number(date, rows))
				}
				mu.Lock()
				added += n
				if err != nil && first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, u := range units {
		if done[u] {
			continue
		}
		select {
		case work <- u:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	if first != nil && !errors.Is(first, context.Canceled) {
		return added, fmt.Errorf("pulling %s: %w", date, first)
	}
	return added, first
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
