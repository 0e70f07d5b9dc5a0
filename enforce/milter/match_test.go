package milter

import (
	"reflect"
	"strings"
	"testing"

	"github.com/mailform/mailform/providers/postfix"
)

func set(addrs ...string) map[string]bool {
	m := map[string]bool{}
	for _, a := range addrs {
		m[a] = true
	}
	return m
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// testRules: Finance (dan, eve; eve's alias e@; the group money@) on harbour.test.
func testRules(rules ...postfix.BackupRule) *Rules {
	for i := range rules {
		rules[i].Senders = set("dan@harbour.test", "eve@harbour.test", "e@harbour.test")
		rules[i].Recipients = set("dan@harbour.test", "eve@harbour.test", "e@harbour.test", "money@harbour.test")
		if rules[i].Destination == "" {
			rules[i].Destination = "archive@harbour.test"
		}
	}
	return NewRules(&postfix.BackupRuleSet{Rules: rules, Domains: set("harbour.test", "harbour.example")})
}

func TestMatch(t *testing.T) {
	att := func(v bool) func() bool { return func() bool { return v } }
	for _, c := range []struct {
		name  string
		rules *Rules
		msg   Message
		want  []string // matching rule labels
	}{
		{"outbound: a covered sender to an external recipient",
			testRules(postfix.BackupRule{Label: "out", Direction: "outbound"}),
			Message{Sender: "Dan@Harbour.test", Recipients: []string{"x@partner.example"}}, []string{"out"}},
		{"outbound: one external recipient among internal ones is enough",
			testRules(postfix.BackupRule{Label: "out", Direction: "outbound"}),
			Message{Sender: "e@harbour.test", Recipients: []string{"ann@harbour.test", "x@partner.example"}}, []string{"out"}},
		{"internal mail is neither outbound nor inbound",
			testRules(postfix.BackupRule{Label: "both", Direction: "both"}),
			Message{Sender: "dan@harbour.test", Recipients: []string{"eve@harbour.test", "ann@harbour.example"}}, nil},
		{"outbound: a sender the rule does not cover",
			testRules(postfix.BackupRule{Label: "out", Direction: "outbound"}),
			Message{Sender: "ann@harbour.test", Recipients: []string{"x@partner.example"}}, nil},
		{"an outbound rule ignores inbound mail",
			testRules(postfix.BackupRule{Label: "out", Direction: "outbound"}),
			Message{Sender: "x@partner.example", Recipients: []string{"dan@harbour.test"}}, nil},
		{"inbound: an external sender to a group that reaches a covered mailbox",
			testRules(postfix.BackupRule{Label: "in", Direction: "inbound"}),
			Message{Sender: "x@partner.example", Recipients: []string{"money@harbour.test"}}, []string{"in"}},
		{"inbound: a bounce (null sender) is from outside",
			testRules(postfix.BackupRule{Label: "in", Direction: "inbound"}),
			Message{Sender: "", Recipients: []string{"dan@harbour.test"}}, []string{"in"}},
		{"an inbound rule ignores outbound mail",
			testRules(postfix.BackupRule{Label: "in", Direction: "inbound"}),
			Message{Sender: "dan@harbour.test", Recipients: []string{"x@partner.example"}}, nil},
		{"from_domains: the envelope sender's subdomain",
			testRules(postfix.BackupRule{Label: "in", Direction: "inbound", FromDomains: []string{"partner.example"}}),
			Message{Sender: "bounce@mail.partner.example", Recipients: []string{"dan@harbour.test"}}, []string{"in"}},
		{"from_domains: the From header's domain",
			testRules(postfix.BackupRule{Label: "in", Direction: "inbound", FromDomains: []string{"partner.example"}}),
			Message{Sender: "bounce@esp.test", FromDomains: []string{"Partner.Example"}, Recipients: []string{"dan@harbour.test"}}, []string{"in"}},
		{"from_domains: another domain does not match (nor a look-alike suffix)",
			testRules(postfix.BackupRule{Label: "in", Direction: "inbound", FromDomains: []string{"partner.example"}}),
			Message{Sender: "x@notpartner.example", Recipients: []string{"dan@harbour.test"}}, nil},
		{"subject_contains ignores case",
			testRules(postfix.BackupRule{Label: "in", Direction: "both", SubjectContains: "Invoice"}),
			Message{Sender: "x@partner.example", Subject: "Your INVOICE 42", Recipients: []string{"dan@harbour.test"}}, []string{"in"}},
		{"subject_contains not in the subject",
			testRules(postfix.BackupRule{Label: "in", Direction: "both", SubjectContains: "Invoice"}),
			Message{Sender: "x@partner.example", Subject: "Lunch", Recipients: []string{"dan@harbour.test"}}, nil},
		{"has_attachment = true with one",
			testRules(postfix.BackupRule{Label: "att", Direction: "outbound", HasAttachment: yes()}),
			Message{Sender: "dan@harbour.test", Recipients: []string{"x@partner.example"}, Attachment: att(true)}, []string{"att"}},
		{"has_attachment = true without one",
			testRules(postfix.BackupRule{Label: "att", Direction: "outbound", HasAttachment: yes()}),
			Message{Sender: "dan@harbour.test", Recipients: []string{"x@partner.example"}, Attachment: att(false)}, nil},
		{"has_attachment = false without one",
			testRules(postfix.BackupRule{Label: "plain", Direction: "outbound", HasAttachment: no()}),
			Message{Sender: "dan@harbour.test", Recipients: []string{"x@partner.example"}, Attachment: att(false)}, []string{"plain"}},
		{"every condition must hold",
			testRules(postfix.BackupRule{Label: "all", Direction: "inbound", FromDomains: []string{"partner.example"}, SubjectContains: "contract", HasAttachment: yes()}),
			Message{Sender: "x@partner.example", Subject: "Contract", Recipients: []string{"dan@harbour.test"}, Attachment: att(false)}, nil},
		{"several rules match",
			testRules(postfix.BackupRule{Label: "a", Direction: "both"}, postfix.BackupRule{Label: "b", Direction: "outbound", HasAttachment: yes()}),
			Message{Sender: "dan@harbour.test", Recipients: []string{"x@partner.example"}, Attachment: att(true)}, []string{"a", "b"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, m := range c.rules.Match(c.msg) {
				got = append(got, m.Rule)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("matched %v; want %v", got, c.want)
			}
		})
	}
}

// The body is read only when a rule asks about attachments, and at most once.
func TestMatchReadsTheBodyOnlyWhenNeeded(t *testing.T) {
	reads := 0
	msg := Message{Sender: "dan@harbour.test", Recipients: []string{"x@partner.example"}, Attachment: func() bool { reads++; return true }}
	testRules(postfix.BackupRule{Label: "a", Direction: "outbound"}).Match(msg)
	if reads != 0 {
		t.Fatalf("body read %d times for a rule without has_attachment", reads)
	}
	testRules(postfix.BackupRule{Label: "a", Direction: "outbound", HasAttachment: yes()}, postfix.BackupRule{Label: "b", Direction: "both", HasAttachment: yes()}).Match(msg)
	if reads != 1 {
		t.Fatalf("body read %d times for two rules; want once", reads)
	}
}

func TestDestinationsOncePerMailbox(t *testing.T) {
	got := Destinations([]Match{{"a", "z@x.test"}, {"b", "y@x.test"}, {"c", "z@x.test"}})
	if !reflect.DeepEqual(got, []string{"y@x.test", "z@x.test"}) {
		t.Fatalf("destinations = %v", got)
	}
}

func TestHasAttachment(t *testing.T) {
	mp := func(parts ...string) string {
		return "From: a@x.test\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\npreamble\r\n" +
			"--B\r\n" + strings.Join(parts, "\r\n--B\r\n") + "\r\n--B--\r\n"
	}
	text := "Content-Type: text/plain; charset=utf-8\r\n\r\nhello"
	for _, c := range []struct {
		name, msg string
		want      bool
	}{
		{"plain text, not MIME", "From: a@x.test\r\nSubject: s\r\n\r\nhello, see report.pdf\r\n", false},
		{"a PDF part", mp(text, "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK"), true},
		{"a text part marked attachment", mp(text, "Content-Type: text/csv\r\nContent-Disposition: attachment; filename=\"a.csv\"\r\n\r\na,b"), true},
		{"an inline image", mp(text, "Content-Type: image/png\r\nContent-Disposition: inline\r\nContent-ID: <i1>\r\n\r\nPNG"), false},
		{"a file name alone makes no attachment", mp("Content-Type: text/plain; name=\"invoice.pdf\"\r\n\r\nhello"), false},
		{"text and HTML alternatives", "From: a@x.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n--A\r\n" + text +
			"\r\n--A\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--A--\r\n", false},
		{"nested: an attachment inside multipart/related inside mixed", mp("Content-Type: multipart/related; boundary=R\r\n\r\n--R\r\n" + text +
			"\r\n--R\r\nContent-Type: application/vnd.ms-excel\r\n\r\nxls\r\n--R--"), true},
		{"a whole message that is one PDF", "From: a@x.test\r\nMIME-Version: 1.0\r\nContent-Type: application/pdf\r\n\r\n%PDF", true},
		{"a signature is not an attachment", "From: a@x.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=S\r\n\r\n--S\r\n" + text +
			"\r\n--S\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Disposition: attachment; filename=smime.p7s\r\n\r\nsig\r\n--S--\r\n", false},
		{"a forwarded message is an attachment", mp(text, "Content-Type: message/rfc822\r\n\r\nFrom: b@y.test\r\nSubject: fwd\r\n\r\nhi"), true},
		{"a forwarded message shown inline is not", mp(text, "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\nFrom: b@y.test\r\n\r\nhi"), false},
		{"an unknown charset does not hide the attachment", mp("Content-Type: text/plain; charset=x-unknown\r\n\r\nhi", "Content-Type: application/zip\r\n\r\nPK"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := HasAttachment(strings.NewReader(c.msg))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("HasAttachment = %v; want %v", got, c.want)
			}
		})
	}
}

// A body truncated in the middle of a part (the milter reads at most --max-body)
// still reports what came before.
func TestHasAttachmentOnATruncatedBody(t *testing.T) {
	msg := "From: a@x.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 and more"
	got, _ := HasAttachment(strings.NewReader(msg))
	if !got {
		t.Fatal("an attachment seen before the cut was not reported")
	}
}
