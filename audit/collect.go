package audit

import (
	"context"
	"strings"
	"time"

	"github.com/mailform/mailform/logarchive"
	"github.com/mailform/mailform/state"
)

// FromState fills the configuration part of an input from the applied state: the
// accounts, departments, send restrictions and backup rules mailform manages, with
// department ids turned into names.
func FromState(in *Input, st *state.State) {
	names := map[string]string{}
	for _, r := range st.Resources {
		if r.Type == "department" {
			name := r.Attrs.Str("name")
			in.Departments = append(in.Departments, name)
			names[r.ID] = name
			if id := r.Attrs.Str("id"); id != "" {
				names[id] = name
			}
		}
	}
	deptNames := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if n, ok := names[id]; ok {
				out = append(out, n)
			} else {
				out = append(out, id)
			}
		}
		return out
	}
	for _, r := range st.Resources {
		switch r.Type {
		case "account":
			status := r.Attrs.Str("status")
			if status == "" {
				status = "active"
			}
			ob := r.Attrs.Block("offboarding")
			in.Accounts = append(in.Accounts, Account{Email: r.Attrs.Str("email"), Name: r.Attrs.Str("name"), Status: status,
				Departments: deptNames(r.Attrs.Strings("departments")), ForceSecureLogin: r.Attrs.Bool("force_secure_login"),
				HandoverTo: ob.Str("handover_to"), RetainDays: int(ob.Int("retain_days")),
				Frozen: r.FrozenAt != nil || status == "frozen"})
			if in.Provider == "" {
				in.Provider, _, _ = strings.Cut(r.Provider, ".")
			}
		case "send_restriction", "backup_rule":
			rule := Rule{Name: r.Address, Departments: deptNames(r.Attrs.Strings("departments")), Accounts: r.Attrs.Strings("accounts")}
			if r.Type == "send_restriction" {
				in.SendRestrictions = append(in.SendRestrictions, rule)
			} else {
				in.BackupRules = append(in.BackupRules, rule)
			}
		}
	}
}

// FromArchive fills the archive part of an input: coverage, the last pull, and from
// the rows of the audit period the last logins, logins per day, mail sent outside
// and the console-only operations.
func FromArchive(ctx context.Context, in *Input, s logarchive.Store) error {
	days, err := s.Days(ctx)
	if err != nil {
		return err
	}
	a := Archive{LastLogin: map[string]time.Time{}, LoginsPerDay: map[string]int{}, SentOutside: map[string]int{}}
	if len(days) == 0 {
		in.Archive = a
		return nil
	}
	a.Present, a.First, a.Last = true, days[0].Date, days[len(days)-1].Date
	for _, d := range days {
		if d.Status == logarchive.DayGap || d.Status == logarchive.DayPartial {
			a.Gaps = append(a.Gaps, d.Date)
		}
	}
	if lp, err := s.Meta(ctx, logarchive.MetaLastPull); err != nil {
		return err
	} else if lp != "" {
		a.LastPull, _ = time.Parse(time.RFC3339, lp)
	}
	domains := map[string]bool{}
	for _, acc := range in.Accounts {
		if _, d, ok := strings.Cut(strings.ToLower(acc.Email), "@"); ok {
			domains[d] = true
		}
	}
	period := in.Policy.NoLoginDays
	if period < 90 {
		period = 90
	}
	from := in.Now.AddDate(0, 0, -period-1).Format("2006-01-02")
	err = logarchive.Query(ctx, s, logarchive.Filter{From: from}, func(r logarchive.Row) error {
		switch r.Kind {
		case logarchive.KindLogin:
			who := strings.ToLower(r.Account)
			if t := time.Unix(r.Time, 0); t.After(a.LastLogin[who]) {
				a.LastLogin[who] = t
			}
			a.LoginsPerDay[r.Day]++
		case logarchive.KindMail:
			_, to, _ := strings.Cut(strings.ToLower(r.Peer), "@")
			if r.Type == 1 && !domains[to] {
				a.SentOutside[strings.ToLower(r.Account)]++
			}
		case logarchive.KindOperation:
			if _, ok := ConsoleOnlyOperations[r.Type]; ok {
				a.Operations = append(a.Operations, r)
			}
		}
		return nil
	})
	in.Archive = a
	return err
}
