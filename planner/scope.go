package planner

import (
	"slices"

	"github.com/mailform/mailform/model"
)

// Scope is who a send_restriction or backup_rule covers once its departments (with
// their sub-departments) and groups (with their member groups and departments) are
// expanded to accounts, computed from the plan's own objects, so a reviewer sees a
// department move change a rule's reach.
type Scope struct {
	// Accounts counts the active accounts covered, each once.
	Accounts int `json:"accounts"`
	// Sources says how many of them each listed account, department and group brings.
	Sources []ScopeSource `json:"sources"`
	// Was is the count with the live objects, when it differs (nil: same, or new).
	Was *int `json:"was,omitempty"`
	// Partial is true when some ids are known only after apply (a department this
	// plan creates): accounts reached through them are not counted.
	Partial bool `json:"partial,omitempty"`
}

// ScopeSource is one entry of a rule and the accounts it reaches.
type ScopeSource struct {
	// Ref is "accounts" for the listed accounts, else the department or group's
	// address (department.finance), or its id when the plan does not hold it.
	Ref      string `json:"ref"`
	Accounts int    `json:"accounts"`
}

// scoped lists the rule types whose reach plans show.
var scoped = map[string]bool{"send_restriction": true, "backup_rule": true}

// annotateScopes sets Scope on every send_restriction and backup_rule change that
// is not a delete.
func annotateScopes(changes []*Change) {
	if !slices.ContainsFunc(changes, func(c *Change) bool { return scoped[c.Type] }) {
		return
	}
	after := newDirectory(changes, func(c *Change) model.Object {
		if c.Action == Delete {
			return nil
		}
		return c.After
	})
	before := newDirectory(changes, func(c *Change) model.Object { return c.Before })
	for _, c := range changes {
		if !scoped[c.Type] || c.Action == Delete || c.After == nil {
			continue
		}
		s := after.scope(c.After)
		if c.Before != nil {
			if was := before.scope(c.Before); was.Accounts != s.Accounts && !s.Partial {
				s.Was = &was.Accounts
			}
		}
		c.Scope = s
	}
}

// directory is the accounts, departments and groups of one side of a plan.
type directory struct {
	deptAddr map[string]string   // department id → address
	children map[string][]string // department id → sub-department ids
	inDept   map[string][]string // department id → active accounts directly in it
	accounts map[string]bool     // active account addresses
	groups   map[string]model.Object
}

func newDirectory(changes []*Change, side func(*Change) model.Object) *directory {
	d := &directory{deptAddr: map[string]string{}, children: map[string][]string{}, inDept: map[string][]string{},
		accounts: map[string]bool{}, groups: map[string]model.Object{}}
	for _, c := range changes {
		o := side(c)
		if o == nil {
			continue
		}
		switch c.Type {
		case "department":
			id := o.Str("id")
			if id == "" {
				id = c.ID
			}
			if id == "" {
				continue
			}
			d.deptAddr[id] = c.Address
			if p := o.Str("parent"); p != "" {
				d.children[p] = append(d.children[p], id)
			}
		case "account":
			if st := o.Str("status"); st == "frozen" || st == "departed" {
				continue
			}
			email := model.CanonicalEmail(o.Str("email"))
			d.accounts[email] = true
			for _, id := range o.Strings("departments") {
				d.inDept[id] = append(d.inDept[id], email)
			}
		case "group":
			d.groups[model.CanonicalEmail(o.Str("email"))] = o
		}
	}
	return d
}

// deptAccounts adds the active accounts of department id and its sub-departments.
func (d *directory) deptAccounts(id string, out, seen map[string]bool) {
	if seen[id] {
		return
	}
	seen[id] = true
	for _, a := range d.inDept[id] {
		out[a] = true
	}
	for _, c := range d.children[id] {
		d.deptAccounts(c, out, seen)
	}
}

// groupAccounts adds the group's member accounts, through member groups and
// departments; seen cuts cycles.
func (d *directory) groupAccounts(email string, out, seen map[string]bool) {
	g := d.groups[email]
	if g == nil || seen[email] {
		return
	}
	seen[email] = true
	for _, m := range g.Strings("members") {
		if m = model.CanonicalEmail(m); d.accounts[m] {
			out[m] = true
		}
	}
	for _, id := range g.Strings("member_departments") {
		d.deptAccounts(id, out, map[string]bool{})
	}
	for _, sub := range g.Strings("member_groups") {
		d.groupAccounts(model.CanonicalEmail(sub), out, seen)
	}
}

func (d *directory) scope(rule model.Object) *Scope {
	s := &Scope{}
	all := map[string]bool{}
	add := func(ref string, set map[string]bool) {
		s.Sources = append(s.Sources, ScopeSource{Ref: ref, Accounts: len(set)})
		for a := range set {
			all[a] = true
		}
	}
	for _, n := range []string{"accounts", "departments", "groups"} {
		if model.IsUnknown(rule[n]) {
			s.Partial = true
		}
	}
	if listed := rule.Strings("accounts"); len(listed) > 0 {
		set := map[string]bool{}
		for _, a := range listed {
			if a = model.CanonicalEmail(a); d.accounts[a] {
				set[a] = true
			}
		}
		add("accounts", set)
	}
	for _, id := range slices.Sorted(slices.Values(rule.Strings("departments"))) {
		set := map[string]bool{}
		d.deptAccounts(id, set, map[string]bool{})
		ref := d.deptAddr[id]
		if ref == "" {
			ref = "department id " + id
		}
		add(ref, set)
	}
	for _, g := range slices.Sorted(slices.Values(rule.Strings("groups"))) {
		set := map[string]bool{}
		g = model.CanonicalEmail(g)
		d.groupAccounts(g, set, map[string]bool{})
		add("group "+g, set)
	}
	s.Accounts = len(all)
	return s
}
