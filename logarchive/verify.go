package logarchive

import (
	"context"
	"fmt"
)

// Problem is one thing Verify found wrong with the archive.
type Problem struct {
	Date   string
	Detail string
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Days     int
	Rows     int
	First    string
	Last     string
	Gaps     []string
	Problems []Problem
}

// Verify recomputes every sealed day's hash from its rows and checks the chain: each
// day follows the previous one with no date missing, and names its hash as Prev.
// An edited, added or removed row, or a removed day, shows as a problem.
func Verify(ctx context.Context, s Store) (VerifyReport, error) {
	var rep VerifyReport
	days, err := s.Days(ctx)
	if err != nil {
		return rep, err
	}
	prev, err := s.Meta(ctx, MetaAnchor)
	if err != nil {
		return rep, err
	}
	for i, d := range days {
		if i == 0 {
			rep.First = d.Date
		} else if want := AddDays(days[i-1].Date, 1); d.Date != want {
			rep.Problems = append(rep.Problems, Problem{want, fmt.Sprintf("missing: the archive jumps from %s to %s", days[i-1].Date, d.Date)})
		}
		if d.Prev != prev {
			rep.Problems = append(rep.Problems, Problem{d.Date, "the chain is broken: the day does not name the previous day's hash (a day before it was removed or replaced)"})
		}
		hash, rows, err := DayHash(ctx, s, d.Date, d.Status, d.Prev)
		if err != nil {
			return rep, err
		}
		switch {
		case rows != d.Rows:
			rep.Problems = append(rep.Problems, Problem{d.Date, fmt.Sprintf("holds %d rows, %d when sealed", rows, d.Rows)})
		case hash != d.Hash:
			rep.Problems = append(rep.Problems, Problem{d.Date, "a row was edited since the day was sealed (its content hash differs)"})
		}
		if d.Status == DayGap || d.Status == DayPartial {
			rep.Gaps = append(rep.Gaps, d.Date)
		}
		prev = d.Hash
		rep.Days++
		rep.Rows += rows
		rep.Last = d.Date
	}
	return rep, nil
}
