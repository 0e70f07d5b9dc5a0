package planner

import (
	"fmt"
	"sort"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/state"
)

// DefaultRetainDays is how long a departed account is kept frozen before deletion.
const DefaultRetainDays = 30

// offboarding is what planOffboarding decided for departed accounts.
type offboarding struct {
	now   time.Time
	stage map[string]string    // account address → freeze | pending | delete | done
	due   map[string]time.Time // account address → end of retention
	// handover maps the address of an account that receives aliases to the
	// departed accounts whose deletion it must wait for.
	handover map[string][]string
	// heir maps a deleted departed account's address to the address of the account
	// holding its mail address as an alias only while the departed block stays.
	heir map[string][2]string // address → {heir's email, departed email}
}

// planOffboarding carries out the offboarding policy on the desired objects: a
// departed account leaves every group's members and allowed senders at once; once its
// retention has passed since the freeze that state recorded, it is deleted and its
// address becomes an alias of handover_to so mail keeps arriving.
func planOffboarding(o Options, st *state.State, insts []*Instance, m *matching) *offboarding {
	off := &offboarding{now: o.Now, stage: map[string]string{}, due: map[string]time.Time{}, handover: map[string][]string{}, heir: map[string][2]string{}}
	if off.now.IsZero() {
		off.now = time.Now()
	}
	departed := map[string]bool{}
	byEmail := map[string]*Instance{}
	for _, in := range insts {
		if in.Res.Spec == model.Account {
			byEmail[in.Desired.Str("email")] = in
		}
	}
	aliases := map[string][]string{} // handover address → addresses to add as aliases
	for _, in := range insts {
		if in.Res.Spec != model.Account || in.Desired.Str("status") != "departed" {
			continue
		}
		email := in.Desired.Str("email")
		departed[email] = true
		ob := in.Desired.Block("offboarding")
		retain := int64(DefaultRetainDays)
		handover := ""
		if ob != nil {
			if r, ok := ob["retain_days"].(int64); ok {
				retain = r
			}
			handover = ob.Str("handover_to")
		}
		sr := st.Find(in.Addr)
		switch {
		case m.live[in.Addr] == nil:
			off.stage[in.Addr] = "done"
		case sr == nil || sr.FrozenAt == nil:
			off.stage[in.Addr] = "freeze"
			off.due[in.Addr] = off.now.AddDate(0, 0, int(retain))
		default:
			due := sr.FrozenAt.AddDate(0, 0, int(retain))
			off.due[in.Addr] = due
			if off.now.Before(due) {
				off.stage[in.Addr] = "pending"
			} else {
				off.stage[in.Addr] = "delete"
			}
		}
		if st := off.stage[in.Addr]; (st == "delete" || st == "done") && handover != "" {
			if h := byEmail[handover]; h != nil {
				aliases[h.Addr] = append(aliases[h.Addr], email)
				off.heir[in.Addr] = [2]string{handover, email}
				if st == "delete" {
					off.handover[h.Addr] = append(off.handover[h.Addr], in.Addr)
				}
			}
		}
	}
	for _, in := range insts {
		switch in.Res.Spec {
		case model.Group:
			for _, attr := range []string{"members", "allowed_senders"} {
				if l, ok := in.Desired[attr].([]string); ok {
					in.Desired[attr] = without(l, departed)
				}
			}
		case model.Account:
			if add := aliases[in.Addr]; len(add) > 0 {
				cur, _ := in.Desired["aliases"].([]string)
				in.Desired["aliases"] = model.Canonical(model.Account, model.Object{"aliases": append(append([]string(nil), cur...), add...)})["aliases"]
			}
		}
	}
	return off
}

func without(l []string, drop map[string]bool) []string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if !drop[s] {
			out = append(out, s)
		}
	}
	return out
}

// annotate turns the offboarding decisions into plan actions and notes.
func (off *offboarding) annotate(cs []*Change) {
	byAddr := map[string]*Change{}
	for _, c := range cs {
		byAddr[c.Address] = c
	}
	for addr, stage := range off.stage {
		c := byAddr[addr]
		if c == nil {
			continue
		}
		c.Offboard = stage
		if d, ok := off.due[addr]; ok {
			d := d.UTC()
			c.DueDate = &d
		}
		switch stage {
		case "freeze":
			c.Reason = fmt.Sprintf("offboarding: frozen now (no login, no mail in or out); deletes on %s", c.DueDate.Format("2006-01-02"))
		case "pending":
			left := c.DueDate.Sub(off.now)
			when := fmt.Sprintf("%d days left", int(left.Hours()/24+0.999))
			switch {
			case left <= 24*time.Hour && c.DueDate.Format("2006-01-02") == off.now.UTC().Format("2006-01-02"):
				// Due today, at the time of day it was frozen: say when.
				when = "due today at " + c.DueDate.Format("15:04") + " UTC"
			case left <= 24*time.Hour:
				when = "1 day left"
			}
			c.Reason = fmt.Sprintf("offboarding pending: deletes on %s, %s", c.DueDate.Format("2006-01-02"), when)
		case "delete":
			c.Action = Delete
			c.Attrs = nil
			c.Reason = fmt.Sprintf("offboarding: the retention period ended on %s", c.DueDate.Format("2006-01-02"))
		case "done":
			c.Action = NoOp
			c.Attrs = nil
			c.Reason = "offboarded: the account was deleted; you can remove its block"
			if h := off.heir[addr]; h[0] != "" {
				// The alias comes from this block: removing it alone would take the
				// address away from the heir, and mail to it would bounce.
				c.Reason = fmt.Sprintf("offboarded: the account was deleted; %s holds its address as an alias only while this block stays: to remove the block, add %q to %s's aliases in the same change", h[0], h[1], h[0])
			}
		}
	}
	for h, deps := range off.handover {
		if c := byAddr[h]; c != nil {
			sort.Strings(deps)
			c.Deps = append(c.Deps, deps...)
		}
	}
}
