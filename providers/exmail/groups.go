package exmail

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// senders maps the model's senders to the API's allow_type.
var senders = []string{"organization", "anyone", "members", "list"}

func allowType(s string) (int, error) {
	for i, v := range senders {
		if v == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("senders %q is not one of %s", s, strings.Join(senders, ", "))
}

// groupFields maps a canonical group to group/create fields.
func groupFields(o model.Object) (map[string]any, error) {
	at, err := allowType(o.Str("senders"))
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", o.Str("email"), err)
	}
	depts := []int64{}
	for _, s := range o.Strings("member_departments") {
		n, err := deptID(s)
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", o.Str("email"), err)
		}
		depts = append(depts, n)
	}
	sort.Slice(depts, func(i, j int) bool { return depts[i] < depts[j] })
	return map[string]any{
		"groupid": o.Str("email"), "groupname": o.Str("name"),
		"userlist": nonNilStrings(o.Strings("members")), "grouplist": nonNilStrings(o.Strings("member_groups")),
		"department": depts, "allow_type": at, "allow_userlist": nonNilStrings(o.Strings("allowed_senders")),
	}, nil
}

func lowerAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = model.CanonicalEmail(s)
	}
	return out
}

func groupAttrs(g exmailapi.Group) model.Object {
	depts := make([]string, len(g.Department))
	for i, n := range g.Department {
		depts[i] = strconv.FormatInt(n, 10)
	}
	s := "organization"
	if g.AllowType >= 0 && g.AllowType < len(senders) {
		s = senders[g.AllowType]
	}
	return model.Object{
		"email": model.CanonicalEmail(g.GroupID), "name": g.GroupName,
		"members": lowerAll(g.UserList), "member_groups": lowerAll(g.GroupList),
		"member_departments": depts, "senders": s, "allowed_senders": lowerAll(g.AllowUserList),
	}
}

// groupReaders is how many group/get calls a read keeps in flight. The API cannot list
// groups, so a tenant of 2,000 groups needs 2,000 reads; one at a time, each call's
// latency caps the pace below the rate limit (20 ms per call allows 50 calls/s at
// most, before any overhead), so a few run at once and the limiter sets the pace.
const groupReaders = 8

// readGroups reads each known group address with group/get; the API cannot list groups.
// The result follows the order of keys; the first error in that order is returned.
func (p *Provider) readGroups(ctx context.Context, keys []string) ([]providers.Remote, error) {
	seen := map[string]bool{}
	var ids []string
	for _, k := range keys {
		k = model.CanonicalEmail(k)
		if !strings.Contains(k, "@") || seen[k] {
			continue
		}
		seen[k] = true
		ids = append(ids, k)
	}
	found := make([]*providers.Remote, len(ids))
	err := each(ctx, len(ids), groupReaders, func(ctx context.Context, i int) error {
		g, err := p.c.GetGroup(ctx, ids[i])
		switch {
		case IsNotFound(err):
		case err != nil:
			return err
		default:
			o := groupAttrs(g)
			found[i] = &providers.Remote{ID: o.Str("email"), Attrs: o}
		}
		return nil
	})
	if err != nil && err == ctx.Err() {
		return nil, fmt.Errorf("exmail group/get: %w", err)
	}
	if err != nil {
		return nil, err
	}
	out := make([]providers.Remote, 0, len(ids))
	for _, r := range found {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// validateGroup warns about a group without listed members: Exmail creates none, and
// only a group whose members are tags set in the console can be declared so.
func validateGroup(o model.Object) []providers.Problem {
	for _, a := range []string{"members", "member_groups", "member_departments"} {
		if len(o.Strings(a)) > 0 || model.IsUnknown(o[a]) {
			return nil
		}
	}
	return []providers.Problem{{Warning: true, Attr: "members", Summary: "Group without members",
		Detail: "Exmail needs at least one of members, member_groups or member_departments to create a group, and mailform never empties all three of an existing one. " +
			"Leave them empty only for a group that exists and whose members are tags set in the admin console."}}
}

func (p *Provider) createGroup(ctx context.Context, desired model.Object) (providers.Remote, error) {
	o := model.Canonical(model.Group, desired)
	f, err := groupFields(o)
	if err != nil {
		return providers.Remote{}, err
	}
	if len(o.Strings("members"))+len(o.Strings("member_groups"))+len(o.Strings("member_departments")) == 0 {
		return providers.Remote{}, fmt.Errorf("group %s: Exmail needs at least one of members, member_groups or member_departments", o.Str("email"))
	}
	if err := p.c.CreateGroup(ctx, f); err != nil {
		return providers.Remote{}, p.memberMissing(ctx, o.Str("email"), err, false)
	}
	return providers.Remote{ID: o.Str("email"), Attrs: o}, nil
}

func (p *Provider) updateGroup(ctx context.Context, id string, prior, desired model.Object) (providers.Remote, error) {
	before, after := model.Canonical(model.Group, prior), model.Canonical(model.Group, desired)
	bf, err := groupFields(before)
	if err != nil {
		return providers.Remote{}, err
	}
	af, err := groupFields(after)
	if err != nil {
		return providers.Remote{}, err
	}
	// Only the changed fields are sent: whatever else the group holds (taglist, the
	// tag-based members of the new console, which the API cannot set) stays.
	changed := map[string]any{}
	for k, v := range af {
		if k != "groupid" && !reflect.DeepEqual(bf[k], v) {
			changed[k] = v
		}
	}
	_, u := changed["userlist"]
	_, g := changed["grouplist"]
	_, d := changed["department"]
	if (u || g || d) && len(after.Strings("members"))+len(after.Strings("member_groups"))+len(after.Strings("member_departments")) == 0 {
		// An update with every member list empty is refused by a group without tag
		// members, and might drop the tag members of one that has them.
		return providers.Remote{}, fmt.Errorf("group %s: mailform will not empty members, member_groups and member_departments together: "+
			"Exmail needs at least one member, and an update with every list empty may also drop the group's tag-based members (set in the console). "+
			"Keep at least one member, or remove the last ones in the admin console", id)
	}
	if len(changed) > 0 {
		if err := p.c.UpdateGroup(ctx, id, changed); err != nil {
			return providers.Remote{}, p.memberMissing(ctx, id, err, true)
		}
	}
	return providers.Remote{ID: model.CanonicalEmail(id), Attrs: after}, nil
}

// memberMissing turns a group write's answer about a missing member into a message
// that says so; only a missing group itself may match providers.ErrNotFound. Older
// answers name a missing member with 60111, like a missing group, so for an update
// the group is read to tell them apart.
func (p *Provider) memberMissing(ctx context.Context, groupid string, err error, mayBeGone bool) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Code {
	case exmailapi.CodeUserIDNotFound:
		if mayBeGone {
			if _, gerr := p.c.GetGroup(ctx, groupid); IsNotFound(gerr) {
				return fmt.Errorf("%v: %w", err, gerr)
			}
		}
	case exmailapi.CodeGroupMemberUserGone, exmailapi.CodeGroupMemberDeptGone, exmailapi.CodeGroupMemberGroupGone,
		exmailapi.CodeGroupBadUserList, exmailapi.CodeGroupBadGroupList, exmailapi.CodeGroupBadDepartment:
	default:
		return err
	}
	return fmt.Errorf("%v: a member or sender of group %s does not exist; create it first or remove it from the group", err, groupid)
}
