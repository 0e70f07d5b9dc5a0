package schema

import (
	"fmt"
	"net/mail"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mailform/mailform/model"
)

// decodeCtx is what resource bodies see in these tests: var.unknown_id stands for a
// department id known only after apply.
func decodeCtx(c *Config) *hcl.EvalContext {
	ids := make([]cty.Value, 21)
	for i := range ids {
		ids[i] = cty.UnknownVal(cty.String)
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{
			"unknown_id":  cty.UnknownVal(cty.String),
			"unknown_ids": cty.TupleVal(ids),
			"handovers":   cty.ListVal([]cty.Value{cty.StringVal("Bob@Example.com")}),
			"none":        cty.ListValEmpty(cty.String),
			"secret":      cty.StringVal("pw").Mark("sensitive"),
		})},
		Functions: c.Functions(),
	}
}

// decodeOne loads one resource block and decodes its body.
func decodeOne(t *testing.T, src string) (model.Object, Ranges, hcl.Diagnostics) {
	t.Helper()
	c := load(t, src)
	if len(c.Resources) != 1 {
		t.Fatalf("want one resource, got %d", len(c.Resources))
	}
	return c.Resources[0].Decode(decodeCtx(c))
}

func TestDecodeValues(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want model.Object
	}{
		{name: "strings, bools, ints and sets", src: `account "a" {
  email              = "Alice@Example.com"
  name               = "Alice"
  departments        = ["d2", "d1"]
  aliases            = ["al@example.com"]
  imap_smtp          = true
  force_secure_login = "false"
  quota_mb           = "2048"
  password           = var.secret
}`, want: model.Object{"email": "Alice@Example.com", "name": "Alice", "departments": []string{"d2", "d1"},
			"aliases": []string{"al@example.com"}, "imap_smtp": true, "force_secure_login": false, "quota_mb": int64(2048), "password": "pw"}},
		{name: "null leaves the attribute out", src: `account "a" {
  email    = "a@example.com"
  name     = "A"
  position = null
  quota_mb = null
}`, want: model.Object{"email": "a@example.com", "name": "A"}},
		{name: "unknown id", src: `department "d" {
  name   = "Sales"
  parent = var.unknown_id
}`, want: model.Object{"name": "Sales", "parent": model.Unknown}},
		{name: "list holding an unknown id", src: `account "a" {
  email       = "a@example.com"
  name        = "A"
  departments = ["d1", var.unknown_id]
}`, want: model.Object{"email": "a@example.com", "name": "A", "departments": model.Unknown}},
		{name: "offboarding block", src: `account "a" {
  email  = "a@example.com"
  name   = "A"
  status = "departed"
  offboarding {
    handover_to = "b@example.com"
    retain_days = 7
  }
}`, want: model.Object{"email": "a@example.com", "name": "A", "status": "departed",
			"offboarding": model.Object{"handover_to": "b@example.com", "retain_days": int64(7)}}},
		{name: "dynamic offboarding block", src: `account "a" {
  email  = "a@example.com"
  name   = "A"
  dynamic "offboarding" {
    for_each = var.handovers
    content { handover_to = lower(offboarding.value) }
  }
}`, want: model.Object{"email": "a@example.com", "name": "A", "offboarding": model.Object{"handover_to": "bob@example.com"}}},
		{name: "dynamic block over nothing", src: `account "a" {
  email  = "a@example.com"
  name   = "A"
  dynamic "offboarding" {
    for_each = var.none
    content { handover_to = offboarding.value }
  }
}`, want: model.Object{"email": "a@example.com", "name": "A"}},
		{name: "match block", src: `backup_rule "fin" {
  destination = "archive@example.com"
  direction   = "outbound"
  match {
    has_attachment = true
    from_domains   = ["partner.com"]
  }
}`, want: model.Object{"destination": "archive@example.com", "direction": "outbound",
			"match": model.Object{"has_attachment": true, "from_domains": []string{"partner.com"}}}},
		{name: "dns record", src: `dns_record "mx" {
  zone    = "example.com."
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com."]
  ttl     = 300
}`, want: model.Object{"zone": "example.com.", "name": "@", "type": "MX", "records": []string{"5 mxbiz1.qq.com."}, "ttl": int64(300)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _, diags := decodeOne(t, tt.src)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("Decode =\n %#v\nwant\n %#v", o, tt.want)
			}
		})
	}
}

