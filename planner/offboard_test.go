package planner

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/state"
)

// offboardWorld is the converged drift world plus a group of alice and bob, with bob
// now departed in the configuration, handing over to handover.
func offboardWorld(handover string, retain string) *planWorld {
	w := newWorld()
	ob := `status = "departed"`
	if handover != "" || retain != "" {
		ob += "\n  offboarding {\n"
		if handover != "" {
			ob += `    handover_to = "` + handover + "\"\n"
		}
		if retain != "" {
			ob += "    retain_days = " + retain + "\n"
		}
		ob += "  }"
	}
	w.config = strings.Replace(w.config, `name  = "Bob"`, `name  = "Bob"
  `+ob, 1) + `
group "all" {
  email           = "all@example.com"
  name            = "All"
  members         = [account.alice.email, account.bob.email]
  senders         = "list"
  allowed_senders = ["bob@example.com", "alice@example.com"]
}
`
	g := model.Canonical(model.Group, model.Object{"email": "all@example.com", "name": "All", "members": []string{"alice@example.com", "bob@example.com"},
		"senders": "list", "allowed_senders": []string{"alice@example.com", "bob@example.com"}})
	w.live["group"] = map[string]model.Object{"all@example.com": g.Clone()}
	w.state.Set(&state.Resource{Address: "group.all", Type: "group", Provider: "sandbox", ID: "all@example.com", Attrs: g, MatchKey: "all@example.com"})
	// Like the real APIs, the provider knows nothing of the offboarding policy.
	w.drop = map[string]bool{"offboarding": true}
	return w
}

// frozen records in state and live that bob was frozen daysAgo days before planNow
// with the policy ob, and that the group no longer has him.
func frozen(w *planWorld, daysAgo int, ob model.Object) {
	at := planNow.AddDate(0, 0, -daysAgo)
	bob := w.state.Find("account.bob")
	bob.FrozenAt = &at
	bob.Attrs["status"] = "departed"
	bob.Attrs["offboarding"] = ob
	w.live["account"]["bob@example.com"]["status"] = "frozen"
	for _, g := range []model.Object{w.live["group"]["all@example.com"], w.state.Find("group.all").Attrs} {
		g["members"] = []string{"alice@example.com"}
		g["allowed_senders"] = []string{"alice@example.com"}
	}
}

// frozenAt is frozen with the freeze at a given time before planNow.
func frozenAt(w *planWorld, ago time.Duration, ob model.Object) {
	frozen(w, 0, ob)
	at := planNow.Add(-ago)
	w.state.Find("account.bob").FrozenAt = &at
}

