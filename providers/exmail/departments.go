package exmail

import (
	"context"
	"fmt"
	"strconv"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// deptID parses a model department id; the model keeps ids as strings.
func deptID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("exmail: department id %q is not a positive number; ids come from department resources (department.x.id)", s)
	}
	return n, nil
}

// parentID maps the model's parent (absent = top level) to the API's parentid.
func parentID(o model.Object) (int64, error) {
	p := o.Str("parent")
	if p == "" {
		return exmailapi.RootDepartment, nil
	}
	return deptID(p)
}

func deptRemote(d exmailapi.Department) providers.Remote {
	id := strconv.FormatInt(d.ID, 10)
	o := model.Object{"id": id, "name": d.Name, "order": d.Order}
	if d.ParentID != exmailapi.RootDepartment && d.ParentID != 0 {
		o["parent"] = strconv.FormatInt(d.ParentID, 10)
	}
	return providers.Remote{ID: id, Attrs: o}
}

// reservedOrder reports whether a department order is one of the values some copies
// of the API documentation reserve: "若使用保留值，将被强制重置为0" (a reserved value is
// reset to 0), while others show small orders in their examples.
func reservedOrder(n int64) bool { return n >= 1 && n <= 10000 }

// readDepartments lists every department. applied is what state recorded at the
// last write, by id: a department that reads back order 0 where mailform wrote a
// reserved order is reported with the written order, since the reset is the server's
// documented rewrite and showing it as drift would plan the same write forever.
func (p *Provider) readDepartments(ctx context.Context, applied map[string]model.Object) ([]providers.Remote, error) {
	ds, err := p.c.ListDepartments(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Remote, 0, len(ds))
	for _, d := range ds {
		// The root is the company itself, not a department anyone declares.
		if d.ID == exmailapi.RootDepartment {
			continue
		}
		r := deptRemote(d)
		if d.Order == 0 {
			if written := applied[r.ID].Int("order"); reservedOrder(written) {
				r.Attrs["order"] = written
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// validateDepartment warns about an order the server may reset to 0.
func validateDepartment(o model.Object) []providers.Problem {
	n := o.Int("order")
	if !reservedOrder(n) {
		return nil
	}
	return []providers.Problem{{Warning: true, Attr: "order", Summary: "Exmail may reset this order to 0",
		Detail: fmt.Sprintf("order = %d is in 1–10000, which some copies of the Exmail API documentation call reserved and reset to 0. "+
			"If the tenant does, the department keeps order 0 (mailform will not plan the same write again). Use 0 or a value above 10000 to be sure it is kept.", n)}}
}

func (p *Provider) createDepartment(ctx context.Context, desired model.Object) (providers.Remote, error) {
	o := model.Canonical(model.Department, desired)
	parent, err := parentID(o)
	if err != nil {
		return providers.Remote{}, err
	}
	d := exmailapi.Department{Name: o.Str("name"), ParentID: parent, Order: o.Int("order")}
	id, err := p.c.CreateDepartment(ctx, d)
	if err != nil {
		return providers.Remote{}, err
	}
	d.ID = id
	return deptRemote(d), nil
}

func (p *Provider) updateDepartment(ctx context.Context, id string, prior, desired model.Object) (providers.Remote, error) {
	n, err := deptID(id)
	if err != nil {
		return providers.Remote{}, err
	}
	before, after := model.Canonical(model.Department, prior), model.Canonical(model.Department, desired)
	fields := map[string]any{}
	if after.Str("name") != before.Str("name") {
		fields["name"] = after.Str("name")
	}
	pb, err := parentID(before)
	if err != nil {
		return providers.Remote{}, err
	}
	pa, err := parentID(after)
	if err != nil {
		return providers.Remote{}, err
	}
	if pa != pb {
		fields["parentid"] = pa
	}
	if after.Int("order") != before.Int("order") {
		fields["order"] = after.Int("order")
	}
	if len(fields) > 0 {
		if err := p.c.UpdateDepartment(ctx, n, fields); err != nil {
			return providers.Remote{}, err
		}
	}
	return deptRemote(exmailapi.Department{ID: n, Name: after.Str("name"), ParentID: pa, Order: after.Int("order")}), nil
}
