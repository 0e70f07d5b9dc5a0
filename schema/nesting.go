package schema

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MaxNesting is how deeply brackets, blocks and templates may nest in a file. HCL's
// parser recurses once per level: 100,000 nested parentheses overflowed the stack
// and killed the process (exit 2, 800 MB) instead of reporting an error. Real
// configurations nest a handful of levels.
const MaxNesting = 100

// CheckNesting reports, with file and line, where src nests deeper than MaxNesting.
// It only lexes (which does not recurse), so it is safe on any input; parse src only
// when it returns no error.
func CheckNesting(src []byte, filename string, start hcl.Pos, expr bool) hcl.Diagnostics {
	var toks hclsyntax.Tokens
	if expr {
		toks, _ = hclsyntax.LexExpression(src, filename, start)
	} else {
		toks, _ = hclsyntax.LexConfig(src, filename, start)
	}
	depth := 0
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenOQuote,
			hclsyntax.TokenOHeredoc, hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			depth++
			if depth > MaxNesting {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Expression nested too deeply",
					Detail:   fmt.Sprintf("Brackets, blocks and templates nest more than %d levels deep here. Split the expression with locals.", MaxNesting),
					Subject:  t.Range.Ptr(),
				}}
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}
