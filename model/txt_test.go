package model

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestTXTText(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		name, value, want string
	}{
		{"plain text", "v=spf1 -all", "v=spf1 -all"},
		{"quotes inside are literal", `v=DKIM1; n="note"`, `v=DKIM1; n="note"`},
		{"backslash is literal", `a\b\"c`, `a\b\"c`},
		{"blanks kept", "  x  ", "  x  "},
		{"non-ASCII literal", "héllo 世界", "héllo 世界"},
		{"one quoted string", `"v=spf1 -all"`, "v=spf1 -all"},
		{"quoted strings are joined", `"v=DKIM1; k=rsa; " "p=MIGf"`, "v=DKIM1; k=rsa; p=MIGf"},
		{"escapes in presentation", `"say \"hi\" \\ \065"`, `say "hi" \ A`},
		{"UTF-8 escaped as DDD", `"h\195\169llo"`, "héllo"},
		{"long quoted string", `"` + long + `"`, long},
		{"blanks around presentation", `  "a" "b"  `, "ab"},
		{"unterminated quote is literal", `"abc`, `"abc`},
		{"text after the quotes is literal", `"hello" world`, `"hello" world`},
		{"strings without blank are literal", `"a""b"`, `"a""b"`},
		{"escaped closing quote is literal", `"bad \"`, `"bad \"`},
		{"empty", "", ""},
		{"empty quoted", `""`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TXTText(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("TXTText(%q) = %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

func TestTXTValueIsAFixedPoint(t *testing.T) {
	texts := []string{
		"v=spf1 -all", `"hi"`, `"a" "b"`, `\"`, `x"y\z`, "héllo", "tab\there",
		"ctl\x01\x7f", strings.Repeat(`"q\`, 200), "", `""`,
	}
	for _, text := range texts {
		v := TXTValue(text)
		back, err := TXTText(v)
		if err != nil {
			t.Fatalf("TXTText(TXTValue(%q)) = error %v", text, err)
		}
		if back != text {
			t.Errorf("TXTText(TXTValue(%q)) = %q", text, back)
		}
		c, err := CanonicalRData("TXT", v)
		if err != nil {
			t.Fatal(err)
		}
		if c != v {
			t.Errorf("CanonicalRData(TXT, %q) = %q, want the same value", v, c)
		}
	}
	if got := TXTValue(`"hi"`); got != `"\"hi\""` {
		t.Errorf("a text that looks quoted is kept quoted: got %q", got)
	}
}

// TestTXTWire packs records to the wire and back, as a server would see and return
// them, and checks the canonical value survives with the exact bytes.
func TestTXTWire(t *testing.T) {
	texts := []string{
		`v=DKIM1; n="quoted"; p=abc`, `back\slash`, "héllo 世界", strings.Repeat("x", 600) + `"\`,
		`"looks" "presented"`, "ctl\x00\x1f",
	}
	for _, text := range texts {
		v := TXTValue(text)
		raw, err := TXTText(v)
		if err != nil {
			t.Fatal(err)
		}
		rr := &dns.TXT{Hdr: dns.RR_Header{Name: "x.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: TXTStrings(raw)}
		buf := make([]byte, 4096)
		off, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("pack %q: %v", text, err)
		}
		wire := wireText(t, buf[:off], rr.Hdr.Name)
		if wire != text {
			t.Errorf("wire bytes of %q = %q", text, wire)
		}
		back, _, err := dns.UnpackRR(buf[:off], 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := RDataOf(back); got != v {
			t.Errorf("RDataOf(unpacked %q) = %q, want %q", text, got, v)
		}
		for _, s := range back.(*dns.TXT).Txt {
			if n := len(TXTJoin([]string{s})); n > 255 {
				t.Errorf("a string of %d bytes is longer than 255", n)
			}
		}
	}
}

// wireText reads the character-strings of a packed TXT record directly.
func wireText(t *testing.T, msg []byte, owner string) string {
	t.Helper()
	off := len(owner) + 1 + 10 // name labels + root, type, class, ttl, rdlength
	var b strings.Builder
	for off < len(msg) {
		n := int(msg[off])
		b.Write(msg[off+1 : off+1+n])
		off += 1 + n
	}
	return b.String()
}

func TestCanonicalTXTRecordsJoinChunks(t *testing.T) {
	o := Canonical(DNSRecord, Object{"zone": "example.com", "name": "@", "type": "txt",
		"records": []string{`"v=spf1 " "-all"`, "v=spf1 -all", `"b"`}})
	got := o.Strings("records")
	if len(got) != 2 || got[0] != "b" || got[1] != "v=spf1 -all" {
		t.Errorf("records = %q, want [b v=spf1 -all]", got)
	}
}
