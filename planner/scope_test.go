package planner

import (
	"reflect"
	"testing"

	"github.com/mailform/mailform/model"
)

func TestAnnotateScopes(t *testing.T) {
	dept := func(addr, id, parent string) *Change {
		o := model.Object{"id": id, "name": addr}
		if parent != "" {
			o["parent"] = parent
		}
		return &Change{Address: addr, Type: "department", ID: id, Action: NoOp, Before: o, After: o}
	}
	acct := func(email, status string, before, after []string) *Change {
		return &Change{Address: "account." + email, Type: "account", Action: Update,
			Before: model.Object{"email": email, "departments": before, "status": "active"},
			After:  model.Object{"email": email, "departments": after, "status": status}}
	}
	group := &Change{Address: "group.board", Type: "group", Action: NoOp,
		After: model.Object{"email": "board@x.test", "members": []string{"dee@x.test", "nobody@else.test"}, "member_groups": []string{"ops@x.test"}}}
	group.Before = group.After
	ops := &Change{Address: "group.ops", Type: "group", Action: NoOp,
		After: model.Object{"email": "ops@x.test", "member_departments": []string{"3"}, "member_groups": []string{"board@x.test"}}}
	ops.Before = ops.After
	rule := model.Object{"departments": []string{"1"}, "groups": []string{"board@x.test"}, "accounts": []string{"Ann@x.test"}}
	r := &Change{Address: "send_restriction.finance", Type: "send_restriction", Action: NoOp, Before: rule, After: rule}
	created := &Change{Address: "backup_rule.new", Type: "backup_rule", Action: Create,
		After: model.Object{"departments": model.Unknown, "accounts": []string{"bob@x.test"}}}
	gone := &Change{Address: "send_restriction.gone", Type: "send_restriction", Action: Delete, Before: rule}
	changes := []*Change{
		dept("department.finance", "1", ""), dept("department.ap", "2", "1"), dept("department.ops", "3", ""),
		acct("ann@x.test", "active", []string{"2"}, []string{"2"}),
		acct("bob@x.test", "active", []string{"3"}, []string{"1"}), // moves into Finance
		acct("cy@x.test", "frozen", []string{"1"}, []string{"1"}),  // frozen: not counted
		acct("dee@x.test", "active", nil, nil),
		acct("eve@x.test", "active", []string{"3"}, []string{"3"}),
		group, ops, r, created, gone,
	}
	annotateScopes(changes)
	was := 5 // ann, cy (not yet frozen), dee, and bob and eve through ops's department 3
	want := &Scope{Accounts: 4, Was: &was, Sources: []ScopeSource{
		{Ref: "accounts", Accounts: 1},
		{Ref: "department.finance", Accounts: 2}, // ann in a sub-department, bob moved in
		{Ref: "group board@x.test", Accounts: 2}, // dee, and eve through ops's department
	}}
	if !reflect.DeepEqual(r.Scope, want) {
		t.Fatalf("scope = %+v %d\nwant %+v", r.Scope, *r.Scope.Was, want)
	}
	if s := created.Scope; s == nil || s.Accounts != 1 || !s.Partial || s.Was != nil {
		t.Fatalf("created rule scope = %+v; want bob only, partial", s)
	}
	if gone.Scope != nil {
		t.Fatal("a deleted rule got a scope")
	}
}