func TestDecodeRanges(t *testing.T) {
	_, ranges, diags := decodeOne(t, `account "a" {
  email = "a@example.com"
  name  = "A"
  offboarding {
    handover_to = "b@example.com"
  }
}`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for name, line := range map[string]int{"email": 2, "name": 3, "offboarding": 4, "offboarding.handover_to": 5} {
		if r, ok := ranges[name]; !ok || r.Start.Line != line {
			t.Errorf("range of %s = %v, want line %d", name, r, line)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	acct := func(extra string) string {
		return "account \"a\" {\n  email = \"a@example.com\"\n  name = \"A\"\n  " + extra + "\n}"
	}
	tests := []struct{ name, src, want string }{
		{"negative int", acct(`quota_mb = -1`), "must be a non-negative whole number"},
		{"fractional int", acct(`quota_mb = 1.5`), "it must be a whole number"},
		{"int from words", acct(`quota_mb = "lots"`), "account.quota_mb must be a number"},
		{"bool from words", acct(`imap_smtp = "yes"`), "account.imap_smtp must be a bool"},
		{"string for a set", acct(`departments = {a = 1}`), "give a list such as"},
		{"null in a set", acct(`departments = ["a", null]`), "an element is null"},
		{"email with display name", `account "a" {
  email = "Alice <a@example.com>"
  name  = "A"
}`, `"Alice <a@example.com>" is not an email address`},
		{"email in a set", acct(`aliases = ["nope"]`), "Invalid email address in aliases"},
		{"too many aliases", acct(`aliases = ["a1@x.com", "a2@x.com", "a3@x.com", "a4@x.com", "a5@x.com", "a6@x.com"]`), "account.aliases holds 6 items; the limit is 5"},
		{"too many unknown departments", acct(`departments = var.unknown_ids`), "account.departments holds 21 items; the limit is 20"},
		{"enum", acct(`status = "gone"`), `account.status is "gone"; it must be one of "active", "frozen", "departed"`},
		{"missing required", `account "a" { name = "A" }`, `The argument "email" is required`},
		{"unknown attribute", acct(`colour = "red"`), `An argument named "colour" is not expected here`},
		{"two offboarding blocks", acct("offboarding {}\n  offboarding {}"), "A account takes at most one offboarding block"},
		{"bad handover", acct(`offboarding { handover_to = "bob" }`), `"bob" is not an email address`},
		{"computed id", `department "d" {
  id   = "7"
  name = "Sales"
}`, "department.id is computed when the object is created and cannot be set"},
		{"department name", `department "d" { name = "a:b" }`, "names may not contain any of"},
		{"domain", `domain "d" { name = "localhost" }`, "not a fully qualified domain name"},
		{"bad MX", `dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["mx.example.com."]
}`, "Invalid MX record"},
		{"empty RRset", `dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = []
}`, "records must hold at least one value"},
		{"record type", `dns_record "x" {
  zone    = "example.com"
  name    = "@"
  type    = "PTR"
  records = ["a."]
}`, `dns_record.type is "PTR"`},
		{"reference error", acct(`position = var.nope`), `Unsupported attribute`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, diags := decodeOne(t, tt.src)
			if got := diagText(diags); !strings.Contains(got, tt.want) {
				t.Errorf("errors = %q, want %q", got, tt.want)
			}
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic %q has no source range", d.Summary)
				}
			}
		})
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	_, _, diags := decodeOne(t, `account "a" {
  email    = "nope"
  name     = "A"
  quota_mb = -3
  status   = "gone"
}`)
	if n := len(diags.Errs()); n != 3 {
		t.Errorf("%d errors, want 3 (email, quota_mb, status): %s", n, diags.Error())
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"alice@example.com", true},
		{"Alice.Smith+tag@Mail.Example.COM", true},
		{"a@b.co", true},
		{"alice", false},
		{"alice@localhost", false},
		{"Alice <alice@example.com>", false},
		{" alice@example.com", false},
		{"alice@exa mple.com", false},
		{"alice@-example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := CheckEmail(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckEmail(%q) = %v, want ok %v", tt.in, err, tt.ok)
		}
	}
}

