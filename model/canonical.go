package model

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Canonical returns o in canonical form: defaults filled in, addresses and domain
// names lower-cased, trailing dots dropped, sets sorted without duplicates, RDATA in
// miekg/dns presentation form (TXT as its joined text). Every comparison in mailform
// is made between canonical forms; nothing else normalises values.
func Canonical(t *Type, o Object) Object {
	n := len(o)
	for _, a := range t.Attrs {
		if _, ok := o[a.Name]; !ok && a.Default != nil {
			n++
		}
	}
	out := make(Object, n)
	declared := 0
	for _, a := range t.Attrs {
		v, ok := o[a.Name]
		if ok {
			declared++
		}
		switch {
		case ok && v != nil:
			out[a.Name] = canonicalValue(a, v, o, false)
		case a.Default != nil:
			out[a.Name] = a.Default
		}
	}
	// Keep values the type does not declare (provider extras) untouched.
	if declared < len(o) {
		for k, v := range o {
			if t.Attr(k) == nil {
				out[k] = v
			}
		}
	}
	canonicalRecord(t, out)
	return out
}

// CanonicalOwned is Canonical of an object the caller hands over and never uses
// again: its map and its sets become the canonical object's where they already are
// canonical, so a freshly decoded object is not copied. Only values that change are
// written: a full small Go map (8 entries) grows into a table on any write, even of
// a key it holds.
func CanonicalOwned(t *Type, o Object) Object {
	for _, a := range t.Attrs {
		v, ok := o[a.Name]
		switch {
		case !ok:
		case v == nil:
			delete(o, a.Name)
		default:
			if c := canonicalValue(a, v, o, true); !sameValue(c, v) {
				o[a.Name] = c
			}
		}
	}
	for _, a := range t.Attrs {
		if a.Default == nil {
			continue
		}
		if _, ok := o[a.Name]; !ok {
			o[a.Name] = a.Default
		}
	}
	canonicalRecord(t, o)
	return o
}

// sameValue reports whether the canonical value c is v itself: the same string, or
// the same non-empty slice (an empty set is written, as Canonical makes it non-nil).
func sameValue(c, v any) bool {
	switch x := c.(type) {
	case string:
		y, ok := v.(string)
		return ok && x == y
	case []string:
		y, ok := v.([]string)
		return ok && len(x) > 0 && len(x) == len(y) && &x[0] == &y[0]
	}
	return false
}

// canonicalRecord makes a DNS record's name relative to its zone and its type upper
// case.
func canonicalRecord(t *Type, out Object) {
	if t != DNSRecord {
		return
	}
	if z, ok := out["zone"].(string); ok {
		if n, ok := out["name"].(string); ok {
			if r := RelativeName(z, n); r != n {
				out["name"] = r
			}
		}
	}
	if ty, ok := out["type"].(string); ok {
		if u := strings.ToUpper(ty); u != ty {
			out["type"] = u
		}
	}
}

// canonicalValue is the canonical form of v; with reuse, a set already canonical is
// returned as it is rather than copied.
func canonicalValue(a *Attr, v any, o Object, reuse bool) any {
	if IsUnknown(v) {
		return v
	}
	switch a.Kind {
	case KindEmail:
		if s, ok := v.(string); ok {
			if c := CanonicalEmail(s); c != s {
				return c
			}
		}
	case KindDomain:
		if s, ok := v.(string); ok {
			if c := CanonicalDomain(s); c != s {
				return c
			}
		}
	case KindStringSet:
		if s, ok := v.([]string); ok {
			return setValue(v, s, strings.TrimSpace, reuse)
		}
	case KindEmailSet:
		if s, ok := v.([]string); ok {
			return setValue(v, s, CanonicalEmail, reuse)
		}
	case KindRDataSet:
		if s, ok := v.([]string); ok {
			rrtype, _ := o["type"].(string)
			return setValue(v, s, func(r string) string {
				c, err := CanonicalRData(rrtype, r)
				if err != nil {
					return r
				}
				return c
			}, reuse)
		}
	case KindBlock:
		if b, ok := v.(Object); ok {
			sub := &Type{Attrs: a.Block}
			return Canonical(sub, b)
		}
	}
	return v
}

