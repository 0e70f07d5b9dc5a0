package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// groupSenders is who may send to a generated group, in the mix the benchmark uses.
var groupSenders = []string{"organization", "organization", "members", "anyone"}

// writeGroups writes groups.csv (members joined with ";") and the group block.
func (t *tenant) writeGroups(dir string) error {
	err := writeCSV(filepath.Join(dir, "groups.csv"), []string{"email", "name", "senders", "members"},
		func(emit func(...string) error) error {
			for i := 0; i < t.sz.groups; i++ {
				n := min(len(t.emails), 2+t.rng.IntN(49))
				members := map[string]bool{}
				for len(members) < n {
					members[t.emails[t.rng.IntN(len(t.emails))]] = true
				}
				list := make([]string, 0, n)
				for m := range members {
					list = append(list, m)
				}
				// Map order is random; sorting keeps the output reproducible.
				slices.Sort(list)
				email := fmt.Sprintf("team-%05d@%s", i, t.domains[i%len(t.domains)])
				name := fmt.Sprintf("%s team %d", deptWords[i%len(deptWords)], i)
				if err := emit(email, name, groupSenders[i%len(groupSenders)], strings.Join(list, ";")); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "groups.mf.hcl"), `group "team" {
  for_each = { for r in csvdecode(file("groups.csv")) : r.email => r }
  email    = each.value.email
  name     = each.value.name
  senders  = each.value.senders
  members  = split(";", each.value.members)
}
`)
}
