package intern

import (
	"fmt"
	"testing"
	"unsafe"
)

// TestTable: repeated values come back as the very same string and box; a field
// whose values are all distinct stops being kept after minTries look-ups; equal
// values read through different fields are shared too.
func TestTable(t *testing.T) {
	tab := New[string]()
	a := tab.Box("status", []byte("active"))
	b := tab.Box("status", []byte("active"))
	if a != b || unsafe.StringData(a.(string)) != unsafe.StringData(b.(string)) {
		t.Error("a repeated value is not shared")
	}
	if s := tab.String("members", []byte("active")); unsafe.StringData(s) != unsafe.StringData(a.(string)) {
		t.Error("an equal value of another field is not shared")
	}
	for i := range 2 * minTries {
		if got := tab.Box("email", fmt.Appendf(nil, "u%d@x.com", i)); got != fmt.Sprintf("u%d@x.com", i) {
			t.Fatalf("value %d came back as %v", i, got)
		}
	}
	if n := len(tab.vals); n > minTries+2 {
		t.Errorf("%d values kept; unique values should stop being kept after %d", n, minTries)
	}
	if st := tab.stats["email"]; st.tries != minTries {
		t.Errorf("%d look-ups of a field of unique values, want %d", st.tries, minTries)
	}
	// A field that repeats keeps being looked up.
	for i := range 4 * minTries {
		tab.String("dept", fmt.Appendf(nil, "%d", i%10))
	}
	if st := tab.stats["dept"]; st.tries != 4*minTries {
		t.Errorf("a repeating field stopped after %d look-ups", st.tries)
	}
	if x, y := tab.Int(1024), tab.Int(1024); x != y || x.(int64) != 1024 {
		t.Errorf("Int: %v %v", x, y)
	}
}
