package views

import (
	"io"

	"github.com/hashicorp/hcl/v2"
)

// RenderDiags writes diagnostics with file, line, column and the source line, errors
// and warnings alike.
func RenderDiags(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, col Colors) {
	if len(diags) == 0 {
		return
	}
	dw := hcl.NewDiagnosticTextWriter(w, files, 100, col.On)
	_ = dw.WriteDiagnostics(diags)
}
