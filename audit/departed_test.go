package audit

import "testing"

func TestDepartedAccounts(t *testing.T) {
	heir := Account{Email: "boss@x.com", Status: "active"}
	for _, tt := range []struct {
		name string
		acc  Account
		want []string
	}{
		{"done right", Account{Email: "d@x.com", Status: "departed", Frozen: true, RetainDays: 60, HandoverTo: "BOSS@x.com"}, nil},
		{"not frozen", Account{Email: "d@x.com", Status: "departed", RetainDays: 60, HandoverTo: "boss@x.com"}, []string{"Departed account not properly offboarded: d@x.com"}},
		{"retained too long", Account{Email: "d@x.com", Status: "departed", Frozen: true, RetainDays: 365, HandoverTo: "boss@x.com"}, []string{"Departed account not properly offboarded: d@x.com"}},
		{"heir not active", Account{Email: "d@x.com", Status: "departed", Frozen: true, RetainDays: 30, HandoverTo: "gone@x.com"}, []string{"Departed account not properly offboarded: d@x.com"}},
		{"active is not departed", Account{Email: "a@x.com", Status: "active"}, nil},
	} {
		got := departedAccounts(input(func(in *Input) { in.Accounts = []Account{heir, tt.acc} }))
		check(t, tt.name, got, tt.want...)
	}
	got := departedAccounts(input(func(in *Input) {
		in.Accounts = []Account{{Email: "d@x.com", Status: "departed", RetainDays: 5}}
	}))
	if len(got) != 1 || got[0].Evidence != "It is not frozen; its mail is retained 5 days, not 30–90; no heir receives its mail." {
		t.Fatalf("evidence: %+v", got)
	}
}
