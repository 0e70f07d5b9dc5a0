package views

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	wordwrap "github.com/mitchellh/go-wordwrap"
)

// diagWidth is the width details are wrapped to.
const diagWidth = 100

// RenderDiags writes diagnostics with file, line, column and the source line, errors
// and warnings alike.
//
// The output is hcl's diagnostic text format. hcl's writer scans the whole source
// file, line by line and grapheme by grapheme, for every diagnostic: 500 lint warnings
// about a block below a 1,000-line map took 2.3 s. So diagnostics without expression
// values are written here with a line index of each file, showing the same lines the
// same way; the others still go through hcl's writer.
func RenderDiags(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, col Colors) {
	if len(diags) == 0 {
		return
	}
	files = textFiles(files)
	hw := hcl.NewDiagnosticTextWriter(w, files, diagWidth, col.On)
	idx := map[string]*lineIndex{}
	for _, d := range diags {
		if d == nil || (d.Subject != nil && d.Expression != nil && d.EvalContext != nil) {
			_ = hw.WriteDiagnostic(d)
			continue
		}
		writeDiag(w, d, files, idx, col.On)
	}
}

// textFiles leaves out the files that are not text (invalid UTF-8, NUL or other
// control characters): their lines are not shown, because a file that is not
// configuration text (a binary, a process environment behind a link) must not be
// echoed into a CI log by a parse error.
func textFiles(files map[string]*hcl.File) map[string]*hcl.File {
	out := make(map[string]*hcl.File, len(files))
	for n, f := range files {
		if f != nil && IsText(f.Bytes) {
			out[n] = f
		}
	}
	return out
}

// IsText reports whether b is valid UTF-8 without control characters other than
// tab, line feed and carriage return.
func IsText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return false
		}
	}
	return true
}

// SortDiags orders diagnostics for a person: errors first, then warnings, each in
// file and line order (the stages that find them — references, values, cross-checks,
// lint — run in another order).
func SortDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	diags = append(hcl.Diagnostics(nil), diags...)
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i], diags[j]
		if a == nil || b == nil {
			return false
		}
		if a.Severity != b.Severity {
			return a.Severity == hcl.DiagError
		}
		if a.Subject == nil || b.Subject == nil {
			return a.Subject == nil && b.Subject != nil
		}
		if a.Subject.Filename != b.Subject.Filename {
			return a.Subject.Filename < b.Subject.Filename
		}
		return a.Subject.Start.Byte < b.Subject.Start.Byte
	})
	return diags
}

// writeDiag writes one diagnostic as hcl's writer does, less the expression values.
func writeDiag(w io.Writer, d *hcl.Diagnostic, files map[string]*hcl.File, idx map[string]*lineIndex, color bool) {
	var colorCode, highlight, reset string
	if color {
		switch d.Severity {
		case hcl.DiagError:
			colorCode = "\x1b[31m"
		case hcl.DiagWarning:
			colorCode = "\x1b[33m"
		}
		reset, highlight = "\x1b[0m", "\x1b[1;4m"
	}
	severity := "???????"
	switch d.Severity {
	case hcl.DiagError:
		severity = "Error"
	case hcl.DiagWarning:
		severity = "Warning"
	}
	fmt.Fprintf(w, "%s%s%s: %s\n\n", colorCode, severity, reset, d.Summary)
	if d.Subject != nil {
		writeSnippet(w, d, files, idx, highlight, reset)
	}
	if d.Detail != "" {
		fmt.Fprintf(w, "%s\n\n", wordwrap.WrapString(d.Detail, diagWidth))
	}
}

