package exmail

import (
	"encoding/json"
	"testing"
)

func TestFlexInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		bad  bool
	}{
		{`1`, 1, false},
		{`"1"`, 1, false},
		{`" 2 "`, 2, false},
		{`""`, 0, false},
		{`null`, 0, false},
		{`true`, 1, false},
		{`"yes"`, 0, true},
		{`[1]`, 0, true},
	}
	for _, tt := range tests {
		var n flexInt
		err := json.Unmarshal([]byte(tt.in), &n)
		if (err != nil) != tt.bad || (!tt.bad && int64(n) != tt.want) {
			t.Errorf("%s: got %d, %v", tt.in, n, err)
		}
	}
}

// Department ids of live tenants exceed 2^53: they must survive decoding exactly, and
// neighbouring ids must stay apart.
func TestFlexIntBigIDs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{`4913577855806636138`, 4913577855806636138},
		{`4913577855806636139`, 4913577855806636139},
		{`"5196969938080910636"`, 5196969938080910636},
		{`9223372036854775807`, 9223372036854775807},
		{`2.0`, 2},
	} {
		var n flexInt
		if err := json.Unmarshal([]byte(tt.in), &n); err != nil || int64(n) != tt.want {
			t.Errorf("%s: got %d, %v; want %d", tt.in, n, err, tt.want)
		}
	}
	for _, bad := range []string{`4.913577855806636e18`, `1.5`, `9223372036854775808`, `"12x"`} {
		var n flexInt
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("%s: decoded as %d, want an error (the exact value is lost or it is no integer)", bad, n)
		}
	}
}
