package exmail

import (
	"context"
	"fmt"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// ReadObjects reads the objects of req.Type whose ids are in req.Keys: accounts
// with one user/get each (and useroption/get for those in req.Detail) rather than a
// user/list of the whole tenant; groups with one group/get each, as Read does;
// departments with the one department/list. Objects that are gone are left out.
func (p *Provider) ReadObjects(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	if req.Type != "account" {
		rs, err := p.Read(ctx, req)
		if err != nil {
			return nil, err
		}
		want := map[string]bool{}
		for _, k := range req.Keys {
			want[k] = true
		}
		var out []providers.Remote
		for _, r := range rs {
			if want[r.ID] {
				out = append(out, r)
			}
		}
		return out, nil
	}
	detail := map[string]bool{}
	for k, v := range req.Detail {
		if v {
			detail[model.CanonicalEmail(k)] = true
		}
	}
	found := make([]*providers.Remote, len(req.Keys))
	err := each(ctx, len(req.Keys), statusReaders, func(ctx context.Context, i int) error {
		u, err := p.c.GetUser(ctx, req.Keys[i])
		switch {
		case IsNotFound(err):
			return nil
		case err != nil:
			return err
		case u.Enable == exmailapi.EnableUnknown:
			return fmt.Errorf("exmail user/get %s: the answer has no enable, so mailform cannot tell whether the account is active or frozen", u.UserID)
		}
		o := accountAttrs(u)
		email := o.Str("email")
		if detail[email] {
			if err := p.readOptions(ctx, u.UserID, o); err != nil {
				return err
			}
		}
		found[i] = &providers.Remote{ID: email, Attrs: o}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []providers.Remote
	for _, r := range found {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

var _ providers.ObjectReader = (*Provider)(nil)
