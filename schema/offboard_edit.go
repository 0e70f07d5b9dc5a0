package schema

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// OffboardEdit is the result of rewriting an account block for offboarding.
type OffboardEdit struct {
	File    string // the file that was changed
	Address string // the account's resource address ("" for a CSV row)
	// CSV is true when the account's row in a CSV file was changed.
	CSV bool
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
	var csvFiles []string
	handoverRef := ""
	for _, path := range files {
		src, err := ReadInput(path, filepath.Dir(path))
		if err != nil {
			return nil, err
		}
		f, diags := hclwrite.ParseConfig(src, path, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, fmt.Errorf("%s: %s", path, diags.Error())
		}
		for _, b := range f.Body().Blocks() {
			if b.Type() == "module" {
				// A module's accounts may come from a CSV passed to it, as in
				// staff = csvdecode(file("accounts.csv")).
				for _, m := range csvFileRef.FindAllStringSubmatch(string(b.BuildTokens(nil).Bytes()), -1) {
					csvFiles = append(csvFiles, m[1])
				}
				continue
			}
			if b.Type() != "account" || len(b.Labels()) != 1 {
				continue
			}
			if fe := b.Body().GetAttribute("for_each"); fe != nil {
				for _, m := range csvFileRef.FindAllStringSubmatch(string(fe.Expr().BuildTokens(nil).Bytes()), -1) {
					csvFiles = append(csvFiles, m[1])
				}
				// A for_each over a local: the CSV may be named there.
				for _, m := range csvFileRef.FindAllStringSubmatch(string(src), -1) {
					csvFiles = append(csvFiles, m[1])
				}
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
		for _, name := range dedupe(csvFiles) {
			path := name
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, name)
			}
			if ok, err := offboardCSVRow(path, email, handover, retainDays); err != nil {
				return nil, err
			} else if ok {
				return &OffboardEdit{File: path, CSV: true}, nil
			}
		}
		return nil, fmt.Errorf("no account block has email = %q, and no CSV file that account blocks read has a row for it. If the account comes from a for_each, set its status to \"departed\" there (see \"When someone leaves\" in the README for the status, handover_to and retain_days columns)", email)
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

// csvFileRef finds the CSV files a configuration reads: file("staff.csv").
var csvFileRef = regexp.MustCompile(`file\(\s*"([^"]+\.csv)"\s*\)`)

func dedupe(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// offboardCSVRow sets status, handover_to and retain_days in the row of a CSV file
// whose email column is email. It reports false when the file has no such row, and an
// error when the row is there but the file lacks the columns the policy needs.
func offboardCSVRow(path, email, handover string, retainDays int) (bool, error) {
	data, err := ReadInput(path, filepath.Dir(path))
	if err != nil {
		return false, nil
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) < 2 {
		return false, nil
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	ei, ok := col["email"]
	if !ok {
		return false, nil
	}
	row := -1
	for i, r := range rows[1:] {
		if ei < len(r) && strings.EqualFold(strings.TrimSpace(r[ei]), email) {
			row = i + 1
		}
	}
	if row < 0 {
		return false, nil
	}
	for _, c := range []string{"status", "handover_to"} {
		if _, ok := col[c]; !ok {
			return false, fmt.Errorf("%s has %s's row but no %q column: add status, handover_to and retain_days columns and read them in the account block (see \"When someone leaves\" in the README)", path, email, c)
		}
	}
	set := func(c, v string) {
		if i, ok := col[c]; ok {
			for len(rows[row]) <= i {
				rows[row] = append(rows[row], "")
			}
			rows[row][i] = v
		}
	}
	set("status", "departed")
	set("handover_to", handover)
	set("retain_days", strconv.Itoa(retainDays))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		return false, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return true, os.WriteFile(path, buf.Bytes(), info.Mode().Perm())
}
