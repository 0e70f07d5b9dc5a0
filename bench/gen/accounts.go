package main

import (
	"fmt"
	"path/filepath"
)

// writeAccounts writes accounts.csv and the account block that reads it.
func (t *tenant) writeAccounts(dir string) error {
	leaves := t.levels[t.leafLevel()]
	seen := map[string]bool{}
	err := writeCSV(filepath.Join(dir, "accounts.csv"),
		[]string{"email", "name", "dept", "position", "mobile", "external_id", "quota_mb"},
		func(emit func(...string) error) error {
			for i := 0; i < t.sz.accounts; i++ {
				first, last := firstNames[t.rng.IntN(len(firstNames))], lastNames[t.rng.IntN(len(lastNames))]
				domain := t.domains[i%len(t.domains)]
				local := first + "." + last
				for n := 2; seen[local+"@"+domain]; n++ {
					local = fmt.Sprintf("%s.%s%d", first, last, n)
				}
				email := local + "@" + domain
				seen[email] = true
				t.emails = append(t.emails, email)
				err := emit(email, titleCase(first)+" "+titleCase(last), leaves[t.rng.IntN(len(leaves))].key,
					positions[t.rng.IntN(len(positions))], fmt.Sprintf("+86 138%08d", i),
					fmt.Sprintf("E%06d", i), fmt.Sprint([]int{1024, 2048, 4096}[t.rng.IntN(3)]))
				if err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	hcl := fmt.Sprintf(`account "staff" {
  for_each    = { for r in csvdecode(file("accounts.csv")) : r.email => r }
  email       = each.value.email
  name        = each.value.name
  departments = [department.%s[each.value.dept].id]
  position    = each.value.position
  mobile      = each.value.mobile
  external_id = each.value.external_id
  quota_mb    = tonumber(each.value.quota_mb)
}
`, levelBlocks[t.leafLevel()])
	return writeFile(filepath.Join(dir, "accounts.mf.hcl"), hcl)
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
