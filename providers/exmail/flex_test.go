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