func TestCheckDomain(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"example.com", true},
		{"Example.COM.", true},
		{"_dmarc.example.com", true},
		{"a-b.example.com", true},
		{"example", false},
		{"", false},
		{"-a.example.com", false},
		{"a-.example.com", false},
		{"a..example.com", false},
		{"exa mple.com", false},
		{strings.Repeat("a", 64) + ".com", false},
		{strings.Repeat("a", 63) + ".com", true},
		{strings.Repeat("abcdefgh.", 29) + "com", false},
	}
	for _, tt := range tests {
		if err := CheckDomain(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckDomain(%q) = %v, want ok %v", tt.in, err, tt.ok)
		}
	}
	// The messages are those of checking strings.Split's labels in turn.
	split := func(s string) error {
		d := model.CanonicalDomain(s)
		if d == "" || len(d) > 253 {
			return fmt.Errorf("%q is not a domain name; write it like example.com", s)
		}
		labels := strings.Split(d, ".")
		if len(labels) < 2 {
			return fmt.Errorf("%q is not a fully qualified domain name; write it like example.com", s)
		}
		for _, l := range labels {
			if !isDomainLabel(l) {
				return fmt.Errorf("%q is not a domain name: the label %q may hold only letters, digits and inner dashes", s, l)
			}
		}
		return nil
	}
	more := []string{"a.", ".a", "a..b", "A.b-.c", "a.b.c-", "x.-y.z", ".", "..", "a.b.", " a.b ", "a_b.c", "é.com"}
	for _, tt := range tests {
		more = append(more, tt.in)
	}
	for _, in := range more {
		if got, want := fmt.Sprint(CheckDomain(in)), fmt.Sprint(split(in)); got != want {
			t.Errorf("CheckDomain(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestCheckDepartmentName(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = valid
	}{
		{"Sales", ""},
		{"销售部", ""},
		{"R&D / EMEA", ""},
		{strings.Repeat("部", 64), ""},
		{strings.Repeat("部", 65), "has 65"},
		{"", "has 0"},
		{`a\b`, `holds "\\"`},
		{"a:b", `holds ":"`},
		{"a*b", `holds "*"`},
		{"a?b", `holds "?"`},
		{`a"b`, `holds "\""`},
		{"a<b", `holds "<"`},
		{"a>b", `holds ">"`},
		{"a|b", `holds "|"`},
	}
	for _, tt := range tests {
		err := CheckDepartmentName(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckDepartmentName(%q) = %v, want ok", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckDepartmentName(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// TestIsDomainLabel: the hand-written label check accepts exactly what the regular
// expression it replaced accepted.
func TestIsDomainLabel(t *testing.T) {
	re := regexp.MustCompile(`^[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?$`)
	cases := []string{"", "a", "_", "-", "a-", "-a", "a-b", "_dmarc", "a_b", "xn--bcher-kva", "A", "é", "a.b", "0", "9z",
		strings.Repeat("a", 63), strings.Repeat("a", 64), "a" + strings.Repeat("-", 61) + "b", "a" + strings.Repeat("-", 62) + "b", "__"}
	for _, c := range cases {
		if got, want := isDomainLabel(c), re.MatchString(c); got != want {
			t.Errorf("isDomainLabel(%q) = %v, the regular expression says %v", c, got, want)
		}
	}
}

// TestIsDotAtomAddr: every address the fast check lets past CheckEmail's parser is
// one mail.ParseAddress takes as it is.
func TestIsDotAtomAddr(t *testing.T) {
	for _, c := range []string{"a@b.c", "A.B+x_y-z@Ex-1.com", "a..b@x.com", ".a@x.com", "a.@x.com", "a@x..com", "a@.x", "a@x.",
		"@x.com", "a@", "a@b@c", "\"a b\"@x.com", "a b@x.com", "Al <a@x.com>", "a@[1.2.3.4]", "a!#$%&'*/=?^`{|}~@x.com", "é@x.com", ""} {
		if !isDotAtomAddr(c) {
			continue
		}
		a, err := mail.ParseAddress(c)
		if err != nil || a.Address != c || a.Name != "" {
			t.Errorf("isDotAtomAddr(%q) is true, but mail.ParseAddress gives %v, %v", c, a, err)
		}
	}
	if !isDotAtomAddr("nora.wang@bigcorp0.example.com") {
		t.Error("a plain address does not take the fast path")
	}
}
