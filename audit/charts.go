package audit

import "sort"

// Charts are the series the HTML report draws.
type Charts struct {
	// StatusByDepartment counts accounts by status per department.
	StatusByDepartment []DepartmentStatus `json:"status_by_department"`
	// SecondFactor counts active accounts with and without a forced second factor.
	SecondFactorOn  int `json:"second_factor_on"`
	SecondFactorOff int `json:"second_factor_off"`
	// LoginsPerDay are the archived logins of the last 90 days.
	LoginsPerDay []DayCount `json:"logins_per_day"`
	// SentOutside counts mail sent outside the company per department.
	SentOutside []NameCount `json:"sent_outside"`
}

// DepartmentStatus is one bar of the accounts chart.
type DepartmentStatus struct {
	Department string `json:"department"`
	Active     int    `json:"active"`
	Frozen     int    `json:"frozen"`
	Departed   int    `json:"departed"`
}

// DayCount is a count on a day.
type DayCount struct {
	Day   string `json:"day"`
	Count int    `json:"count"`
}

// NameCount is a count for a name.
type NameCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func charts(in Input) Charts {
	var c Charts
	byDept := map[string]*DepartmentStatus{}
	deptOf := map[string][]string{}
	for _, a := range in.Accounts {
		depts := a.Departments
		if len(depts) == 0 {
			depts = []string{"(none)"}
		}
		deptOf[lower(a.Email)] = depts
		for _, d := range depts {
			s := byDept[d]
			if s == nil {
				s = &DepartmentStatus{Department: d}
				byDept[d] = s
			}
			switch a.Status {
			case "frozen":
				s.Frozen++
			case "departed":
				s.Departed++
			default:
				s.Active++
			}
		}
		if a.Status == "active" {
			if a.ForceSecureLogin {
				c.SecondFactorOn++
			} else {
				c.SecondFactorOff++
			}
		}
	}
	for _, s := range byDept {
		c.StatusByDepartment = append(c.StatusByDepartment, *s)
	}
	sort.Slice(c.StatusByDepartment, func(i, j int) bool {
		return c.StatusByDepartment[i].Department < c.StatusByDepartment[j].Department
	})
	from := in.Now.AddDate(0, 0, -90).Format("2006-01-02")
	for d, n := range in.Archive.LoginsPerDay {
		if d >= from {
			c.LoginsPerDay = append(c.LoginsPerDay, DayCount{d, n})
		}
	}
	sort.Slice(c.LoginsPerDay, func(i, j int) bool { return c.LoginsPerDay[i].Day < c.LoginsPerDay[j].Day })
	sent := map[string]int{}
	for who, n := range in.Archive.SentOutside {
		for _, d := range deptOf[who] {
			sent[d] += n
		}
	}
	for d, n := range sent {
		c.SentOutside = append(c.SentOutside, NameCount{d, n})
	}
	sort.Slice(c.SentOutside, func(i, j int) bool { return c.SentOutside[i].Name < c.SentOutside[j].Name })
	return c
}