// setValue is the canonical set of s, which v holds: v itself when sortedSet gives s
// back, so that no new interface value is made.
func setValue(v any, s []string, f func(string) string, reuse bool) any {
	c := sortedSet(s, f, reuse)
	if len(c) > 0 && len(c) == len(s) && &c[0] == &s[0] {
		return v
	}
	return c
}

// sortedSet is the distinct values of f over in, sorted: one copy, sorted and
// compacted in place. With reuse, an input that already is that (sorted, without
// duplicates, every value its own f) is returned itself.
func sortedSet(in []string, f func(string) string, reuse bool) []string {
	i := 0
	if reuse {
		for ; i < len(in); i++ {
			c := f(in[i])
			if c != in[i] || i > 0 && in[i-1] >= c {
				break
			}
		}
		if i == len(in) && i > 0 {
			return in
		}
	}
	// in[:i] are their own f.
	out := make([]string, len(in))
	copy(out, in[:i])
	for j := i; j < len(in); j++ {
		out[j] = f(in[j])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CanonicalEmail lower-cases and trims an address.
func CanonicalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CanonicalDomain lower-cases a domain name and drops its trailing dot.
func CanonicalDomain(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// RelativeName returns name relative to zone: "@" for the apex, lower-cased, without
// a trailing dot. A fully qualified name inside the zone is made relative.
func RelativeName(zone, name string) string {
	zone = CanonicalDomain(zone)
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "@" || n == "" {
		return "@"
	}
	if strings.HasSuffix(n, ".") {
		n = strings.TrimSuffix(n, ".")
		if n == zone {
			return "@"
		}
		if strings.HasSuffix(n, "."+zone) {
			return strings.TrimSuffix(n, "."+zone)
		}
		return n
	}
	return n
}

// FQDN returns the absolute name (with trailing dot) of a relative name in zone.
func FQDN(zone, name string) string {
	r := RelativeName(zone, name)
	zone = CanonicalDomain(zone)
	if r == "@" {
		return zone + "."
	}
	return r + "." + zone + "."
}

// RRsetKey is the identity of an RRset: "zone/name/TYPE" in canonical form.
func RRsetKey(zone, name, rrtype string) string {
	return CanonicalDomain(zone) + "/" + RelativeName(zone, name) + "/" + strings.ToUpper(rrtype)
}

// CanonicalRData parses one RDATA in zone-file presentation form with miekg/dns and
// returns its canonical presentation: domain names absolute and lower-cased. TXT
// values follow the rule of TXTText and TXTValue: the canonical value is the text
// itself, unless that text would read as presentation form.
//
// The result is a fixed point: canonicalising it again gives it back. Where the
// presentation form does not survive its own round trip (odd escapes such as the
// CNAME target \0\, which printed as \0\. and then as \0\..), the RDATA is
// refused instead of planning a change on every run.
func CanonicalRData(rrtype, rdata string) (string, error) {
	if plainAddress(rrtype, rdata) {
		return rdata, nil
	}
	return parsedRData(rrtype, rdata)
}

// parsedRData is CanonicalRData through miekg/dns.
func parsedRData(rrtype, rdata string) (string, error) {
	c, err := canonicalRDataOnce(rrtype, rdata)
	if err != nil {
		return "", err
	}
	again, err := canonicalRDataOnce(rrtype, c)
	if err != nil || again != c {
		return "", fmt.Errorf("%s record %q does not read back as written (it reads as %q); write it without escapes", strings.ToUpper(strings.TrimSpace(rrtype)), rdata, c)
	}
	return c, nil
}

// plainAddress reports whether rdata is the RDATA of an A or AAAA record already in
// canonical form, as miekg/dns prints it: an address that net/netip reads and prints
// back unchanged (no leading zeros, IPv6 compressed and lower-case, no zone, not an
// IPv4-mapped IPv6 address, which net.IP prints as IPv4). Most records of a big zone
// are; the rest go through dns.NewRR.
func plainAddress(rrtype, rdata string) bool {
	var v4 bool
	switch rrtype {
	case "A", "a":
		v4 = true
	case "AAAA", "aaaa":
	default:
		return false
	}
	ip, err := netip.ParseAddr(rdata)
	if err != nil || ip.Zone() != "" || ip.Is4In6() || ip.Is4() != v4 {
		return false
	}
	return ip.String() == rdata
}

func canonicalRDataOnce(rrtype, rdata string) (string, error) {
	rrtype = strings.ToUpper(strings.TrimSpace(rrtype))
	if rrtype == "TXT" {
		t, err := TXTText(rdata)
		if err != nil {
			return "", err
		}
		return TXTValue(t), nil
	}
	rr, err := dns.NewRR(". 0 IN " + rrtype + " " + rdata)
	if err != nil {
		return "", fmt.Errorf("%s record %q: %v", rrtype, rdata, cleanDNSError(err))
	}
	if rr == nil {
		return "", fmt.Errorf("%s record %q is empty", rrtype, rdata)
	}
	return RDataOf(rr), nil
}

// RDataOf returns the canonical RDATA of a parsed record (the part after the header).
func RDataOf(rr dns.RR) string {
	if t, ok := rr.(*dns.TXT); ok {
		return TXTValue(TXTJoin(t.Txt))
	}
	s := strings.TrimPrefix(rr.String(), rr.Header().String())
	switch rr.Header().Rrtype {
	case dns.TypeMX, dns.TypeCNAME, dns.TypeNS, dns.TypeSRV, dns.TypePTR:
		s = strings.ToLower(s)
	}
	return s
}

func cleanDNSError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "dns: ")
	if i := strings.Index(s, ": \""); i > 0 {
		s = s[:i]
	}
	return s
}

// Equal reports whether two canonical values are the same. Absent, empty string and
// empty collection are equal.
func Equal(a, b any) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	switch x := a.(type) {
	case []string:
		y, ok := b.([]string)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	case Object:
		y, ok := b.(Object)
		if !ok {
			return false
		}
		for k, v := range x {
			if !Equal(v, y[k]) {
				return false
			}
		}
		for k, v := range y {
			if _, ok := x[k]; !ok && !isEmpty(v) {
				return false
			}
		}
		return true
	}
	return a == b
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	}
	return false
}

