package lint

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// spfTerm is one directive or modifier of an SPF record.
type spfTerm struct {
	raw      string
	qual     byte   // '+', '-', '~', '?' or 0 when not written
	name     string // lower-cased mechanism or modifier name
	value    string // domain-spec, address or modifier value, as written
	modifier bool
}

// spfRecord is a parsed SPF text: its terms and what is wrong with them.
type spfRecord struct {
	terms     []spfTerm
	errs      []string // each makes receivers return permerror
	unknown   []string // unknown modifiers, ignored by receivers
	ptr       bool
	hasAll    bool
	allQual   byte
	redirect  string
	hasRedir  bool
	plusAllAt string // the term that allows everyone, for the message
}

var spfMechanisms = map[string]bool{
	"all": true, "include": true, "a": true, "mx": true, "ptr": true,
	"ip4": true, "ip6": true, "exists": true,
}

// isSPF reports whether a TXT text is an SPF record (RFC 7208 §4.5: "v=spf1" then a
// space or the end; "v=spf10" is not one).
func isSPF(text string) bool {
	t := strings.ToLower(strings.TrimLeft(text, " "))
	return t == "v=spf1" || strings.HasPrefix(t, "v=spf1 ")
}

// parseSPF splits an SPF text into terms and checks each against RFC 7208 §12.
func parseSPF(text string) *spfRecord {
	r := &spfRecord{}
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return r
	}
	seenMod := map[string]bool{}
	for _, f := range fields[1:] {
		t := spfTerm{raw: f}
		body := f
		if strings.ContainsRune("+-~?", rune(body[0])) {
			t.qual, body = body[0], body[1:]
		}
		// A modifier's name ends at "="; a mechanism's at ":" or "/" (RFC 7208 §12).
		if i := strings.IndexAny(body, "=:/"); i > 0 && body[i] == '=' {
			t.modifier, t.name, t.value = true, strings.ToLower(body[:i]), body[i+1:]
			r.terms = append(r.terms, t)
			r.checkModifier(t, seenMod)
			continue
		}
		t.name, t.value = splitMechanism(body)
		r.terms = append(r.terms, t)
		r.checkMechanism(t)
	}
	return r
}

// splitMechanism returns a mechanism's lower-cased name and what follows it, without
// the ":" that separates a domain-spec or address.
func splitMechanism(body string) (string, string) {
	i := strings.IndexAny(body, ":/")
	if i < 0 {
		return strings.ToLower(body), ""
	}
	name, rest := strings.ToLower(body[:i]), body[i:]
	return name, strings.TrimPrefix(rest, ":")
}

func (r *spfRecord) checkModifier(t spfTerm, seen map[string]bool) {
	switch {
	case t.qual != 0:
		r.errs = append(r.errs, fmt.Sprintf("%q: a modifier takes no qualifier", t.raw))
	case spfMechanisms[t.name]:
		r.errs = append(r.errs, fmt.Sprintf("%q: %s is a mechanism, written %s:%s", t.raw, t.name, t.name, t.value))
	case !validModifierName(t.name):
		r.errs = append(r.errs, fmt.Sprintf("%q is not a valid term", t.raw))
	case t.name == "redirect" || t.name == "exp":
		if seen[t.name] {
			r.errs = append(r.errs, fmt.Sprintf("%q: %s= appears more than once", t.raw, t.name))
		}
		seen[t.name] = true
		if t.value == "" {
			r.errs = append(r.errs, fmt.Sprintf("%q: %s= needs a domain", t.raw, t.name))
		}
		if t.name == "redirect" {
			r.hasRedir, r.redirect = true, t.value
		}
	default:
		r.unknown = append(r.unknown, t.raw)
	}
}

func validModifierName(n string) bool {
	for i, c := range n {
		letter := c >= 'a' && c <= 'z'
		if i == 0 && !letter {
			return false
		}
		if !letter && !(c >= '0' && c <= '9') && !strings.ContainsRune("-_.", c) {
			return false
		}
	}
	return n != ""
}

func (r *spfRecord) checkMechanism(t spfTerm) {
	bad := func(why string) { r.errs = append(r.errs, fmt.Sprintf("%q: %s", t.raw, why)) }
	switch t.name {
	case "all":
		if t.value != "" {
			bad("all takes no argument")
		}
		r.hasAll, r.allQual = true, t.qual
		if t.qual == 0 || t.qual == '+' {
			r.plusAllAt = t.raw
		}
	case "include", "exists":
		if t.value == "" || strings.HasPrefix(t.value, "/") {
			bad(t.name + " needs a domain, e.g. " + t.name + ":spf.example.com")
		}
	case "a", "mx", "ptr":
		dom, _, hasCIDR := strings.Cut(t.value, "/")
		if t.name == "ptr" {
			r.ptr = true
			if hasCIDR {
				bad("ptr takes no prefix length")
			}
			break
		}
		if hasCIDR {
			if err := checkDualCIDR(t.value[len(dom):]); err != "" {
				bad(err)
			}
		}
	case "ip4", "ip6":
		if err := checkIPNet(t.name, t.value); err != "" {
			bad(err)
		}
	default:
		bad("unknown mechanism " + t.name)
	}
}

// checkDualCIDR checks the "/n", "//n" or "/n//m" suffix of an a or mx mechanism.
func checkDualCIDR(s string) string {
	v4, v6, dual := strings.Cut(s, "//")
	if dual {
		if err := checkPrefix(v6, 128); err != "" {
			return err
		}
	}
	if v4 == "" {
		if !dual {
			return "empty prefix length"
		}
		return ""
	}
	return checkPrefix(strings.TrimPrefix(v4, "/"), 32)
}

func checkPrefix(s string, max int) string {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max || (len(s) > 1 && s[0] == '0') {
		return fmt.Sprintf("prefix length %q is not a number from 0 to %d", s, max)
	}
	return ""
}

// checkIPNet checks the address (and optional prefix length) of an ip4 or ip6 term.
func checkIPNet(kind, v string) string {
	addr, plen, hasLen := strings.Cut(v, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" {
		return fmt.Sprintf("%q is not an IP address", addr)
	}
	max := 32
	if kind == "ip4" && !ip.Is4() {
		return fmt.Sprintf("%s is not an IPv4 address; use ip6:", addr)
	}
	if kind == "ip6" {
		max = 128
		if ip.Is4() {
			return fmt.Sprintf("%s is an IPv4 address; use ip4:", addr)
		}
	}
	if hasLen {
		return checkPrefix(plen, max)
	}
	return ""
}
