package schema

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// csvdecode gives what go-cty's gives — value, type and error message — on the
// inputs it reads itself (more than one worker's worth of rows included) and on
// those it hands to go-cty.
func TestCSVDecodeMatchesGoCty(t *testing.T) {
	inputs := []string{
		"a,b\n1,2\n3,4\n",
		"a,b\n",
		"a\n\n\nx\n",
		"a,b\r\n1,2\r\n",
		"a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",z\n",
		"e\u0301,b\nf\u0301,\u0065\u0301\n",
		"name\nZoë\n王\n",
		"a,b\n1\n",
		"a,b\n1,2,3\n",
		"a,a\n1,2\n",
		"a,b\n\"x,2\n",
		"a,b\nx\"y,2\n",
		"",
		"\n",
		accountsCSV(5000),
	}
	for _, in := range slices.Clone(inputs) {
		inputs = append(inputs, in+"x,y\n\n\r\nz,w\r\n"+in[strings.IndexByte(in+"\n", '\n'):])
	}
	// Every input read whole, then cut into pieces as small as a line, up to 8.
	defer func(b, p int) { csvChunkBytes = b; runtime.GOMAXPROCS(p) }(csvChunkBytes, runtime.GOMAXPROCS(8))
	for _, chunk := range []int{csvChunkBytes, 1} {
		csvChunkBytes = chunk
		for _, in := range inputs {
			checkCSVDecode(t, in)
		}
	}
	// Unknown and marked arguments go through go-cty's function machinery.
	for _, arg := range []cty.Value{cty.UnknownVal(cty.String), cty.StringVal("a\n1\n").Mark("sensitive")} {
		want, _ := stdlib.CSVDecodeFunc.Call([]cty.Value{arg})
		got, err := csvDecodeFunc.Call([]cty.Value{arg})
		if err != nil || !got.RawEquals(want) {
			t.Errorf("csvdecode(%#v) = %#v, %v; go-cty's %#v", arg, got, err, want)
		}
	}
	// A byte-order mark is not part of the first column's name.
	got, err := csvDecodeFunc.Call([]cty.Value{cty.StringVal("\ufeffemail\nx\n")})
	if err != nil || !got.Index(cty.Zero).GetAttr("email").RawEquals(cty.StringVal("x")) {
		t.Errorf("csvdecode with a byte-order mark = %#v, %v", got, err)
	}
}

// checkCSVDecode compares csvdecode of in with go-cty's.
func checkCSVDecode(t *testing.T, in string) {
	t.Helper()
	arg := []cty.Value{cty.StringVal(in)}
	want, wantErr := stdlib.CSVDecodeFunc.Call(arg)
	got, gotErr := csvDecodeFunc.Call(arg)
	name := in
	if len(name) > 40 {
		name = name[:40] + "…"
	}
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Errorf("csvdecode(%q) with %d-byte pieces: error %v, go-cty's %v", name, csvChunkBytes, gotErr, wantErr)
		return
	}
	if wantErr == nil && (!got.Type().Equals(want.Type()) || !got.RawEquals(want)) {
		t.Errorf("csvdecode(%q) with %d-byte pieces = %#v, go-cty's %#v", name, csvChunkBytes, got, want)
	}
}

// csvChunks cuts a text without quotes after line ends, into at most one piece
// per core, and leaves a text with quotes whole.
func TestCSVChunks(t *testing.T) {
	defer func(b, p int) { csvChunkBytes = b; runtime.GOMAXPROCS(p) }(csvChunkBytes, runtime.GOMAXPROCS(3))
	csvChunkBytes = 4
	for _, tt := range []struct {
		in     string
		pieces int
	}{
		{"a,b\nc,d\ne,f\ng,h\n", 2},
		{"a,b\r\nc,d\r\ne,f", 3},
		{"abcdefghijklmnop\nq", 2},
		{"a\n\n\n\n\n\n\n\n\n\n\n\n", 3},
		{"a,b\nc,d\ne,f\ng,h\ni,j\nk,l\nm,n\n", 3},
		{"abcdefghijklmnop", 1},
		{"a,b\n\"c\nd\",e\nf,g\nh,i\n", 1},
		{"a,b\n", 1},
		{"", 1},
	} {
		got := csvChunks(tt.in)
		if len(got) != tt.pieces || strings.Join(got, "") != tt.in {
			t.Errorf("csvChunks(%q) = %q, want %d pieces that make it up", tt.in, got, tt.pieces)
		}
		for _, c := range got[:len(got)-1] {
			if !strings.HasSuffix(c, "\n") {
				t.Errorf("csvChunks(%q): piece %q is not cut at a line end", tt.in, c)
			}
		}
	}
}

// FuzzCSVDecode compares csvdecode with go-cty's on arbitrary text.
func FuzzCSVDecode(f *testing.F) {
	f.Add("a,b\n1,2\n")
	f.Add("a,b\n\"x\n")
	f.Add(strings.Repeat("a\n", 5000))
	f.Add("\ufeffa\n1\n")
	// Cut into pieces as small as a line, up to 4 of them.
	f.Cleanup(func(b, p int) func() {
		return func() { csvChunkBytes = b; runtime.GOMAXPROCS(p) }
	}(csvChunkBytes, runtime.GOMAXPROCS(4)))
	csvChunkBytes = 1
	f.Fuzz(func(t *testing.T, in string) {
		arg := []cty.Value{cty.StringVal(in)}
		want, wantErr := stdlib.CSVDecodeFunc.Call(withoutBOM(arg))
		got, gotErr := csvDecodeFunc.Call(arg)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("csvdecode(%q): error %v, go-cty's %v", in, gotErr, wantErr)
		}
		if wantErr == nil && !got.RawEquals(want) {
			t.Fatalf("csvdecode(%q) = %#v, go-cty's %#v", in, got, want)
		}
	})
}

// checkFileText names the line of the first byte that is not text, past any run
// of printable ASCII.
func TestCheckFileText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		line int
		err  string
	}{
		{"a,b\r\n\tZoë,王\n", 0, ""},
		{"", 0, ""},
		{"a,b\nx,y\x07z\n", 2, "holds the control character U+0007"},
		{"a\n\nb\x7f\n", 3, "holds the control character U+007F"},
		{"a\nb\u0085", 2, "holds the control character U+0085"},
		{"a\nb\n\xff", 3, "byte 5 is not valid UTF-8; save the file as UTF-8"},
		{"a\x00", 1, "holds the control character U+0000"},
	} {
		line, err := checkFileText([]byte(tt.in))
		if line != tt.line || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("checkFileText(%q) = %d, %v; want %d, %q", tt.in, line, err, tt.line, tt.err)
		}
	}
}
