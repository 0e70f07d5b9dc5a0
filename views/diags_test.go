package views

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// TestRenderDiagsSameAsHCL: RenderDiags writes exactly what hcl's writer writes, for subjects on the first, middle and last lines, ranges
// over several lines, context ranges, empty ranges (mid-line and at a line end),
// multi-byte text, colour, a missing file, no subject, and ranges outside the file.
func TestRenderDiagsSameAsHCL(t *testing.T) {
	var src strings.Builder
	src.WriteString("locals {\n  m = {\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&src, "    k%d = \"välue %d ✓\"\n", i, i)
	}
	src.WriteString("  }\n}\n\ndns_record \"r\" {\n  for_each = local.m\n  zone     = \"example.com\"\n}")
	p := hclparse.NewParser()
	f, d := p.ParseHCL([]byte(src.String()), "main.mf.hcl")
	if d.HasErrors() {
		t.Fatal(d.Error())
	}
	files := map[string]*hcl.File{"main.mf.hcl": f}
	// rng returns the range from line:col to line:col (1-based), with byte offsets.
	lines := strings.SplitAfter(src.String(), "\n")
	pos := func(line, col int) hcl.Pos {
		b := 0
		for _, l := range lines[:line-1] {
			b += len(l)
		}
		return hcl.Pos{Line: line, Column: col, Byte: b + col - 1}
	}
	rng := func(l1, c1, l2, c2 int) *hcl.Range {
		return &hcl.Range{Filename: "main.mf.hcl", Start: pos(l1, c1), End: pos(l2, c2)}
	}
	last := len(lines)
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagWarning, Summary: "first line", Detail: "d", Subject: rng(1, 1, 1, 7)},
		{Severity: hcl.DiagError, Summary: "middle", Detail: strings.Repeat("long detail words ", 20), Subject: rng(20, 5, 20, 8)},
		{Severity: hcl.DiagWarning, Summary: "multi-byte", Subject: rng(30, 11, 30, 18)},
		{Severity: hcl.DiagWarning, Summary: "over lines", Subject: rng(10, 5, 13, 3)},
		{Severity: hcl.DiagError, Summary: "with context", Subject: rng(last-1, 3, last-1, 11), Context: rng(last-3, 1, last, 2)},
		{Severity: hcl.DiagError, Summary: "empty mid-line", Subject: rng(25, 6, 25, 6)},
		{Severity: hcl.DiagError, Summary: "empty at line end", Subject: rng(26, len(lines[25]), 26, len(lines[25]))},
		{Severity: hcl.DiagWarning, Summary: "last line", Subject: rng(last, 1, last, 2)},
		{Severity: hcl.DiagError, Summary: "no file", Subject: &hcl.Range{Filename: "gone.mf.hcl", Start: hcl.Pos{Line: 3, Column: 1}, End: hcl.Pos{Line: 3, Column: 2, Byte: 1}}},
		{Severity: hcl.DiagError, Summary: "no subject", Detail: "nothing to show"},
		{Severity: hcl.DiagError, Summary: "past the end", Subject: &hcl.Range{Filename: "main.mf.hcl", Start: hcl.Pos{Line: 900, Column: 1, Byte: 90000}, End: hcl.Pos{Line: 900, Column: 2, Byte: 90001}}},
		{Severity: hcl.DiagError, Summary: "crlf", Detail: "in a CRLF file", Subject: &hcl.Range{Filename: "crlf.mf.hcl", Start: hcl.Pos{Line: 2, Column: 3, Byte: 8}, End: hcl.Pos{Line: 3, Column: 2, Byte: 16}}},
		{Severity: hcl.DiagWarning, Summary: "crlf last", Subject: &hcl.Range{Filename: "crlf.mf.hcl", Start: hcl.Pos{Line: 4, Column: 1, Byte: 21}, End: hcl.Pos{Line: 4, Column: 4, Byte: 24}}},
	}
	// A file with CRLF line endings and no final newline.
	crlf := []byte("a = 1\r\nbb = 2\r\nc = 3\r\nd = 4")
	files["crlf.mf.hcl"] = &hcl.File{Bytes: crlf}
	// An expression whose values hcl lists ("with var.x as ...") goes through hcl's writer.
	expr, d := hclsyntax.ParseExpression([]byte("var.x"), "main.mf.hcl", hcl.Pos{Line: 20, Column: 10, Byte: pos(20, 10).Byte})
	if d.HasErrors() {
		t.Fatal(d.Error())
	}
	diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "with values", Subject: rng(20, 10, 20, 15),
		Expression: expr, EvalContext: &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{"x": cty.StringVal("hi")})}}})
	for _, color := range []bool{false, true} {
		var want, got bytes.Buffer
		_ = hcl.NewDiagnosticTextWriter(&want, files, 100, color).WriteDiagnostics(diags)
		RenderDiags(&got, diags, files, Colors{On: color})
		if !strings.Contains(want.String(), "with var.x as \"hi\"") {
			t.Fatalf("the test's expression diagnostic shows no values:\n%s", want.String())
		}
		if got.String() != want.String() {
			t.Fatalf("colour %v: rendering differs from hcl's\n--- got\n%s\n--- want\n%s", color, got.String(), want.String())
		}
	}
	if !strings.Contains(func() string { var b bytes.Buffer; RenderDiags(&b, diags[4:5], files, Colors{}); return b.String() }(), `in dns_record "r"`) {
		t.Fatal("the block context is missing")
	}
}

