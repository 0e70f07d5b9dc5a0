package state

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unsafe"
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
	   "attributes": {"name": "Q", "order": 3.0, "parent": "\u00e9\"\\"}},
	  {"addr\u0065ss":"account.c","type":"account","provider":"sandbox","\u0069d":"c\u0040x.com","match_key":"c@x.com","prevent_destroy":false,
	   "attributes":{"email":"c@x.com","quota_mb":1e3,"departments":["a]}\"", "b"],"vendor":{"k":["]",{"x":"}"}]},
	   "offboarding":{"retain_days":-7,"note":[true,null,"]"]}}},
	  {"address": "account.d", "type": "account", "provider": "sandbox", "id": "d@x.com", "match_key": "other", "pending": "create",
	   "attributes": {"email": "d@x.com", "quota_mb": 1234567, "status": "active", "extra": false}}
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

// TestDecodeStateManyResources: resources decoded in several batches on every core
// come back in file order, equal to encoding/json's, with values that repeat shared
// and an id equal to an attribute sharing that attribute's string.
func TestDecodeStateManyResources(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"version": 1, "lineage": "L", "serial": 3, "resources": [`)
	n := 3*batchSize + 7
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		a := fmt.Sprintf("u%05d@x.com", i)
		fmt.Fprintf(&b, `{"address": "account.s[\"%s\"]", "type": "account", "provider": "sandbox", "id": %q, "match_key": %q,
		  "attributes": {"email": %q, "status": "active", "mobile": "+86 %08d", "departments": ["%d"], "quota_mb": %d}}`,
			a, a, a, a, i, i%10, 1024*(1+i%3))
	}
	b.WriteString("]}")
	data := b.String()
	got, err := decodeState([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := slowDecode(t, data)
	if len(got.Resources) != n {
		t.Fatalf("got %d resources, want %d", len(got.Resources), n)
	}
	for i := range want.Resources {
		if g, w := got.Resources[i], want.Resources[i]; !reflect.DeepEqual(g, w) {
			t.Fatalf("resource %d:\n got %#v\nwant %#v", i, g, w)
		}
	}
	first, last := got.Resources[0], got.Resources[batchSize-1] // one batch, one worker
	if unsafe.StringData(first.Attrs["status"].(string)) != unsafe.StringData(last.Attrs["status"].(string)) {
		t.Error("a repeated status is not shared")
	}
	if unsafe.StringData(last.ID) != unsafe.StringData(last.Attrs["email"].(string)) || unsafe.StringData(last.MatchKey) != unsafe.StringData(last.ID) {
		t.Error("the id and match key do not share the e-mail's string")
	}
}

// TestDecodeStateErrorOrder: with resources decoded in batches, the error is still
// the one reading the file in order meets first.
func TestDecodeStateErrorOrder(t *testing.T) {
	res := func(i int, quota string) string {
		return fmt.Sprintf(`{"address": "account.r%d", "type": "account", "attributes": {"quota_mb": %s}}`, i, quota)
	}
	build := func(bad map[int]string, tail string) string {
		var b strings.Builder
		b.WriteString(`{"version": 1, "lineage": "L", "resources": [`)
		for i := range 2*batchSize + 10 {
			if i > 0 {
				b.WriteString(",")
			}
			q := "1"
			if v, ok := bad[i]; ok {
				q = v
			}
			b.WriteString(res(i, q))
		}
		b.WriteString(tail)
		return b.String()
	}
	for _, c := range []struct {
		name, data, want string
	}{
		{"two bad resources", build(map[int]string{batchSize + 5: `"lots"`, 2*batchSize + 1: `"more"`}, "]}"), fmt.Sprintf("resource account.r%d: attribute quota_mb", batchSize+5)},
		{"a bad resource before a syntax error", build(map[int]string{batchSize + 5: `"lots"`}, ",{]}"), fmt.Sprintf("resource account.r%d: attribute quota_mb", batchSize+5)},
		{"a syntax error", build(nil, ",{]}"), "invalid character"},
		{"cut short", build(nil, ""), "unexpected EOF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeState([]byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error with %q", err, c.want)
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
		{`{"version": 1, "lineage": "L", "resources": []} x`, "invalid character 'x'"},
		{`{"version": 1, "lineage": "L", "resources": []}{"version": 1}`, "after top-level value"},
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

// BenchmarkDecodeStateBench decodes the engine benchmark's state (bench/engine: 66,004
// resources, 39 MiB), when bench/engine/run.sh has made one.
func BenchmarkDecodeStateBench(b *testing.B) {
	data, err := os.ReadFile("../bench/out/engine/config/mailform.state")
	if err != nil {
		b.Skipf("no benchmark tenant (run bench/engine/run.sh first): %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeState(data); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeState: whatever the decoder reads, encoding/json reads the same way
// (resources equal to the reference decode), so the scanner that trusts jsontext's
// syntax check never makes up a value. Integers beyond float64's exact range are left
// out: the decoder reads them exactly, encoding/json rounds them.
func FuzzDecodeState(f *testing.F) {
	f.Add(`{"version": 1, "lineage": "L", "resources": [{"address": "account.a", "type": "account", "provider": "sandbox", "id": "a@x.com", "match_key": "a@x.com", "attributes": {"email": "a@x.com", "quota_mb": 1024, "departments": ["1"], "offboarding": {"retain_days": 30}}}]}`)
	f.Add(`{"version":1,"lineage":"L","resources":[{"attributes":{"zone":"x.com","name":"@","type":"MX","records":["10 mx.x.com."],"ttl":600},"address":"dns_record.mx","type":"dns_record","provider":"p","id":"x\u002fy"}]}`)
	f.Add(`{"version": 1, "lineage": "L", "resources": [{"address": "group.g", "type": "group", "pending": "create", "prevent_destroy": true, "attributes": {"email": "g@x.com", "members": [], "x": [1, {"y": "]"}]}}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		if strings.ContainsAny(data, "0123456789") && bigInt.MatchString(data) {
			return
		}
		got, err := decodeState([]byte(data))
		if err != nil {
			return
		}
		want := &State{}
		if err := json.Unmarshal([]byte(data), want); err != nil {
			t.Fatalf("decoded, but encoding/json fails: %v", err)
		}
		if len(got.Resources) != len(want.Resources) {
			t.Fatalf("%d resources, encoding/json %d", len(got.Resources), len(want.Resources))
		}
		for i := range want.Resources {
			if g, w := got.Resources[i], want.Resources[i]; !reflect.DeepEqual(g, w) {
				t.Fatalf("resource %d:\n got %#v\nwant %#v", i, g, w)
			}
		}
	})
}

// bigInt finds a run of digits too long for float64 to hold exactly.
var bigInt = regexp.MustCompile(`[0-9]{16,}`)

// TestDecodeStateEdgeValues: the scanner reads strings with every escape, numbers in
// every form an integer attribute can be written, deep nesting, nulls and empty
// collections exactly as encoding/json and model.FromJSON do.
func TestDecodeStateEdgeValues(t *testing.T) {
	acct := func(attrs string) string {
		return `{"address": "account.a", "type": "account", "provider": "sandbox", "id": "a@x.com", "attributes": {` + attrs + `}}`
	}
	deep := strings.Repeat("[", 9000) + strings.Repeat("]", 9000)
	for _, r := range []string{
		acct(`"name": "\ud83d\ude00 \/ \b\f\n\r\t \u0000 \"\\ \u00e9", "departments": ["\u0031", "a\\\"b"]`),
		acct(`"quota_mb": 1e3`), acct(`"quota_mb": -0`), acct(`"quota_mb": -0.0`), acct(`"quota_mb": 1.9`),
		acct(`"quota_mb": -1.9`), acct(`"quota_mb": 1E+2`), acct(`"quota_mb": 5e-1`), acct(`"quota_mb": 999999999999999`),
		acct(`"vendor": ` + deep), acct(`"vendor": {"a": {"b": [{"c": "]}"}]}}`),
		acct(``), acct(`"departments": []`), acct(`"departments": null`),
		acct(`"offboarding": {}`), acct(`"offboarding": null`), acct(`"offboarding": []`),
		acct(`"departments": ["a", null]`), acct(`"force_password_change": 1`), acct(`"quota_mb": true`),
		`{"address": "account.a", "type": "account", "ID": "1", "id": "2"}`,
		`{"address": "account.a", "type": "account", "unknown": [1, {"a": "}"}], "attributes": {"name": "x"}}`,
		`{"address": "account.a", "type": "account", "id": "", "match_key": "", "attributes": {"email": ""}}`,
		`{"address": "account.a", "type": "account", "match_key": "", "attributes": {"email": ""}}`,
		`{"address": "account.a", "type": "account", "prevent_destroy": null, "frozen_at": null}`,
		`{"address": "account.a", "type": "account", "provider": 1}`,
	} {
		data := `{"version": 1, "lineage": "L", "resources": [` + r + `]}`
		got, gotErr := decodeState([]byte(data))
		want := &State{}
		wantErr := json.Unmarshal([]byte(data), want)
		if (gotErr == nil) != (wantErr == nil) {
			t.Errorf("%.100s: error %v, encoding/json %v", r, gotErr, wantErr)
			continue
		}
		if gotErr == nil && !reflect.DeepEqual(got.Resources, want.Resources) {
			t.Errorf("%.100s:\n got %#v\nwant %#v", r, got.Resources[0], want.Resources[0])
		}
	}
}
