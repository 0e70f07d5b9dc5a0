package exmailapi

import (
	"encoding/json"
	"strconv"
	"testing"
)

// The Exmail JSON integers (ids above 2^53, numeric strings, null) decode without a
// panic, and every integer reads back exactly, whichever form it is written in.
func FuzzDecodeLooseInt(f *testing.F) {
	for _, s := range []string{"1", "-1", `"42"`, `" 7 "`, `""`, "null", "true", "1e3", "1.5", "9007199254740993", `"9223372036854775807"`, "{}", `"\u0031"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeLooseInt(b)
		if err != nil {
			return
		}
		for _, form := range [][]byte{[]byte(strconv.FormatInt(v, 10)), []byte(strconv.Quote(strconv.FormatInt(v, 10)))} {
			if again, err := DecodeLooseInt(form); err != nil || again != v {
				t.Fatalf("%q decoded as %d, but %s reads back as %d (%v)", b, v, form, again, err)
			}
		}
		var n looseInt
		if err := json.Unmarshal(b, &n); err == nil && int64(n) != v {
			t.Fatalf("%q: json.Unmarshal gives %d, DecodeLooseInt %d", b, n, v)
		}
	})
}
