package model

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		name string
		typ  *Type
		in   Object
		want Object
	}{
		{name: "account: email case, alias set, defaults", typ: Account,
			in:   Object{"email": " Alice@Example.COM ", "name": "Alice", "aliases": []string{"B@x.com", "a@x.com", "b@X.com"}},
			want: Object{"email": "alice@example.com", "name": "Alice", "aliases": []string{"a@x.com", "b@x.com"}, "status": "active"}},
		{name: "account: string set sorted, not lower-cased", typ: Account,
			in:   Object{"email": "a@x.com", "name": "A", "departments": []string{"D2", " d1", "D2"}, "status": "frozen"},
			want: Object{"email": "a@x.com", "name": "A", "departments": []string{"D2", "d1"}, "status": "frozen"}},
		{name: "account: offboarding block gets its default", typ: Account,
			in:   Object{"email": "a@x.com", "name": "A", "offboarding": Object{"handover_to": "Boss@X.com"}},
			want: Object{"email": "a@x.com", "name": "A", "status": "active", "offboarding": Object{"handover_to": "boss@x.com", "retain_days": int64(30)}}},
		{name: "domain: trailing dot and case", typ: Domain,
			in: Object{"name": "Example.COM."}, want: Object{"name": "example.com"}},
		{name: "department: order default, unknown parent kept", typ: Department,
			in: Object{"name": "Sales", "parent": Unknown}, want: Object{"name": "Sales", "parent": Unknown, "order": int64(0)}},
		{name: "group: senders default, members canonical", typ: Group,
			in:   Object{"email": "All@x.com", "name": "All", "members": []string{"Bob@x.com", "alice@x.com"}},
			want: Object{"email": "all@x.com", "name": "All", "members": []string{"alice@x.com", "bob@x.com"}, "senders": "organization"}},
		{name: "dns: fully qualified name made relative, MX lower-cased", typ: DNSRecord,
			in:   Object{"zone": "Example.com.", "name": "WWW.example.com.", "type": "mx", "records": []string{"10 MXBIZ2.qq.com.", "5 mxbiz1.qq.com."}},
			want: Object{"zone": "example.com", "name": "www", "type": "MX", "records": []string{"10 mxbiz2.qq.com.", "5 mxbiz1.qq.com."}, "ttl": int64(600)}},
		{name: "dns: apex as FQDN", typ: DNSRecord,
			in:   Object{"zone": "example.com", "name": "example.com.", "type": "A", "records": []string{"192.0.2.1"}, "ttl": int64(60)},
			want: Object{"zone": "example.com", "name": "@", "type": "A", "records": []string{"192.0.2.1"}, "ttl": int64(60)}},
		{name: "dns: TXT chunks joined", typ: DNSRecord,
			in:   Object{"zone": "example.com", "name": "@", "type": "TXT", "records": []string{`"v=spf1 " "~all"`}},
			want: Object{"zone": "example.com", "name": "@", "type": "TXT", "records": []string{"v=spf1 ~all"}, "ttl": int64(600)}},
		{name: "dns: unparsable RDATA kept as written", typ: DNSRecord,
			in:   Object{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"nonsense"}},
			want: Object{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"nonsense"}, "ttl": int64(600)}},
		{name: "provider extras kept", typ: Domain,
			in: Object{"name": "example.com", "verified": true}, want: Object{"name": "example.com", "verified": true}},
		{name: "nil is absent, or its default; extras kept beside them", typ: Account,
			in:   Object{"email": "a@x.com", "name": "A", "status": nil, "position": nil, "x_extra": int64(1), "aliases": []string{}},
			want: Object{"email": "a@x.com", "name": "A", "status": "active", "x_extra": int64(1), "aliases": []string{}}},
		{name: "nil is absent", typ: SendRestriction,
			in: Object{"external": nil, "max_recipients": nil}, want: Object{"external": "allow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Canonical(tt.typ, tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Canonical =\n %#v\nwant\n %#v", got, tt.want)
			}
			if again := Canonical(tt.typ, got); !reflect.DeepEqual(again, got) {
				t.Errorf("Canonical is not idempotent: %#v", again)
			}
			if owned := CanonicalOwned(tt.typ, tt.in.Clone()); !reflect.DeepEqual(owned, tt.want) {
				t.Errorf("CanonicalOwned =\n %#v\nwant\n %#v", owned, tt.want)
			}
		})
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{nil, "", true},
		{nil, []string{}, true},
		{"", []string(nil), true},
		{"a", "a", true},
		{"a", "A", false},
		{int64(0), nil, false},
		{false, nil, false},
		{int64(3), int64(3), true},
		{int64(3), 3, false},
		{[]string{"a", "b"}, []string{"a", "b"}, true},
		{[]string{"a", "b"}, []string{"b", "a"}, false}, // canonical sets are sorted first
		{[]string{"a"}, []string{"a", "b"}, false},
		{[]string{"a"}, "a", false},
		{Object{"x": "1"}, Object{"x": "1", "y": ""}, true},
		{Object{"x": "1", "y": nil}, Object{"x": "1"}, true},
		{Object{"x": "1"}, Object{"x": "1", "y": "2"}, false},
		{Object{"x": "1"}, Object{"x": "2"}, false},
		{Object{"x": "1"}, nil, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// changes renders a diff as "name:before->after" (with "!" for a replacement).
func changes(cs []AttrChange) string {
	var out []string
	for _, c := range cs {
		s := c.Name + ":" + FormatValue(c.Before) + "->" + FormatValue(c.After)
		if c.ForcesReplacement {
			s += "!"
		}
		if c.Sensitive {
			s += "(sensitive)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestDiff(t *testing.T) {
	acct := func(extra Object) Object {
		o := Object{"email": "alice@example.com", "name": "Alice"}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	tests := []struct {
		name          string
		typ           *Type
		before, after Object
		ignore        map[string]bool
		want          string
	}{
		{name: "email case is no change", typ: Account,
			before: acct(nil), after: acct(Object{"email": "Alice@Example.com"})},
		{name: "alias order and case is no change", typ: Account,
			before: acct(Object{"aliases": []string{"a@x.com", "b@x.com"}}), after: acct(Object{"aliases": []string{"B@x.com", "a@x.com"}})},
		{name: "name changes", typ: Account,
			before: acct(nil), after: acct(Object{"name": "Alice Smith"}), want: `name:"Alice"->"Alice Smith"`},
		{name: "status default compared", typ: Account,
			before: acct(Object{"status": "frozen"}), after: acct(nil), want: `status:"frozen"->"active"`},
		{name: "unmanaged optional bool and int", typ: Account,
			before: acct(Object{"imap_smtp": true, "quota_mb": int64(1024)}), after: acct(nil)},
		{name: "managed bool", typ: Account,
			before: acct(Object{"imap_smtp": true}), after: acct(Object{"imap_smtp": false}), want: "imap_smtp:true->false"},
		{name: "managed int from absent", typ: Account,
			before: acct(nil), after: acct(Object{"quota_mb": int64(2048)}), want: "quota_mb:null->2048"},
		{name: "absent and empty string are the same", typ: Account,
			before: acct(Object{"position": ""}), after: acct(nil)},
		{name: "absent and empty set are the same", typ: Account,
			before: acct(nil), after: acct(Object{"departments": []string{}})},
		{name: "clearing a string is a change", typ: Account,
			before: acct(Object{"position": "CEO"}), after: acct(nil), want: `position:"CEO"->null`},
		{name: "password is compared by the caller", typ: Account,
			before: acct(Object{"password": "old"}), after: acct(Object{"password": "new"})},
		{name: "unknown is always a change", typ: Account,
			before: acct(Object{"departments": []string{"d1"}}), after: acct(Object{"departments": Unknown}), want: `departments:["d1"]->(known after apply)`},
		{name: "ignored attribute", typ: Account, ignore: map[string]bool{"name": true},
			before: acct(nil), after: acct(Object{"name": "Other"})},
		{name: "email change replaces", typ: Account,
			before: acct(nil), after: acct(Object{"email": "alice2@example.com"}), want: `email:"alice@example.com"->"alice2@example.com"!`},
		{name: "block compares only what configuration sets", typ: Account,
			before: acct(Object{"offboarding": Object{"handover_to": "b@x.com", "retain_days": int64(30)}}),
			after:  acct(Object{"offboarding": Object{"handover_to": "b@x.com"}})},
		{name: "block attribute changed", typ: Account,
			before: acct(Object{"offboarding": Object{"handover_to": "b@x.com", "retain_days": int64(30)}}),
			after:  acct(Object{"offboarding": Object{"handover_to": "b@x.com", "retain_days": int64(7)}}),
			want:   `offboarding:{ handover_to = "b@x.com", retain_days = 30 }->{ handover_to = "b@x.com", retain_days = 7 }`},
		{name: "block left out is unmanaged", typ: BackupRule,
			before: Object{"destination": "a@x.com", "direction": "both", "match": Object{"has_attachment": true}},
			after:  Object{"destination": "a@x.com", "direction": "both"}},
		{name: "computed id never differs", typ: Department,
			before: Object{"id": "1", "name": "Sales", "order": int64(0)}, after: Object{"id": "2", "name": "Sales", "order": int64(0)}},
		{name: "dns records and ttl, type change replaces", typ: DNSRecord,
			before: Canonical(DNSRecord, Object{"zone": "example.com", "name": "@", "type": "A", "records": []string{"192.0.2.1"}}),
			after:  Canonical(DNSRecord, Object{"zone": "example.com", "name": "@", "type": "AAAA", "records": []string{"2001:db8::1"}, "ttl": int64(60)}),
			want:   `type:"A"->"AAAA"! records:["192.0.2.1"]->["2001:db8::1"] ttl:600->60`},
		{name: "MX case and TXT chunks are no change", typ: DNSRecord,
			before: Canonical(DNSRecord, Object{"zone": "example.com", "name": "@", "type": "MX", "records": []string{"5 MXBIZ1.QQ.COM."}}),
			after:  Canonical(DNSRecord, Object{"zone": "example.com.", "name": "example.com.", "type": "mx", "records": []string{"5 mxbiz1.qq.com."}})},
		{name: "label-identity types never replace", typ: SendRestriction,
			before: Object{"external": "allow"}, after: Object{"external": "deny"}, want: `external:"allow"->"deny"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := changes(Diff(tt.typ, Canonical(tt.typ, tt.before), Canonical(tt.typ, tt.after), tt.ignore))
			if got != tt.want {
				t.Errorf("Diff = %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDNSNames(t *testing.T) {
	tests := []struct {
		zone, name, rel, fqdn string
	}{
		{"example.com", "@", "@", "example.com."},
		{"example.com", "", "@", "example.com."},
		{"Example.COM.", "WWW", "www", "www.example.com."},
		{"example.com", "example.com.", "@", "example.com."},
		{"example.com", "mail.Example.com.", "mail", "mail.example.com."},
		{"example.com", "_dmarc", "_dmarc", "_dmarc.example.com."},
		{"example.com", "a.b", "a.b", "a.b.example.com."},
	}
	for _, tt := range tests {
		if got := RelativeName(tt.zone, tt.name); got != tt.rel {
			t.Errorf("RelativeName(%q, %q) = %q, want %q", tt.zone, tt.name, got, tt.rel)
		}
		if got := FQDN(tt.zone, tt.name); got != tt.fqdn {
			t.Errorf("FQDN(%q, %q) = %q, want %q", tt.zone, tt.name, got, tt.fqdn)
		}
	}
	keys := []struct{ zone, name, typ, want string }{
		{"Example.com.", "@", "mx", "example.com/@/MX"},
		{"example.com", "example.com.", "TXT", "example.com/@/TXT"},
		{"example.com", "WWW.example.com.", "a", "example.com/www/A"},
	}
	for _, k := range keys {
		if got := RRsetKey(k.zone, k.name, k.typ); got != k.want {
			t.Errorf("RRsetKey(%q, %q, %q) = %q, want %q", k.zone, k.name, k.typ, got, k.want)
		}
	}
}

func TestMatchKeys(t *testing.T) {
	tests := []struct {
		typ   *Type
		label string
		o     Object
		want  string
	}{
		{Account, "a", Object{"email": "Alice@Example.com"}, "alice@example.com"},
		{Account, "a", Object{"email": Unknown}, ""},
		{Domain, "d", Object{"name": "Example.com."}, "example.com"},
		{Department, "d", Object{"name": "Sales", "parent": "7"}, "7/sales"},
		{Department, "d", Object{"name": "Sales"}, "/sales"},
		{Department, "d", Object{"name": "Sales", "parent": Unknown}, ""},
		{DNSRecord, "r", Object{"zone": "example.com", "name": "www", "type": "a"}, "example.com/www/A"},
		{DNSRecord, "r", Object{"zone": Unknown, "name": "www", "type": "a"}, ""},
		{SendRestriction, `r["k"]`, Object{}, `r["k"]`},
		{BackupRule, "fin", Object{"destination": "a@x.com"}, "fin"},
	}
	for _, tt := range tests {
		if got := tt.typ.MatchKey(tt.label, tt.o); got != tt.want {
			t.Errorf("%s.MatchKey(%q, %v) = %q, want %q", tt.typ.Name, tt.label, tt.o, got, tt.want)
		}
	}
}

// plainAddress takes an A or AAAA RDATA as canonical exactly when miekg/dns gives it
// back unchanged.
func TestPlainAddressIsWhatDNSGivesBack(t *testing.T) {
	cases := []struct{ typ, rdata string }{
		{"A", "192.0.2.1"}, {"A", "10.0.0.0"}, {"A", "255.255.255.255"}, {"A", "0.0.0.0"},
		{"A", "010.0.0.1"}, {"A", "10.0.0.1 "}, {"A", " 10.0.0.1"}, {"A", "10.0.0"}, {"A", "10.0.0.256"},
		{"A", "::ffff:10.0.0.1"}, {"A", "2001:db8::1"}, {"A", ""}, {"a", "192.0.2.1"}, {" A", "192.0.2.1"},
		{"AAAA", "2001:db8::1"}, {"AAAA", "2001:DB8::1"}, {"AAAA", "2001:db8:0:0:0:0:0:1"}, {"AAAA", "::"},
		{"AAAA", "::1"}, {"AAAA", "::ffff:10.0.0.1"}, {"AAAA", "::10.0.0.1"}, {"AAAA", "64:ff9b::10.0.0.1"},
		{"AAAA", "fe80::1%eth0"}, {"AAAA", "192.0.2.1"}, {"AAAA", "2001:db8::0:1"}, {"AAAA", "2001:0db8::1"},
		{"aaaa", "2001:db8::1"}, {"AAAA", "1:2:3:4:5:6:7:8"}, {"AAAA", "1:0:0:4:0:0:0:8"}, {"AAAA", "1::4:0:0:0:8"},
		{"CNAME", "192.0.2.1"}, {"MX", "10 mx.example.com."},
	}
	// Addresses with runs of zero groups everywhere, as netip and net.IP print them.
	for i := 0; i < 256; i++ {
		var b [16]byte
		for g := 0; g < 8; g++ {
			if i>>g&1 == 1 {
				b[2*g], b[2*g+1] = byte(i), byte(g*37)
			}
		}
		cases = append(cases, struct{ typ, rdata string }{"AAAA", netip.AddrFrom16(b).String()},
			struct{ typ, rdata string }{"A", netip.AddrFrom4([4]byte{byte(i), 0, byte(255 - i), byte(i / 3)}).String()})
	}
	taken := 0
	for _, c := range cases {
		got, gerr := CanonicalRData(c.typ, c.rdata)
		want, werr := parsedRData(c.typ, c.rdata)
		if got != want || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Errorf("%s %q: %q, %v; miekg/dns gives %q, %v", c.typ, c.rdata, got, gerr, want, werr)
		}
		if plainAddress(c.typ, c.rdata) {
			taken++
		}
	}
	if taken < 400 {
		t.Errorf("plainAddress took %d of %d cases; the plain ones should not need dns.NewRR", taken, len(cases))
	}
}

// sortedSet gives the distinct canonical values, sorted, whatever the order and
// duplicates of its input; it shares the input's array only when asked to reuse it
// and the input already is canonical.
func TestSortedSet(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
		reused   bool
	}{
		{nil, []string{}, false},
		{[]string{}, []string{}, false},
		{[]string{"a"}, []string{"a"}, true},
		{[]string{"A"}, []string{"a"}, false},
		{[]string{"a@x.com", "b@x.com", "c@x.com"}, []string{"a@x.com", "b@x.com", "c@x.com"}, true},
		{[]string{"a@x.com", "b@x.com", "b@x.com"}, []string{"a@x.com", "b@x.com"}, false},
		{[]string{"a@x.com", "c@x.com", "b@x.com"}, []string{"a@x.com", "b@x.com", "c@x.com"}, false},
		{[]string{"a@x.com", "b@x.com", "B@x.com"}, []string{"a@x.com", "b@x.com"}, false},
		{[]string{"B@x.com", "a@x.com", "b@X.com", "A@x.com"}, []string{"a@x.com", "b@x.com"}, false},
		{[]string{"c", "b", "a", "b", "c"}, []string{"a", "b", "c"}, false},
	} {
		for _, reuse := range []bool{false, true} {
			in := slices.Clone(tc.in)
			got := sortedSet(in, CanonicalEmail, reuse)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("sortedSet(%q, reuse %v) = %q, want %q", tc.in, reuse, got, tc.want)
			}
			if !slices.Equal(in, tc.in) {
				t.Errorf("sortedSet changed its input: %q", in)
			}
			shared := len(got) > 0 && &got[0] == &in[0]
			if want := reuse && tc.reused; shared != want {
				t.Errorf("sortedSet(%q, reuse %v) shares its input's array: %v, want %v", tc.in, reuse, shared, want)
			}
		}
	}
}

// CanonicalOwned of an object that already is canonical writes nothing: a full small
// map (8 entries, as an account decoded from a CSV row has) would grow into a table
// on any write.
func TestCanonicalOwnedOfCanonicalAllocatesNothing(t *testing.T) {
	o := make(Object, 8)
	o["email"] = "nora.wang@example.com"
	o["name"] = "Nora Wang"
	o["departments"] = []string{"12345", "23456"}
	o["position"] = "Assistant"
	o["mobile"] = "+86 13800000000"
	o["external_id"] = "E000000"
	o["quota_mb"] = int64(1024)
	want := Canonical(Account, o)
	if allocs := testing.AllocsPerRun(100, func() { o = CanonicalOwned(Account, o) }); allocs != 0 {
		t.Errorf("CanonicalOwned of a canonical account: %v allocations, want 0", allocs)
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("CanonicalOwned = %#v, want %#v", o, want)
	}
}
