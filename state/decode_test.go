package state

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// slowDecode is the reference: encoding/json into the State struct, each resource
// through Resource.UnmarshalJSON and model.FromJSON.
func slowDecode(t testing.TB, data string) *State {
	t.Helper()
	st := &State{}
	if err := json.Unmarshal([]byte(data), st); err != nil {
		t.Fatalf("reference decode: %v", err)
	}
	return st
}

// TestDecodeStateMatchesEncodingJSON: the streaming decoder yields exactly what
// encoding/json and model.FromJSON yield, for every kind of attribute, for fields
// it leaves to the slow path, and with the version after the resources.
func TestDecodeStateMatchesEncodingJSON(t *testing.T) {
	resources := `[
	  {"address": "account.a", "type": "account", "provider": "sandbox", "id": "u1", "match_key": "a@x.com",
	   "attributes": {"email": "a@x.com", "name": "A", "departments": ["1", "2"], "quota_mb": 1024,
	     "force_password_change": true, "offboarding": {"handover_to": "b@x.com", "retain_days": 30},
	     "aliases": [], "phone": null, "vendor_extra": {"n": 1.5, "l": ["x", 2]}}},
	  {"address": "account.b", "type": "account", "provider": "sandbox", "id": "u2", "prevent_destroy": true,
	   "frozen_at": "2026-01-02T03:04:05Z", "attributes": {"email": "b@x.com", "name": "B", "status": "departed"}},
	  {"attributes": {"zone": "x.com", "name": "@", "type": "MX", "records": ["10 mx.x.com."], "ttl": 600},
	   "address": "dns_record.mx", "type": "dns_record", "provider": "rfc2136.corp", "id": "x.com/@/MX"},
	  {"address": "group.g", "type": "group", "provider": "sandbox", "pending": "create", "attributes": null},
	  {"address": "domain.d", "type": "domain", "provider": "sandbox", "id": "d", "Attributes": {"name": "x.com"}},
	  {"address": "department.q", "type": "department", "provider": "sandbox", "id": "7",
	   "attributes": {"name": "Q", "order": 3.0, "parent": "\u00e9\"\\"}}
	]`
	for name, data := range map[string]string{
		"version first": `{"version": 1, "lineage": "L", "serial": 9, "resources": ` + resources + `}`,
		"version last":  `{"lineage": "L", "resources": ` + resources + `, "serial": 9, "version": 1}`,
		"no resources":  `{"version": 1, "lineage": "L", "serial": 1}`,
		"null":          `{"version": 1, "lineage": "L", "serial": 1, "resources": null}`,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := decodeState([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			want := slowDecode(t, data)
			if want.Resources == nil {
				want.Resources = []*Resource{}
			}
			if got.Version != 1 || got.Lineage != want.Lineage || got.Serial != want.Serial || len(got.Resources) != len(want.Resources) {
				t.Fatalf("got %d/%q/%d/%d resources, want 1/%q/%d/%d", got.Version, got.Lineage, got.Serial, len(got.Resources), want.Lineage, want.Serial, len(want.Resources))
			}
			for i := range want.Resources {
				if g, w := got.Resources[i], want.Resources[i]; !reflect.DeepEqual(g, w) {
					t.Errorf("resource %d:\n got %#v\nwant %#v", i, g, w)
				}
			}
			if got.Find("account.a") == nil && strings.Contains(data, "account.a") {
				t.Error("the index does not find account.a")
			}
		})
	}
}

// TestDecodeStateErrors: what the fast path declines still fails with encoding/json's
// error naming the resource; bad heads fail as before.
func TestDecodeStateErrors(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{`{"version": 1, "lineage": "L", "resources": [{"address": "account.a", "type": "account", "attributes": {"quota_mb": "lots"}}]}`, "resource account.a: attribute quota_mb"},
		{`{"version": 1, "lineage": "L", "resources": [{"address": "x.a", "type": "x"}]}`, `unknown type "x"`},
		{`{"version": 1, "lineage": "L", "resources": [{"address": "account.a", "type": "account", "attributes": {"departments": [1]}}]}`, "element 0"},
		{`{"version": 1, "lineage": "L", "resources": [{"address": "account.a"`, ""},
		{`{"version": 1, "resources": []}`, "no lineage"},
		{`{"lineage": "L", "resources": [{"address": "x.a", "type": "x"}]}`, "no format version"},
		{`{"version": 7, "lineage": "L", "resources": [{"future": true}]}`, "format version 7"},
		{`[1]`, "not a JSON object"},
		{``, ""},
	} {
		_, err := decodeState([]byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.data, err, c.want)
		}
	}
}

// benchState is a state of n accounts as apply writes it.
func benchState(n int) []byte {
	st := New()
	for i := 0; i < n; i++ {
		a := fmt.Sprintf("u%05d@bigcorp.example.com", i)
		st.Resources = append(st.Resources, &Resource{Address: fmt.Sprintf("account.staff[%q]", a), Type: "account", Provider: "sandbox", ID: a, MatchKey: a,
			Attrs: map[string]any{"email": a, "name": "User Name", "departments": []string{"1234567"}, "position": "Engineer",
				"mobile": "+86 13800000000", "external_id": fmt.Sprintf("E%06d", i), "quota_mb": int64(1024), "status": "active",
				"password": "$sha256$c2FsdA$aGFzaA"}})
	}
	data, err := encodeState(st)
	if err != nil {
		panic(err)
	}
	return data
}

// BenchmarkDecodeState decodes a 10,000-account state (about 8 MB).
func BenchmarkDecodeState(b *testing.B) {
	data := benchState(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeState(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeStateEncodingJSON is the reference decode, for comparison.
func BenchmarkDecodeStateEncodingJSON(b *testing.B) {
	data := benchState(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		slowDecode(b, string(data))
	}
}
