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
	return canonicalInto(t, o, make(Object, len(o)))
}

// CanonicalOwned is Canonical of an object the caller hands over and never uses
// again: its map becomes the canonical object, so a freshly decoded object is not
// copied (give it room for the defaults, or it grows).
func CanonicalOwned(t *Type, o Object) Object {
	return canonicalInto(t, o, o)
}

// canonicalInto writes the canonical form of o into out, which is either empty or o
// itself.
func canonicalInto(t *Type, o, out Object) Object {
	declared := 0
	for _, a := range t.Attrs {
		v, ok := o[a.Name]
		if ok {
			declared++
		}
		if !ok || v == nil {
			switch {
			case a.Default != nil:
				out[a.Name] = a.Default
			case ok:
				delete(out, a.Name)
			}
			continue
		}
		out[a.Name] = canonicalValue(a, v, o)
	}
	// Keep values the type does not declare (provider extras) untouched.
	if declared < len(o) {
		for k, v := range o {
			if t.Attr(k) == nil {
				out[k] = v
			}
		}
	}
	if t == DNSRecord {
		if z, ok := out["zone"].(string); ok {
			if n, ok := out["name"].(string); ok {
				out["name"] = RelativeName(z, n)
			}
		}
		if ty, ok := out["type"].(string); ok {
			out["type"] = strings.ToUpper(ty)
		}
	}
	return out
}

func canonicalValue(a *Attr, v any, o Object) any {
	if IsUnknown(v) {
		return v
	}
	switch a.Kind {
	case KindEmail:
		if s, ok := v.(string); ok {
			return CanonicalEmail(s)
		}
	case KindDomain:
		if s, ok := v.(string); ok {
			return CanonicalDomain(s)
		}
	case KindStringSet:
		if s, ok := v.([]string); ok {
			return sortedSet(s, strings.TrimSpace)
		}
	case KindEmailSet:
		if s, ok := v.([]string); ok {
			return sortedSet(s, CanonicalEmail)
		}
	case KindRDataSet:
		if s, ok := v.([]string); ok {
			rrtype, _ := o["type"].(string)
			return sortedSet(s, func(r string) string {
				c, err := CanonicalRData(rrtype, r)
				if err != nil {
					return r
				}
				return c
			})
		}
	case KindBlock:
		if b, ok := v.(Object); ok {
			sub := &Type{Attrs: a.Block}
			return Canonical(sub, b)
		}
	}
	return v
}

// sortedSet is the distinct values of f over in, sorted: one copy, sorted and
// compacted in place (a set is mostly already sorted and free of duplicates).
func sortedSet(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
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
