package model

import (
	"reflect"
	"strings"
	"testing"
)

// fuzzAttrValue makes a value for attribute a from a fuzzed text and a selector:
// absent (ok false), nil, Unknown, or a value of a's kind (or of another kind).
func fuzzAttrValue(a *Attr, text string, sel byte) (any, bool) {
	parts := strings.Split(text, ",")
	switch sel % 8 {
	case 0:
		return nil, false
	case 1:
		return nil, true
	case 2:
		return Unknown, true
	}
	switch a.Kind {
	case KindInt:
		return int64(len(text)), true
	case KindBool:
		return len(text)%2 == 0, true
	case KindBlock:
		sub := Object{}
		for i, b := range a.Block {
			if i < len(parts) {
				if v, ok := fuzzAttrValue(b, parts[i], sel+byte(i)); ok {
					sub[b.Name] = v
				}
			}
		}
		return sub, true
	}
	if a.Kind.IsCollection() {
		if sel%8 == 3 {
			return []string{}, true
		}
		return parts, true
	}
	return text, true
}

// FuzzCanonicalOwned checks that CanonicalOwned gives what Canonical gives for
// objects of every type, and that neither changes a value the input object holds
// (CanonicalOwned may change the map it is handed, never a set shared with a row
// or another instance).
func FuzzCanonicalOwned(f *testing.F) {
	// Types() order: domain, department, account, group, dns_record, send_restriction, …
	f.Add(uint8(2), "Nora.Wang@Example.com;Nora;20,10,10;x;;;;b@x.com,A@x.com", []byte{4, 4, 4, 4, 4, 4, 4, 4})
	f.Add(uint8(4), "Example.COM.;WWW.example.com.;A;192.0.2.2,192.0.2.1,192.0.2.2;", []byte{4, 4, 4, 4, 4})
	f.Add(uint8(4), "example.com;@;AAAA;2001:DB8::1,2001:db8::1, ::1;", []byte{4, 4, 4, 4, 2})
	f.Add(uint8(5), "b@x.com,B@X.com;d2,d1;g@x.com;deny", []byte{4, 4, 4, 4, 1, 2, 7})
	f.Add(uint8(3), "g@x.com;G;z@x.com,a@x.com,a@x.com", []byte{5, 5, 5, 5, 5, 5})
	f.Add(uint8(3), "g@x.com;G;a@x.com,z@x.com", []byte{4, 4, 4, 3, 3, 3})
	types := Types()
	f.Fuzz(func(t *testing.T, ti uint8, text string, sels []byte) {
		typ := types[int(ti)%len(types)]
		texts := strings.Split(text, ";")
		in := Object{}
		for i, a := range typ.Attrs {
			sel := byte(4)
			if i < len(sels) {
				sel = sels[i]
			}
			txt := ""
			if i < len(texts) {
				txt = texts[i]
			}
			if v, ok := fuzzAttrValue(a, txt, sel); ok {
				in[a.Name] = v
			}
		}
		if len(sels) > len(typ.Attrs) && sels[len(typ.Attrs)]%2 == 1 {
			in["provider_extra"] = []string{"b", "a"}
		}
		before := deepCopy(in)
		want := Canonical(typ, in)
		if !reflect.DeepEqual(in, before) {
			t.Fatalf("Canonical changed its input: %#v, was %#v", in, before)
		}
		owned := make(Object, len(in))
		for k, v := range in {
			owned[k] = v // the values, sets included, shared with in
		}
		got := CanonicalOwned(typ, owned)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: CanonicalOwned(%#v) =\n %#v\nCanonical gives\n %#v", typ.Name, before, got, want)
		}
		if !reflect.DeepEqual(in, before) {
			t.Fatalf("%s: CanonicalOwned changed a value its input shares: %#v, was %#v", typ.Name, in, before)
		}
	})
}

// deepCopy copies an object and the sets and blocks it holds, keeping an empty set
// empty rather than nil (as Clone makes it), so that DeepEqual sees any change.
func deepCopy(o Object) Object {
	c := make(Object, len(o))
	for k, v := range o {
		switch x := v.(type) {
		case []string:
			c[k] = append([]string{}, x...)
		case Object:
			c[k] = deepCopy(x)
		default:
			c[k] = v
		}
	}
	return c
}