// BenchmarkRenderDiagsManyWarnings renders 500 warnings about a block below a
// 1,000-line map, as a for_each over a local map with a lint warning per instance does.
func BenchmarkRenderDiagsManyWarnings(b *testing.B) {
	var src strings.Builder
	src.WriteString("locals {\n  m = {\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&src, "    k%d = { type = \"TXT\", value = \"v=spf1 ip4:10.0.%d.%d ~all\" }\n", i, i/256, i%256)
	}
	src.WriteString("  }\n}\n\ndns_record \"r\" {\n  for_each = local.m\n}\n")
	f, d := hclparse.NewParser().ParseHCL([]byte(src.String()), "main.mf.hcl")
	if d.HasErrors() {
		b.Fatal(d.Error())
	}
	line := 1000 + 6
	var off int
	for i, l := range strings.SplitAfter(src.String(), "\n")[:line-1] {
		_ = i
		off += len(l)
	}
	subj := &hcl.Range{Filename: "main.mf.hcl", Start: hcl.Pos{Line: line, Column: 1, Byte: off}, End: hcl.Pos{Line: line, Column: 15, Byte: off + 14}}
	var diags hcl.Diagnostics
	for i := 0; i < 500; i++ {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: fmt.Sprintf("warning %d", i), Detail: "Fix it.", Subject: subj})
	}
	files := map[string]*hcl.File{"main.mf.hcl": f}
	for i := 0; i < b.N; i++ {
		RenderDiags(&bytes.Buffer{}, diags, files, Colors{})
	}
}

// SortDiags puts errors first, then warnings, each in file and line order.
func TestRenderDiagsOrder(t *testing.T) {
	at := func(file string, line int) *hcl.Range {
		return &hcl.Range{Filename: file, Start: hcl.Pos{Line: line, Byte: line * 10}, End: hcl.Pos{Line: line, Byte: line*10 + 1}}
	}
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagWarning, Summary: "w-a3", Subject: at("a.mf.hcl", 3)},
		{Severity: hcl.DiagError, Summary: "e-b1", Subject: at("b.mf.hcl", 1)},
		{Severity: hcl.DiagError, Summary: "e-a9", Subject: at("a.mf.hcl", 9)},
		{Severity: hcl.DiagError, Summary: "e-a2", Subject: at("a.mf.hcl", 2)},
	}
	var b bytes.Buffer
	RenderDiags(&b, SortDiags(diags), nil, Colors{})
	out := b.String()
	last := -1
	for _, s := range []string{"e-a2", "e-a9", "e-b1", "w-a3"} {
		i := strings.Index(out, s)
		if i < last {
			t.Fatalf("%s is out of order:\n%s", s, out)
		}
		last = i
	}
}

func TestIsText(t *testing.T) {
	for s, want := range map[string]bool{
		"locals {\n\tx = \"ü\"\r\n}\n": true,
		"":                             true,
		"a\x00b":                       false,
		"PATH=/bin\x00HOME=/root":      false,
		"bad \xff utf-8":               false,
		"bell \a":                      false,
		"del \x7f":                     false,
	} {
		if got := IsText([]byte(s)); got != want {
			t.Errorf("IsText(%q) = %v, want %v", s, got, want)
		}
	}
}
