package logarchive

import (
	"context"
	"strings"
)

// Filter selects rows; zero fields select everything.
type Filter struct {
	Account  string // a row that concerns this address (sender, receiver, account, operand or operator)
	Kind     string
	From, To string // dates, inclusive
	IP       string
	Status   *int
	Operator string
}

// Match reports whether r passes every filter but the date range.
func (f Filter) Match(r Row) bool {
	if f.Kind != "" && r.Kind != f.Kind {
		return false
	}
	if f.Account != "" && !contains(r.Accounts(), strings.ToLower(f.Account)) {
		return false
	}
	if f.IP != "" && r.IP != f.IP {
		return false
	}
	if f.Status != nil && r.Status != *f.Status {
		return false
	}
	if f.Operator != "" && !strings.EqualFold(r.Operator, f.Operator) {
		return false
	}
	return true
}

// RangeScanner is a store that reads the rows of many days in one pass, day by day
// and in key order within a day, as Scan would day after day. fn must not call the
// store.
type RangeScanner interface {
	ScanRange(ctx context.Context, from, to, account string, fn func(Row) error) error
}

// Query calls fn with each archived row that f selects, day by day, oldest first; rows
// are streamed, never gathered.
func Query(ctx context.Context, s Store, f Filter, fn func(Row) error) error {
	days, err := s.Days(ctx)
	if err != nil {
		return err
	}
	if rs, ok := s.(RangeScanner); ok {
		if len(days) == 0 {
			return nil
		}
		from, to := days[0].Date, days[len(days)-1].Date
		if f.From > from {
			from = f.From
		}
		if f.To != "" && f.To < to {
			to = f.To
		}
		if from > to {
			return nil
		}
		// Only sealed days: a pull seals days in order, so the one being pulled lies
		// after the last sealed day.
		return rs.ScanRange(ctx, from, to, strings.ToLower(f.Account), func(r Row) error {
			if f.Match(r) {
				return fn(r)
			}
			return nil
		})
	}
	for _, d := range days {
		if (f.From != "" && d.Date < f.From) || (f.To != "" && d.Date > f.To) || d.Rows == 0 {
			continue
		}
		err := s.Scan(ctx, d.Date, strings.ToLower(f.Account), func(r Row) error {
			if f.Match(r) {
				return fn(r)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