// AttrChange is one attribute that differs between two objects.
type AttrChange struct {
	Name      string
	Before    any
	After     any
	Sensitive bool
	// ForcesReplacement is true when the attribute is part of the identity.
	ForcesReplacement bool
}

// Diff compares two canonical objects of type t and returns the attributes that
// differ, in declaration order. An optional bool, number or block that after leaves
// out (and that has no default) is not managed and never differs; computed
// attributes never differ; write-only attributes are compared by the caller.
func Diff(t *Type, before, after Object, ignore map[string]bool) []AttrChange {
	var out []AttrChange
	for _, a := range t.Attrs {
		if a.Computed || a.WriteOnly || ignore[a.Name] {
			continue
		}
		av, ok := after[a.Name]
		if (!ok || av == nil) && a.Default == nil && (a.Kind == KindBool || a.Kind == KindInt || a.Kind == KindBlock) {
			continue
		}
		bv := before[a.Name]
		if a.Kind == KindBlock {
			if ab, ok := av.(Object); ok {
				// Compare only the block attributes the configuration sets.
				bb, _ := bv.(Object)
				same := true
				for _, sa := range a.Block {
					sv, ok := ab[sa.Name]
					if !ok || sv == nil {
						continue
					}
					if !Equal(sv, bb[sa.Name]) {
						same = false
					}
				}
				if same {
					continue
				}
			}
		} else if !IsUnknown(av) && Equal(bv, av) {
			continue
		}
		out = append(out, AttrChange{Name: a.Name, Before: bv, After: av, Sensitive: a.Sensitive, ForcesReplacement: t.IsIdentity(a.Name)})
	}
	return out
}
