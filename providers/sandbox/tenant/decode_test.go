package tenant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"unsafe"

	"github.com/mailform/mailform/model"
)

// The token decoder gives exactly what the generic decode gives: the same object for
// every stored form, and the same error for what the store never writes.
func TestDecodeMatchesGeneric(t *testing.T) {
	account := model.Lookup("account")
	rule := model.Lookup("backup_rule")
	cases := []struct {
		typ  *model.Type
		json string
		fast bool // decoded without the generic path
	}{
		{account, `{"email":"a@example.com","name":"A","departments":["2","3"],"aliases":[],"quota_mb":1024,"imap_smtp":true,"pop_smtp":false,"offboarding":{"handover_to":"b@example.com","retain_days":30}}`, true},
		{account, `{"email":"a@example.com","mobile":null,"offboarding":null}`, true},
		{account, `{}`, true},
		{account, ` {"name":"esc\"aped \u00e9"} `, true},
		{account, `{"n\u0061me":"A","aliases":["x\u0040example.com","y@example.com"],"quota_mb":-3}`, true},
		{account, `{"quota_mb":1e3}`, false},
		{account, `{"quota_mb":99999999999999999999}`, false},
		{rule, `{"destination":"g@example.com","accounts":["a@example.com"],"match":{"from_domains":["x.com"],"has_attachment":true}}`, true},
		{account, `{"email":"a@example.com","unknown_attr":{"x":[1,2]}}`, false},
		{account, `{"quota_mb":1.5}`, false},
		{account, `{"quota_mb":"10"}`, false},
		{account, `{"aliases":[1]}`, false},
		{account, `{"name":"A","name":"B"}`, false},
		{account, `{"name":"A"} {}`, false},
		{account, `{"name":"A"`, false},
		{account, `null`, false},
		{account, `[]`, false},
		{account, `{"email":"a@example.com"}x`, false},
		{account, `{} ]`, false},
		{account, "{\"name\":\"\xff\"}", false},
	}
	var shared decoder // one decoder for every case too, as a listing uses it
	for _, c := range cases {
		var d decoder
		if got, err := shared.decode(c.typ, []byte(c.json)); err == nil {
			want, _ := decodeGeneric(c.typ, []byte(c.json))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: a reused decoder gives %#v, want %#v", c.json, got, want)
			}
		}
		got, gotErr := d.decode(c.typ, []byte(c.json))
		want, wantErr := decodeGeneric(c.typ, []byte(c.json))
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decode = %#v, %v; generic = %#v, %v", c.json, got, gotErr, want, wantErr)
		}
		if c.fast {
			d.r.Reset([]byte(c.json))
			d.dec.Reset(&d.r)
			if _, err := d.object(c.typ.Attrs); err != nil {
				t.Errorf("%s: not decoded on the fast path: %v", c.json, err)
			}
		}
	}
}

// Every object the store writes comes back unchanged through List.
func TestListDecodesWhatPutWrote(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seedBig(t, s, 3, 20, 2)
	err = s.view(func(tx *Tx) error {
		for _, typ := range []string{"department", "account", "group"} {
			items, err := tx.List(typ)
			if err != nil {
				return err
			}
			if len(items) == 0 {
				return fmt.Errorf("no %s listed", typ)
			}
			for _, it := range items {
				b, err := json.Marshal(it.Attrs)
				if err != nil {
					return err
				}
				want, err := decodeGeneric(model.Lookup(typ), b)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(it.Attrs, want) {
					t.Errorf("%s %s = %#v, want %#v", typ, it.ID, it.Attrs, want)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestListSharesRepeatedValues: a value many listed objects hold (a department id, a
// position) is one string, not one per object.
func TestListSharesRepeatedValues(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	positions := []string{"Senior Engineer", "Head of Logistics"}
	err = s.Batch(func(tx *Tx) error {
		for i := range 600 {
			email := fmt.Sprintf("user%d@example.com", i)
			if _, err := tx.Put("account", email, model.Object{"email": email, "name": "U", "position": positions[i%2],
				"departments": []string{fmt.Sprint(4913577855806650000 + i%3)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.List("account")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]*byte{}
	for _, it := range items {
		for _, v := range []string{it.Attrs.Str("position"), it.Attrs.Strings("departments")[0]} {
			if p, ok := seen[v]; ok && p != unsafe.StringData(v) {
				t.Fatalf("%q is read into more than one string", v)
			}
			seen[v] = unsafe.StringData(v)
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d distinct values, want 5", len(seen))
	}
}

// BenchmarkListAccounts50k lists 50,000 stored accounts, the sandbox's part of a
// no-change plan of the engine bench tenant.
func BenchmarkListAccounts50k(b *testing.B) {
	s := openBig(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.view(func(tx *Tx) error {
			_, err := tx.List("account")
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// Opening a store that is already initialised writes nothing to tenant.db: a
// no-change plan leaves the file byte for byte as it was.
func TestOpenInitialisedStoreDoesNotWrite(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seedBig(t, s, 2, 3, 1)
	s.Close()
	before, err := os.ReadFile(filepath.Join(dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.view(func(tx *Tx) error { _, err := tx.List("account"); return err }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	after, err := os.ReadFile(filepath.Join(dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("opening and reading an initialised store changed tenant.db")
	}
}

// FuzzDecode: for any bytes, one decoder reused across objects (as a listing reuses
// it, with its shared values and sizes) gives exactly the generic decode's object or
// error. Integers beyond float64's exact range are left out: the fast path reads them
// exactly, the generic path rounds them.
func FuzzDecode(f *testing.F) {
	f.Add(`{"email":"a@example.com","n\u0061me":"A","departments":["1","2"],"quota_mb":5,"offboarding":{"retain_days":3}}`, `{"email":"b@x","departments":["1"],"quota_mb":-0}`)
	f.Add(`{"destination":"g@example.com","accounts":["a@example.com"],"match":{"from_domains":["x.com"],"has_attachment":true}}`, `{"members":["a"],"email":"g@x"}`)
	f.Add(`{"quota_mb":1e3}`, `{"force_password_change":true} x`)
	types := []*model.Type{model.Lookup("account"), model.Lookup("backup_rule"), model.Lookup("group")}
	f.Fuzz(func(t *testing.T, a, b string) {
		if bigInt.MatchString(a) || bigInt.MatchString(b) {
			return
		}
		for _, typ := range types {
			var d decoder
			for _, s := range []string{a, b, a} {
				got, gotErr := d.decode(typ, []byte(s))
				want, wantErr := decodeGeneric(typ, []byte(s))
				if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
					t.Fatalf("%s %q: decode = %#v, %v; generic = %#v, %v", typ.Name, s, got, gotErr, want, wantErr)
				}
			}
		}
	})
}

// bigInt finds a run of digits too long for float64 to hold exactly.
var bigInt = regexp.MustCompile(`[0-9]{16,}`)
