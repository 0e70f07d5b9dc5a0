package planner

import "testing"

// waitsFor reports whether s waits, directly or through barriers, for the step of addr.
func waitsFor(s *step, addr string) bool {
	for _, d := range s.deps {
		if d.c.Address == addr || (d.barrier && waitsFor(d, addr)) {
			return true
		}
	}
	return false
}

// A mail server (the postfix provider) refuses an address in a domain it does not
// serve yet, and addresses rarely refer to the domain block: accounts and groups
// being created or updated wait for the domains being created, nothing else does.
func TestScheduleAddressesWaitForDomainCreates(t *testing.T) {
	p := &Plan{Changes: []*Change{
		{Address: "domain.a", Type: "domain", Action: Create},
		{Address: "domain.b", Type: "domain", Action: Create},
		{Address: "account.ann", Type: "account", Action: Create},
		{Address: "group.all", Type: "group", Action: Update},
		{Address: "department.sales", Type: "department", Action: Create},
	}}
	by := map[string]*step{}
	for _, s := range schedule(p) {
		by[s.c.Address] = s
	}
	for _, addr := range []string{"account.ann", "group.all"} {
		for _, d := range []string{"domain.a", "domain.b"} {
			if !waitsFor(by[addr], d) {
				t.Errorf("%s does not wait for %s", addr, d)
			}
		}
	}
	if waitsFor(by["department.sales"], "domain.a") || waitsFor(by["domain.b"], "domain.a") {
		t.Error("departments or domains wait for domain creates")
	}
}
