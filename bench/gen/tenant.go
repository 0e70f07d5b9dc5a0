package main

import (
	"fmt"
	"math/rand/v2"
)

// tenant is the generated company: its domains and the department tree that accounts
// and groups are placed in.
type tenant struct {
	sz      sizes
	rng     *rand.Rand
	domains []string
	// levels holds the department keys of each of the three levels.
	levels [3][]dept
	// emails of the generated accounts, for group members.
	emails []string
}

// dept is one department row.
type dept struct {
	key, name, parent string
	order             int
}

func newTenant(sz sizes, rng *rand.Rand) *tenant {
	t := &tenant{sz: sz, rng: rng}
	for i := 0; i < sz.zones; i++ {
		t.domains = append(t.domains, fmt.Sprintf("bigcorp%d.example.com", i))
	}
	t.planDepartments()
	return t
}

// planDepartments splits the departments into three levels: about 1 % at the top,
// ten times that below, and the rest as leaves, each under a random parent.
func (t *tenant) planDepartments() {
	n := t.sz.departments
	n1 := max(1, n/100)
	n2 := min(n-n1, n1*10)
	n3 := n - n1 - n2
	counts := [3]int{n1, n2, n3}
	for lvl, c := range counts {
		for i := 0; i < c; i++ {
			d := dept{key: fmt.Sprintf("l%d-%04d", lvl+1, i), order: i}
			d.name = fmt.Sprintf("%s %d", deptWords[t.rng.IntN(len(deptWords))], i)
			if lvl > 0 {
				d.parent = t.levels[lvl-1][t.rng.IntN(len(t.levels[lvl-1]))].key
			}
			t.levels[lvl] = append(t.levels[lvl], d)
		}
	}
}

// leafLevel is the deepest level that has departments; accounts are placed there.
func (t *tenant) leafLevel() int {
	for lvl := 2; lvl > 0; lvl-- {
		if len(t.levels[lvl]) > 0 {
			return lvl
		}
	}
	return 0
}

var deptWords = []string{"Sales", "Finance", "Engineering", "Support", "Legal", "Marketing",
	"Operations", "Research", "Logistics", "Purchasing", "Quality", "Security", "Design", "Training"}

var firstNames = []string{"wei", "fang", "min", "jing", "lei", "yan", "tao", "hui", "anna", "james",
	"maria", "david", "li", "chen", "sofia", "omar", "yuki", "ivan", "nora", "paul"}

var lastNames = []string{"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou",
	"smith", "garcia", "muller", "rossi", "tanaka", "kim", "novak", "silva", "khan", "brown"}

var positions = []string{"Engineer", "Manager", "Analyst", "Accountant", "Designer", "Director", "Assistant"}
