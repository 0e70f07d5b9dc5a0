package audit

import (
	"testing"

	"github.com/mailform/mailform/providers"
)

func TestQuota(t *testing.T) {
	for _, tt := range []struct {
		name  string
		usage []providers.MailboxUsage
		want  []string
	}{
		{"none reported", nil, nil},
		{"below and at 80 %", []providers.MailboxUsage{{Email: "a@x.com", UsedMB: 10, QuotaMB: 100}, {Email: "b@x.com", UsedMB: 80, QuotaMB: 100}}, nil},
		{"above", []providers.MailboxUsage{{Email: "c@x.com", UsedMB: 81, QuotaMB: 100}, {Email: "a@x.com", UsedMB: 950, QuotaMB: 1000}},
			[]string{"Mailbox above 80 % of its quota: a@x.com", "Mailbox above 80 % of its quota: c@x.com"}},
		{"no quota", []providers.MailboxUsage{{Email: "d@x.com", UsedMB: 5000}}, nil},
	} {
		check(t, tt.name, quota(input(func(in *Input) { in.Usage = tt.usage })), tt.want...)
	}
	if n := notes(input(nil)); len(n) == 0 || n[0] != "Mailbox usage against quota: not available (no configured provider reports it; the Exmail API does not)." {
		t.Fatalf("notes without usage: %q", n)
	}
	if n := notes(input(func(in *Input) { in.UsageAvailable = true; in.DNS = []DomainDNS{} })); len(n) != 0 {
		t.Fatalf("notes with usage and DNS: %q", n)
	}
}
