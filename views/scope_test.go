package views

import (
	"testing"

	"github.com/mailform/mailform/planner"
)

func TestScopeText(t *testing.T) {
	was := 12
	for _, c := range []struct {
		s    planner.Scope
		want string
	}{
		{planner.Scope{Accounts: 14, Sources: []planner.ScopeSource{{Ref: "department.finance", Accounts: 14}}}, "applies to 14 accounts in department.finance"},
		{planner.Scope{Accounts: 1, Sources: []planner.ScopeSource{{Ref: "accounts", Accounts: 1}}}, "applies to 1 account: 1 listed"},
		{planner.Scope{Accounts: 15, Was: &was, Sources: []planner.ScopeSource{{Ref: "accounts", Accounts: 2}, {Ref: "department.finance", Accounts: 14}}},
			"applies to 15 accounts: 2 listed, 14 in department.finance (was 12)"},
		{planner.Scope{Partial: true}, "applies to the accounts of departments this apply creates; the next plan counts them"},
		{planner.Scope{Accounts: 2, Partial: true, Sources: []planner.ScopeSource{{Ref: "group g@x.test", Accounts: 2}}}, "applies to 2 accounts in group g@x.test, and those of departments this apply creates"},
	} {
		if got := ScopeText(&c.s); got != c.want {
			t.Errorf("ScopeText(%+v) = %q\nwant %q", c.s, got, c.want)
		}
	}
}
