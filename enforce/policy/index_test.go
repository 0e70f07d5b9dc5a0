package policy

import (
	"strings"
	"testing"

	"github.com/mailform/mailform/providers/postfix"
)

var testPolicy = &postfix.Policy{
	Domains: []string{"harbour.test"},
	Restrictions: []postfix.Restriction{
		{Name: "finance", Senders: []string{"dan@harbour.test"}, DenyExternal: true, AllowedDomains: []string{"partner.test"}},
		{Name: "rd", Senders: []string{"rae@harbour.test"}, MaxRecipients: 100, MaxAttachmentMB: 2},
	},
	Groups: []postfix.GroupPolicy{
		{Address: "close@harbour.test", Senders: "members", Members: []string{"dan@harbour.test"}},
		{Address: "mgmt@harbour.test", Senders: "list", Allowed: []string{"gm@harbour.test"}},
		{Address: "all@harbour.test", Senders: "organization"},
	},
}

func TestDecide(t *testing.T) {
	ix := NewIndex(testPolicy)
	for _, c := range []struct {
		name string
		req  Request
		want string // a prefix of the action
		rule string
	}{
		{"restricted sender to outside", Request{"protocol_state": "RCPT", "sasl_username": "Dan@harbour.test", "recipient": "x@Other.test"},
			`550 5.7.1 <x@other.test>: send_restriction.finance does not let dan@harbour.test send outside the company except to partner.test`, "send_restriction.finance"},
		{"restricted sender to an allowed domain", Request{"protocol_state": "RCPT", "sasl_username": "dan@harbour.test", "recipient": "x@partner.test"}, "DUNNO", ""},
		{"restricted sender inside", Request{"protocol_state": "RCPT", "sasl_username": "dan@harbour.test", "recipient": "rae@harbour.test"}, "DUNNO", ""},
		{"envelope sender without login is restricted too", Request{"protocol_state": "RCPT", "sender": "dan@harbour.test", "recipient": "x@other.test"}, "550 5.7.1", "send_restriction.finance"},
		{"unrestricted sender", Request{"protocol_state": "RCPT", "sasl_username": "rae@harbour.test", "recipient": "x@other.test"}, "DUNNO", ""},
		{"100 recipients", Request{"protocol_state": "END-OF-MESSAGE", "sasl_username": "rae@harbour.test", "recipient_count": "100", "size": "1000"}, "DUNNO", ""},
		{"101 recipients", Request{"protocol_state": "END-OF-MESSAGE", "sasl_username": "rae@harbour.test", "recipient_count": "101", "size": "1000"},
			`550 5.7.1 send_restriction.rd allows at most 100 recipients per message; this one has 101`, "send_restriction.rd"},
		{"101 recipients at DATA", Request{"protocol_state": "DATA", "sasl_username": "rae@harbour.test", "recipient_count": "101"}, "550 5.7.1", "send_restriction.rd"},
		{"too big", Request{"protocol_state": "END-OF-MESSAGE", "sasl_username": "rae@harbour.test", "recipient_count": "1", "size": "3145728"},
			`552 5.3.4 send_restriction.rd allows messages of at most 2 MB; this one has 3.0 MB`, "send_restriction.rd"},
		{"just small enough", Request{"protocol_state": "END-OF-MESSAGE", "sasl_username": "rae@harbour.test", "recipient_count": "1", "size": "2097152"}, "DUNNO", ""},
		{"member to members group", Request{"protocol_state": "RCPT", "sasl_username": "dan@harbour.test", "recipient": "close@harbour.test"}, "DUNNO", ""},
		{"non-member to members group", Request{"protocol_state": "RCPT", "sasl_username": "rae@harbour.test", "recipient": "Close@harbour.test"},
			"550 5.7.1 <close@harbour.test>: only its members may write to it", "group.close@harbour.test"},
		{"claimed member without login", Request{"protocol_state": "RCPT", "sender": "dan@harbour.test", "recipient": "close@harbour.test"}, "550 5.7.1", "group.close@harbour.test"},
		{"listed sender", Request{"protocol_state": "RCPT", "sasl_username": "gm@harbour.test", "recipient": "mgmt@harbour.test"}, "DUNNO", ""},
		{"unlisted sender", Request{"protocol_state": "RCPT", "sasl_username": "dan@harbour.test", "recipient": "mgmt@harbour.test"},
			"550 5.7.1 <mgmt@harbour.test>: only gm@harbour.test may write to it", "group.mgmt@harbour.test"},
		{"organization group, signed in", Request{"protocol_state": "RCPT", "sasl_username": "rae@harbour.test", "recipient": "all@harbour.test"}, "DUNNO", ""},
		{"organization group from the internet", Request{"protocol_state": "RCPT", "sender": "x@internet.test", "recipient": "all@harbour.test"},
			"550 5.7.1 <all@harbour.test>: only people of the organization, signed in, may write to it", "group.all@harbour.test"},
		{"other states pass", Request{"protocol_state": "MAIL", "sasl_username": "dan@harbour.test"}, "DUNNO", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := ix.Decide(c.req)
			if !strings.HasPrefix(d.Action, c.want) || d.Rule != c.rule {
				t.Fatalf("Decide = %+v; want %q… by rule %q", d, c.want, c.rule)
			}
		})
	}
}

func TestCheckAction(t *testing.T) {
	for _, ok := range []string{"defer_if_permit", "DEFER", "dunno", "reject", "451 4.3.0 try later", "DEFER_IF_PERMIT policy unavailable"} {
		if err := CheckAction(ok); err != nil {
			t.Errorf("CheckAction(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "maybe", "250 ok", "451 a\nb"} {
		if err := CheckAction(bad); err == nil || !strings.Contains(err.Error(), "not a Postfix access action") {
			t.Errorf("CheckAction(%q) = %v; want a refusal", bad, err)
		}
	}
}
