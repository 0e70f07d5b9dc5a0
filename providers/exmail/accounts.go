package exmail

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// optionAttrs maps account attributes to user option types.
var optionAttrs = []struct {
	attr string
	typ  int
}{
	{"force_secure_login", exmailapi.OptionForceSecureLogin},
	{"imap_smtp", exmailapi.OptionIMAPSMTP},
	{"pop_smtp", exmailapi.OptionPOPSMTP},
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// deptIDs maps model department ids to API ids; no department means the root.
func deptIDs(ids []string) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	for _, s := range ids {
		n, err := deptID(s)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		out = append(out, exmailapi.RootDepartment)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// modelDeptIDs maps API department ids to model ids, leaving out the root, which
// the model writes as no department.
func modelDeptIDs(ids []int64) []string {
	var out []string
	for _, n := range ids {
		if n != exmailapi.RootDepartment {
			out = append(out, strconv.FormatInt(n, 10))
		}
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// userFields maps a canonical account to user/create fields. Optional bools that
// the object leaves out are left out, so they stay unmanaged.
func userFields(o model.Object) (map[string]any, error) {
	depts, err := deptIDs(o.Strings("departments"))
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", o.Str("email"), err)
	}
	f := map[string]any{
		"userid": o.Str("email"), "name": o.Str("name"), "department": depts,
		"position": o.Str("position"), "mobile": o.Str("mobile"), "tel": o.Str("phone"),
		"extid": o.Str("external_id"), "slaves": nonNilStrings(o.Strings("aliases")),
		"enable": boolInt(!frozen(o)),
	}
	if v, ok := o["force_password_change"].(bool); ok {
		f["cpwd_login"] = boolInt(v)
	}
	if pw := o.Str("password"); pw != "" {
		f["password"] = pw
	}
	return f, nil
}

// userOptions returns the options an account object sets.
func userOptions(o model.Object) map[int]bool {
	out := map[int]bool{}
	for _, a := range optionAttrs {
		if v, ok := o[a.attr].(bool); ok {
			out[a.typ] = v
		}
	}
	return out
}

func accountAttrs(u exmailapi.User) model.Object {
	aliases := make([]string, len(u.Slaves))
	for i, s := range u.Slaves {
		aliases[i] = model.CanonicalEmail(s)
	}
	// An account whose enable is unknown (user/list left it out and its status did
	// not matter) is reported active, the model's default: no plan acts on it.
	status := "active"
	if u.Enable == 0 {
		status = "frozen"
	}
	return model.Object{
		"email": model.CanonicalEmail(u.UserID), "name": u.Name,
		"departments": modelDeptIDs(u.Department), "position": u.Position, "mobile": u.Mobile,
		"phone": u.Tel, "external_id": u.ExtID, "aliases": aliases,
		"force_password_change": u.CpwdLogin == 1, "status": status,
	}
}

// statusReaders is how many user/get calls a read keeps in flight to learn the enable
// flag user/list left out.
const statusReaders = 4

// readAccounts lists every account with one user/list. The field table of user/list
// has no enable (only its example does): when an item comes without it, the status is
// read with user/get rather than assumed active, for the accounts whose status
// matters — those configuration or state know (req.Keys, req.Detail), or every
// account when the request names none (export). With enable present it costs no
// extra call, however big the tenant.
func (p *Provider) readAccounts(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	users, err := p.c.ListUsers(ctx, exmailapi.RootDepartment, true)
	if err != nil {
		return nil, err
	}
	detail := map[string]bool{}
	for k, v := range req.Detail {
		if v {
			detail[model.CanonicalEmail(k)] = true
		}
	}
	matters := func(string) bool { return true }
	if req.Keys != nil || req.Detail != nil {
		known := map[string]bool{}
		for _, k := range req.Keys {
			known[model.CanonicalEmail(k)] = true
		}
		matters = func(email string) bool { return known[email] || detail[email] }
	}
	var unknown []int // indexes of users whose enable user/list left out
	for i, u := range users {
		if u.Enable == exmailapi.EnableUnknown && matters(model.CanonicalEmail(u.UserID)) {
			unknown = append(unknown, i)
		}
	}
	err = each(ctx, len(unknown), statusReaders, func(ctx context.Context, j int) error {
		u := &users[unknown[j]]
		full, err := p.c.GetUser(ctx, u.UserID)
		switch {
		case IsNotFound(err):
			// Deleted since the list: it is not live any more.
			u.UserID = ""
			return nil
		case err != nil:
			return err
		case full.Enable == exmailapi.EnableUnknown:
			return fmt.Errorf("exmail user/get %s: the answer has no enable, so mailform cannot tell whether the account is active or frozen", u.UserID)
		}
		u.Enable = full.Enable
		return nil
	})
	if err != nil && err == ctx.Err() {
		return nil, fmt.Errorf("exmail user/get: %w", err)
	}
	if err != nil {
		return nil, err
	}
	out := make([]providers.Remote, 0, len(users))
	for _, u := range users {
		if u.UserID == "" {
			continue
		}
		o := accountAttrs(u)
		email := o.Str("email")
		if detail[email] {
			if err := p.readOptions(ctx, u.UserID, o); err != nil {
				return nil, err
			}
		}
		out = append(out, providers.Remote{ID: email, Attrs: o})
	}
	return out, nil
}

// readOptions reads an account's options (useroption/get) into o.
func (p *Provider) readOptions(ctx context.Context, userid string, o model.Object) error {
	opts, err := p.c.GetUserOptions(ctx, userid, []int{exmailapi.OptionForceSecureLogin, exmailapi.OptionIMAPSMTP, exmailapi.OptionPOPSMTP})
	if err != nil {
		return err
	}
	for _, a := range optionAttrs {
		if v, ok := opts[a.typ]; ok {
			o[a.attr] = v
		}
	}
	return nil
}

// frozen reports whether a canonical account is to be disabled (enable 0).
func frozen(o model.Object) bool {
	s := o.Str("status")
	return s != "" && s != "active"
}

// written returns what an account holds after a write: desired without the password.
func written(o model.Object) providers.Remote {
	o = o.Clone()
	delete(o, "password")
	return providers.Remote{ID: o.Str("email"), Attrs: o}
}

func (p *Provider) createAccount(ctx context.Context, desired model.Object) (providers.Remote, error) {
	o := model.Canonical(model.Account, desired)
	f, err := userFields(o)
	if err != nil {
		return providers.Remote{}, err
	}
	if _, ok := f["password"]; !ok {
		return providers.Remote{}, fmt.Errorf("account %s: Exmail needs a password to create an account; set password (from a variable, not in clear text)", o.Str("email"))
	}
	// enable is not a documented field of user/create: an account to be frozen is
	// created, then frozen with user/update.
	delete(f, "enable")
	if err := p.c.CreateUser(ctx, f); err != nil {
		return providers.Remote{}, err
	}
	if frozen(o) {
		if err := p.c.UpdateUser(ctx, o.Str("email"), map[string]any{"enable": 0}); err != nil {
			return providers.Remote{}, fmt.Errorf("account %s was created but is not frozen (%w); it is active until the next plan, which freezes it", o.Str("email"), err)
		}
	}
	if opts := userOptions(o); len(opts) > 0 {
		if err := p.c.UpdateUserOptions(ctx, o.Str("email"), opts); err != nil {
			return providers.Remote{}, fmt.Errorf("account %s was created, but its options may not have been set (%w); the next plan reads them and sets what is missing", o.Str("email"), err)
		}
	}
	return written(o), nil
}

// updateAccount sends only the fields in which desired differs from prior. The
// password is sent when desired carries one that prior does not hold: the engine
// leaves it out of desired when its hash in state says it is unchanged.
func (p *Provider) updateAccount(ctx context.Context, id string, prior, desired model.Object) (providers.Remote, error) {
	before, after := model.Canonical(model.Account, prior), model.Canonical(model.Account, desired)
	bf, err := userFields(before)
	if err != nil {
		return providers.Remote{}, err
	}
	af, err := userFields(after)
	if err != nil {
		return providers.Remote{}, err
	}
	changed := map[string]any{}
	for k, v := range af {
		if k != "userid" && !reflect.DeepEqual(bf[k], v) {
			changed[k] = v
		}
	}
	if len(changed) > 0 {
		if err := p.c.UpdateUser(ctx, id, changed); err != nil {
			return providers.Remote{}, err
		}
	}
	bo, ao := userOptions(before), userOptions(after)
	opts := map[int]bool{}
	for t, v := range ao {
		if old, ok := bo[t]; !ok || old != v {
			opts[t] = v
		}
	}
	if len(opts) > 0 {
		if err := p.c.UpdateUserOptions(ctx, id, opts); err != nil {
			return providers.Remote{}, err
		}
	}
	r := written(after)
	r.ID = strings.ToLower(id)
	return r, nil
}
