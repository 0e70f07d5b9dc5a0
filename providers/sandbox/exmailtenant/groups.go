package exmailtenant

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// senders maps allow_type to the model's senders value, by index.
var senders = []string{"organization", "anyone", "members", "list"}

// group maps a stored group to the API's form.
func group(o model.Object) exmailapi.Group {
	g := exmailapi.Group{
		GroupID: o.Str("email"), GroupName: o.Str("name"),
		UserList:      append([]string(nil), o.Strings("members")...),
		GroupList:     append([]string(nil), o.Strings("member_groups")...),
		AllowUserList: append([]string(nil), o.Strings("allowed_senders")...),
	}
	for _, d := range o.Strings("member_departments") {
		if n, err := strconv.ParseInt(d, 10, 64); err == nil {
			g.Department = append(g.Department, n)
		}
	}
	for i, s := range senders {
		if o.Str("senders") == s {
			g.AllowType = i
		}
	}
	return g
}

// groupObject maps an API group to the stored form.
func groupObject(g exmailapi.Group) model.Object {
	o := model.Object{"email": key(g.GroupID), "name": g.GroupName, "senders": senders[0]}
	if g.AllowType >= 0 && g.AllowType < len(senders) {
		o["senders"] = senders[g.AllowType]
	}
	setList := func(name string, l []string) {
		if len(l) > 0 {
			o[name] = l
		}
	}
	setList("members", lowerAll(g.UserList))
	setList("member_groups", lowerAll(g.GroupList))
	setList("allowed_senders", lowerAll(g.AllowUserList))
	var depts []string
	for _, d := range g.Department {
		depts = append(depts, strconv.FormatInt(d, 10))
	}
	setList("member_departments", depts)
	return o
}

// Group returns the group with groupid (compared case-insensitively) and whether it exists.
func (t *Tenant) Group(groupid string) (exmailapi.Group, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.groups[key(groupid)]
	if !ok {
		return exmailapi.Group{}, false, nil
	}
	g := group(o)
	g.TagList = append([]int64(nil), t.tags[key(groupid)]...)
	return g, true, nil
}

// SetGroupTags gives the group at groupid the tag-based members tags, as an
// administrator does in the new console (the API cannot set them), whether or not
// the group exists yet. They are not stored in the sandbox directory: they last
// while the Tenant serves.
func (t *Tenant) SetGroupTags(groupid string, tags []int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tags[key(groupid)] = append([]int64(nil), tags...)
}

// Groups returns every group sorted by address.
func (t *Tenant) Groups() ([]exmailapi.Group, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]exmailapi.Group, 0, len(t.groups))
	for id, o := range t.groups {
		g := group(o)
		g.TagList = append([]int64(nil), t.tags[id]...)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i].GroupID) < key(out[j].GroupID) })
	return out, nil
}

// CreateGroup stores a new group.
func (t *Tenant) CreateGroup(g exmailapi.Group) error { return t.storeGroup(g) }

// UpdateGroup replaces the group with g.GroupID.
func (t *Tenant) UpdateGroup(g exmailapi.Group) error {
	t.mu.Lock()
	_, ok := t.groups[key(g.GroupID)]
	t.mu.Unlock()
	if !ok {
		return fmt.Errorf("sandbox %s: group %s is not stored", t.s.Dir(), g.GroupID)
	}
	return t.storeGroup(g)
}

func (t *Tenant) storeGroup(g exmailapi.Group) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	o := groupObject(g)
	stored, err := t.put(model.Group.Name, o.Str("email"), o)
	if err != nil {
		return err
	}
	t.groups[o.Str("email")] = stored
	return nil
}

// DeleteGroup removes the group with groupid.
func (t *Tenant) DeleteGroup(groupid string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.remove(model.Group.Name, key(groupid)); err != nil {
		return err
	}
	delete(t.groups, key(groupid))
	return nil
}