// writeSnippet writes the "on FILE line N" line and the source lines the subject and
// context ranges cover, the subject highlighted.
func writeSnippet(w io.Writer, d *hcl.Diagnostic, files map[string]*hcl.File, idx map[string]*lineIndex, highlight, reset string) {
	snip := *d.Subject
	hl := snip
	if d.Context != nil {
		snip = hcl.RangeOver(snip, *d.Context)
	}
	// An empty range cannot be shown: widen it to one character, as hcl does.
	if snip.Empty() {
		snip.End.Byte++
		snip.End.Column++
	}
	if hl.Empty() {
		hl.End.Byte++
		hl.End.Column++
	}
	f := files[d.Subject.Filename]
	if f == nil || f.Bytes == nil {
		fmt.Fprintf(w, "  on %s line %d:\n  (source code not available)\n\n", d.Subject.Filename, d.Subject.Start.Line)
		return
	}
	where := ""
	if c, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		if s := c.ContextString(d.Subject.Start.Byte); s != "" {
			where = ", in " + s
		}
	}
	fmt.Fprintf(w, "  on %s line %d%s:\n", d.Subject.Filename, d.Subject.Start.Line, where)
	x := idx[d.Subject.Filename]
	if x == nil {
		x = newLineIndex(f.Bytes)
		idx[d.Subject.Filename] = x
	}
	src := f.Bytes
	// Only lines around the snippet's bytes can overlap it; Overlaps decides, as in hcl.
	for n := max(0, x.lineAt(snip.Start.Byte)-1); n < x.lines() && n <= x.lineAt(snip.End.Byte)+1; n++ {
		line := x.lineRange(d.Subject.Filename, src, n)
		if !line.Overlaps(snip) {
			continue
		}
		before, hi, after := line.PartitionAround(hl)
		if hi.Empty() {
			fmt.Fprintf(w, "%4d: %s\n", n+1, line.SliceBytes(src))
			continue
		}
		fmt.Fprintf(w, "%4d: %s%s%s%s%s\n", n+1, before.SliceBytes(src), highlight, hi.SliceBytes(src), reset, after.SliceBytes(src))
	}
	w.Write([]byte{'\n'})
}

// lineIndex holds the byte offsets where the lines of a file start, as hcl's line
// scanner splits them: at each "\n", and no empty line after a final newline.
type lineIndex struct{ starts []int }

func newLineIndex(src []byte) *lineIndex {
	x := &lineIndex{starts: []int{0}}
	for i, b := range src {
		if b == '\n' && i+1 < len(src) {
			x.starts = append(x.starts, i+1)
		}
	}
	if len(src) == 0 {
		x.starts = nil
	}
	return x
}

func (x *lineIndex) lines() int { return len(x.starts) }

// lineAt returns the 0-based line holding byte offset off (the last line past the end).
func (x *lineIndex) lineAt(off int) int {
	return max(0, sort.SearchInts(x.starts, off+1)-1)
}

// lineRange is line n's range without its line ending, as hcl's scanner gives it.
func (x *lineIndex) lineRange(file string, src []byte, n int) hcl.Range {
	start := x.starts[n]
	end := len(src)
	if n+1 < len(x.starts) {
		end = x.starts[n+1] - 1
	} else if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
		end = start + i
	}
	if end > start && src[end-1] == '\r' {
		end--
	}
	return hcl.Range{Filename: file, Start: hcl.Pos{Line: n + 1, Column: 1, Byte: start}, End: hcl.Pos{Line: n + 1, Byte: end}}
}

// JSONValidation is what validate -json prints: the shape of terraform validate
// -json, so editors and CI annotate lines from it.
type JSONValidation struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []JSONDiagnostic `json:"diagnostics"`
}

// JSONDiagnostic is one diagnostic; Range is left out when it points nowhere.
type JSONDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *JSONRange `json:"range,omitempty"`
}

// JSONRange is a span of a configuration file; lines and columns count from 1.
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is one position in a file.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// ValidationToJSON converts diagnostics into validate -json's document.
func ValidationToJSON(diags hcl.Diagnostics) JSONValidation {
	out := JSONValidation{FormatVersion: "1.0", Diagnostics: []JSONDiagnostic{}}
	for _, d := range diags {
		if d == nil {
			continue
		}
		jd := JSONDiagnostic{Severity: "warning", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagError {
			jd.Severity = "error"
			out.ErrorCount++
		} else {
			out.WarningCount++
		}
		if r := d.Subject; r != nil {
			jd.Range = &JSONRange{Filename: r.Filename,
				Start: JSONPos{r.Start.Line, r.Start.Column, r.Start.Byte}, End: JSONPos{r.End.Line, r.End.Column, r.End.Byte}}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	out.Valid = out.ErrorCount == 0
	return out
}