func TestOffboardingStages(t *testing.T) {
	tests := []struct {
		name     string
		handover string
		retain   string
		setup    func(w *planWorld, ob model.Object)
		stage    string
		action   Action
		due      string
		want     []string // changed(plan)
	}{
		{name: "freeze on the first apply", handover: "alice@example.com", retain: "30", stage: "freeze", action: Update, due: "2026-03-31",
			want: []string{"update account.bob status,offboarding | offboarding: frozen now (no login, no mail in or out); deletes on 2026-03-31",
				"update group.all members,allowed_senders"}},
		{name: "default retention", stage: "freeze", action: Update, due: "2026-03-31",
			want: []string{"update account.bob status | offboarding: frozen now (no login, no mail in or out); deletes on 2026-03-31",
				"update group.all members,allowed_senders"}},
		{name: "pending", handover: "alice@example.com", retain: "30", setup: func(w *planWorld, ob model.Object) { frozen(w, 10, ob) },
			stage: "pending", action: NoOp, due: "2026-03-21",
			want: []string{"no-op account.bob | offboarding pending: deletes on 2026-03-21, 20 days left"}},
		{name: "pending on the last day", retain: "7", setup: func(w *planWorld, ob model.Object) { frozen(w, 6, ob) },
			stage: "pending", action: NoOp, due: "2026-03-02",
			want: []string{"no-op account.bob | offboarding pending: deletes on 2026-03-02, 1 day left"}},
		{name: "pending on the due date, before the time of day it falls due", retain: "7", setup: func(w *planWorld, ob model.Object) { frozenAt(w, 7*24*time.Hour-3*time.Hour, ob) },
			stage: "pending", action: NoOp, due: planNow.Add(3 * time.Hour).UTC().Format("2006-01-02"),
			want: []string{"no-op account.bob | offboarding pending: deletes on " + planNow.Add(3*time.Hour).UTC().Format("2006-01-02") + ", due today at " + planNow.Add(3*time.Hour).UTC().Format("15:04") + " UTC"}},
		{name: "retention over: delete and hand the address over", handover: "alice@example.com", retain: "30", setup: func(w *planWorld, ob model.Object) { frozen(w, 31, ob) },
			stage: "delete", action: Delete, due: "2026-02-28",
			want: []string{"delete account.bob | offboarding: the retention period ended on 2026-02-28",
				"update account.alice aliases"}},
		{name: "retention over, no handover", setup: func(w *planWorld, ob model.Object) { frozen(w, 30, ob) },
			stage: "delete", action: Delete, due: "2026-03-01",
			want: []string{"delete account.bob | offboarding: the retention period ended on 2026-03-01"}},
		{name: "deleted: done, the alias stays", handover: "alice@example.com", retain: "30", setup: func(w *planWorld, ob model.Object) {
			frozen(w, 40, ob)
			delete(w.live["account"], "bob@example.com")
			w.live["account"]["alice@example.com"]["aliases"] = []string{"bob@example.com"}
		}, stage: "done", action: NoOp,
			want: []string{`no-op account.bob | offboarded: the account was deleted; alice@example.com holds its address as an alias only while this block stays: to remove the block, add "bob@example.com" to alice@example.com's aliases in the same change`}},
		{name: "deleted without handover: done", retain: "30", setup: func(w *planWorld, ob model.Object) {
			frozen(w, 40, ob)
			delete(w.live["account"], "bob@example.com")
		}, stage: "done", action: NoOp,
			want: []string{"no-op account.bob | offboarded: the account was deleted; you can remove its block"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := offboardWorld(tt.handover, tt.retain)
			ob := model.Object{}
			if tt.handover != "" {
				ob["handover_to"] = tt.handover
			}
			if tt.retain != "" {
				n, _ := strconv.Atoi(tt.retain)
				ob["retain_days"] = int64(n)
			}
			if tt.setup != nil {
				tt.setup(w, ob)
			}
			p, diags := w.plan(t)
			if diags.HasErrors() {
				t.Fatal(errText(diags))
			}
			if got := changed(p); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			bob := find(p, "account.bob")
			if bob.Offboard != tt.stage || bob.Action != tt.action {
				t.Errorf("account.bob = %s/%s, want %s/%s", bob.Offboard, bob.Action, tt.stage, tt.action)
			}
			due := ""
			if bob.DueDate != nil {
				due = bob.DueDate.Format("2006-01-02")
			}
			if due != tt.due {
				t.Errorf("due = %q, want %q", due, tt.due)
			}
			// The group never keeps a departed member or sender.
			g := find(p, "group.all").After
			if m := strings.Join(g.Strings("members"), ","); m != "alice@example.com" {
				t.Errorf("group members = %s", m)
			}
			if s := strings.Join(g.Strings("allowed_senders"), ","); s != "alice@example.com" {
				t.Errorf("group allowed senders = %s", s)
			}
			alice := find(p, "account.alice")
			wantAlias := tt.handover == "alice@example.com" && (tt.stage == "delete" || tt.stage == "done")
			if got := strings.Join(alice.After.Strings("aliases"), ","); (got == "bob@example.com") != wantAlias {
				t.Errorf("alice aliases = %q, want the handed-over address: %v", got, wantAlias)
			}
			// Alice takes the alias only after bob's mailbox is gone.
			if hasDep := strings.Contains(strings.Join(alice.Deps, ","), "account.bob"); hasDep != (tt.stage == "delete" && wantAlias) {
				t.Errorf("alice deps = %v", alice.Deps)
			}
		})
	}
}

// A freeze uses the plan's clock, not the machine's.
func TestOffboardingUsesNow(t *testing.T) {
	w := offboardWorld("", "10")
	later := planNow.Add(48 * time.Hour)
	w.opts = func(o *Options) { o.Now = later }
	p := w.mustPlan(t)
	if d := find(p, "account.bob").DueDate; d == nil || !d.Equal(later.AddDate(0, 0, 10)) {
		t.Errorf("due = %v, want %v", d, later.AddDate(0, 0, 10))
	}
}
