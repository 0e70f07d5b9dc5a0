package schema

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// eachColumns are the row's columns the bodies of eachBodies read.
var eachColumns = []string{"email", "name", "dept", "quota", "first", "last", "members", "senders", "flag", "zone", "rname", "rtype", "ttl", "records"}

// fuzzCell makes the value of a column from a fuzzed text and a selector: the text as
// a string, or as a number, a bool, null, unknown, sensitive, a list or a map.
func fuzzCell(text string, sel byte) (cty.Value, bool) {
	switch sel % 10 {
	case 0, 1, 2, 3:
		return cty.StringVal(text), true
	case 4:
		n, err := cty.ParseNumberVal(text)
		if err != nil {
			return cty.StringVal(text), true
		}
		return n, true
	case 5:
		return cty.BoolVal(len(text)%2 == 0), true
	case 6:
		return cty.NullVal(cty.String), true
	case 7:
		return cty.UnknownVal(cty.String), true
	case 8:
		return cty.StringVal(text).Mark("sensitive"), true
	default:
		return cty.ListVal([]cty.Value{cty.StringVal(text)}), true
	}
}

// FuzzDecodeEach checks that DecodeEach gives what Decode gives — object, ranges and
// diagnostics — for every body of eachBodies, with rows whose cells are fuzzed texts
// of every kind of value, the row as an object or as a map, and fuzzed keys.
func FuzzDecodeEach(f *testing.F) {
	f.Add("k", "Nora.Wang@Example.com;Nora Wang;l1;1024;Nora;Wang;b@example.com;organization;true;example.com;host;A;300;192.0.2.1", []byte{}, false)
	f.Add("k", "a@b.c;N;l2;0042;x;y;a@b.c;bogus;yes;example.com;www.other.org.;a;1e3;::1", []byte{4, 4, 4, 4, 8, 7, 6}, false)
	f.Add("ké", "a@b.c;N;secret;-3; 12;y;;all;false;Example.COM.;@;AAAA;99999999999999999999;2001:DB8::1", []byte{0, 0, 0, 4, 0, 5, 9, 0}, true)
	f.Add("e\u0301", "é@b.c;e\u0301;ctl;1.5;7;8;a@b.c;;;;;;;", []byte{0, 0, 0, 4, 4, 4}, false)
	var c *Config
	f.Fuzz(func(t *testing.T, key, cells string, sels []byte, asMap bool) {
		if c == nil {
			c = load(t, eachBodies)
		}
		base := eachBase(c)
		texts := strings.Split(cells, ";")
		row := map[string]cty.Value{}
		allStrings := true
		for i, col := range eachColumns {
			if i >= len(texts) {
				break
			}
			sel := byte(0)
			if i < len(sels) {
				sel = sels[i]
			}
			v, _ := fuzzCell(texts[i], sel)
			row[col] = v
			allStrings = allStrings && v.Type() == cty.String
		}
		value := cty.ObjectVal(row)
		if asMap && allStrings && len(row) > 0 {
			value = cty.MapVal(maps.Clone(row))
		}
		for _, r := range c.Resources {
			p := r.Prepare()
			gotObj, gotRanges, gotDiags := p.DecodeEach(base, key, value)
			ctx := base.NewChild()
			ctx.Variables = map[string]cty.Value{"each": EachValue(key, value)}
			wantObj, wantRanges, wantDiags := p.Decode(ctx)
			if !reflect.DeepEqual(gotObj, wantObj) {
				t.Errorf("%s with %#v: object %#v, Decode gives %#v", r.Addr(), value, gotObj, wantObj)
			}
			if !maps.Equal(gotRanges, wantRanges) {
				t.Errorf("%s with %#v: ranges %v, Decode gives %v", r.Addr(), value, gotRanges, wantRanges)
			}
			if g, w := diagFields(gotDiags), diagFields(wantDiags); g != w {
				t.Errorf("%s with %#v: diagnostics\n%s\nDecode gives\n%s", r.Addr(), value, g, w)
			}
		}
	})
}
