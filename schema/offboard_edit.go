package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// OffboardEdit is the result of rewriting an account block for offboarding.
type OffboardEdit struct {
	File    string // the file that was changed
	Address string // the account's resource address
}

// OffboardAccount rewrites, in the configuration files of dir, the account block whose
// email is the literal address: status = "departed" and an offboarding block handing
// mail over to handover (as a reference to its account block when there is one) with
// retainDays. Comments and formatting of the rest of the file are kept.
func OffboardAccount(dir, email, handover string, retainDays int) (*OffboardEdit, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"+FileSuffix))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	type found struct {
		path  string
		file  *hclwrite.File
		block *hclwrite.Block
	}
	var target *found
	handoverRef := ""
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		f, diags := hclwrite.ParseConfig(src, path, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, fmt.Errorf("%s: %s", path, diags.Error())
		}
		for _, b := range f.Body().Blocks() {
			if b.Type() != "account" || len(b.Labels()) != 1 {
				continue
			}
			addr, ok := literalString(b.Body().GetAttribute("email"))
			if !ok {
				continue
			}
			switch {
			case strings.EqualFold(addr, email):
				if b.Body().GetAttribute("for_each") == nil {
					target = &found{path: path, file: f, block: b}
				}
			case strings.EqualFold(addr, handover):
				handoverRef = "account." + b.Labels()[0] + ".email"
			}
		}
	}
	if target == nil {
		return nil, fmt.Errorf("no account block has email = %q. If the account comes from a for_each (a CSV file), set its status to \"departed\" there and add an offboarding block to the resource, for example with offboarding { handover_to = each.value.handover_to }", email)
	}
	body := target.block.Body()
	body.SetAttributeValue("status", cty.StringVal("departed"))
	for _, b := range body.Blocks() {
		if b.Type() == "offboarding" {
			body.RemoveBlock(b)
		}
	}
	ob := body.AppendNewBlock("offboarding", nil).Body()
	if handoverRef != "" {
		ob.SetAttributeRaw("handover_to", hclwrite.TokensForTraversal(traversalOf(handoverRef)))
	} else {
		ob.SetAttributeValue("handover_to", cty.StringVal(handover))
	}
	ob.SetAttributeValue("retain_days", cty.NumberIntVal(int64(retainDays)))
	info, err := os.Stat(target.path)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(target.path, hclwrite.Format(target.file.Bytes()), info.Mode().Perm()); err != nil {
		return nil, err
	}
	return &OffboardEdit{File: target.path, Address: "account." + target.block.Labels()[0]}, nil
}

// literalString returns the value of an attribute that is a constant string.
func literalString(a *hclwrite.Attribute) (string, bool) {
	if a == nil {
		return "", false
	}
	expr, diags := hclsyntax.ParseExpression(a.Expr().BuildTokens(nil).Bytes(), "", hcl.InitialPos)
	if diags.HasErrors() {
		return "", false
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

func traversalOf(s string) hcl.Traversal {
	parts := strings.Split(s, ".")
	tr := hcl.Traversal{hcl.TraverseRoot{Name: parts[0]}}
	for _, p := range parts[1:] {
		tr = append(tr, hcl.TraverseAttr{Name: p})
	}
	return tr
}
