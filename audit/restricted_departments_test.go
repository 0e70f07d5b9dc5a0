package audit

import "testing"

func TestRestrictedDepartments(t *testing.T) {
	depts := []string{"Finance", "R&D", "Sales"}
	send := []Rule{{Name: "finance", Departments: []string{"Finance"}}, {Name: "rd", Departments: []string{"r&d"}}}
	backup := []Rule{{Name: "rd", Departments: []string{"R&D"}}}
	for _, tt := range []struct {
		name       string
		restricted []string
		want       []string
	}{
		{"none listed", nil, nil},
		{"covered by both", []string{"R&D"}, nil},
		{"no backup", []string{"Finance"}, []string{"Restricted department without a backup rule: Finance"}},
		{"neither", []string{"Sales"}, []string{"Restricted department without a send restriction: Sales", "Restricted department without a backup rule: Sales"}},
		{"unknown name", []string{"Legal"}, []string{"Restricted department not found: Legal"}},
	} {
		got := restrictedDepartments(input(func(in *Input) {
			in.Departments, in.SendRestrictions, in.BackupRules = depts, send, backup
			in.Policy.RestrictedDepartments = tt.restricted
		}))
		check(t, tt.name, got, tt.want...)
	}
}
