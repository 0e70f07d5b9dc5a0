package audit

import (
	"testing"
	"time"
)

func TestNoLogin(t *testing.T) {
	acc := []Account{{Email: "a@x.com", Status: "active"}, {Email: "b@x.com", Status: "active"}, {Email: "f@x.com", Status: "frozen"}}
	recent, old := now.AddDate(0, 0, -3), now.AddDate(0, 0, -120)
	for _, tt := range []struct {
		name    string
		archive Archive
		want    []string
	}{
		{"no archive: cannot tell", Archive{}, nil},
		{"archive too young: cannot tell", Archive{Present: true, First: "2026-05-01", LastLogin: map[string]time.Time{}}, nil},
		{"both recent", Archive{Present: true, First: "2026-01-01", LastLogin: map[string]time.Time{"a@x.com": recent, "b@x.com": recent}}, nil},
		{"one old, one never", Archive{Present: true, First: "2026-01-01", LastLogin: map[string]time.Time{"a@x.com": old}},
			[]string{"No login for 90 days: a@x.com", "No login for 90 days: b@x.com"}},
	} {
		check(t, tt.name, noLogin(input(func(in *Input) { in.Accounts, in.Archive = acc, tt.archive })), tt.want...)
	}
	// The threshold comes from the policy.
	got := noLogin(input(func(in *Input) {
		in.Accounts = acc[:1]
		in.Policy.NoLoginDays = 150
		in.Archive = Archive{Present: true, First: "2026-01-01", LastLogin: map[string]time.Time{"a@x.com": old}}
	}))
	check(t, "150 days", got)
}
