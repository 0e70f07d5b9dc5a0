package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// levelBlocks names the department block of each level; a block cannot refer to its
// own instances, so each level of the tree is its own block.
var levelBlocks = [3]string{"top", "mid", "leaf"}

// writeDepartments writes departments.csv and one for_each block per level, each
// child pointing at its parent's id.
func (t *tenant) writeDepartments(dir string) error {
	err := writeCSV(filepath.Join(dir, "departments.csv"), []string{"key", "level", "name", "parent", "order"},
		func(emit func(...string) error) error {
			for lvl, ds := range t.levels {
				for _, d := range ds {
					if err := emit(d.key, strconv.Itoa(lvl+1), d.name, d.parent, strconv.Itoa(d.order)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`locals {
  departments = csvdecode(file("departments.csv"))
}
`)
	for lvl, ds := range t.levels {
		if len(ds) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\ndepartment %q {\n", levelBlocks[lvl])
		fmt.Fprintf(&b, "  for_each = { for r in local.departments : r.key => r if r.level == \"%d\" }\n", lvl+1)
		b.WriteString("  name     = each.value.name\n")
		if lvl > 0 {
			fmt.Fprintf(&b, "  parent   = department.%s[each.value.parent].id\n", levelBlocks[lvl-1])
		}
		b.WriteString("  order    = tonumber(each.value.order)\n}\n")
	}
	return writeFile(filepath.Join(dir, "departments.mf.hcl"), b.String())
}
