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

// Query calls fn with each archived row that f selects, day by day, oldest first; rows
// are streamed, never gathered.
func Query(ctx context.Context, s Store, f Filter, fn func(Row) error) error {
	days, err := s.Days(ctx)
	if err != nil {
		return err
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
