package audit

import "testing"

func TestSecondFactor(t *testing.T) {
	for _, tt := range []struct {
		name     string
		accounts []Account
		except   []string
		want     []string
	}{
		{"all forced", []Account{{Email: "a@x.com", Status: "active", ForceSecureLogin: true}}, nil, nil},
		{"one missing", []Account{{Email: "a@x.com", Status: "active", ForceSecureLogin: true}, {Email: "b@x.com", Status: "active"}}, nil,
			[]string{"Accounts without a second factor: b@x.com"}},
		{"frozen and departed do not count", []Account{{Email: "f@x.com", Status: "frozen"}, {Email: "d@x.com", Status: "departed"}}, nil, nil},
		{"exception, any case", []Account{{Email: "ceo@x.com", Status: "active"}}, []string{"CEO@x.com"}, nil},
	} {
		got := secondFactor(input(func(in *Input) { in.Accounts = tt.accounts; in.Policy.SecondFactorExceptions = tt.except }))
		check(t, tt.name, got, tt.want...)
	}
}
