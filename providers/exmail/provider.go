package exmail

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// configAttrs are the attributes of a `provider "exmail"` block.
var configAttrs = []*model.Attr{
	{Name: "corp_id", Kind: model.KindString, Doc: "the company id; default $EXMAIL_CORP_ID"},
	{Name: "contacts_secret", Kind: model.KindString, Sensitive: true, Doc: "secret of the contacts app; default $EXMAIL_CONTACTS_SECRET"},
	{Name: "options_secret", Kind: model.KindString, Sensitive: true, Doc: "secret of the user options app; default $EXMAIL_OPTIONS_SECRET"},
	{Name: "log_secret", Kind: model.KindString, Sensitive: true, Doc: "secret of the log app (logs pull, audit); default $EXMAIL_LOG_SECRET"},
	{Name: "endpoint", Kind: model.KindString, Default: DefaultEndpoint, Doc: "base URL of the API"},
	{Name: "rate_limit", Kind: model.KindInt, Default: int64(20), Doc: "most calls per second"},
	{Name: "timeout", Kind: model.KindString, Default: "30s", Doc: "limit of one HTTP exchange, a Go duration"},
	{Name: "retry_timeout", Kind: model.KindString, Default: "45s", Doc: "limit of one call with all its retries, a Go duration; an unreachable or hanging API fails the run after it"},
}

// supported lists the attributes the provider manages per resource type. Account
// offboarding is carried out by the engine; quota, send restrictions and backup
// rules have no API.
var supported = map[string][]string{
	"domain":     {"name"},
	"department": {"id", "name", "parent", "order"},
	"account": {"email", "name", "departments", "position", "mobile", "phone", "external_id",
		"aliases", "password", "force_password_change", "status", "imap_smtp", "pop_smtp",
		"force_secure_login"},
	"group": model.Group.AttrNames(),
}

// Factory returns the factory of the exmail provider kind.
func Factory() *providers.Factory {
	return &providers.Factory{
		Kind:   "exmail",
		Config: configAttrs,
		Types:  []string{"domain", "department", "account", "group"},
		New:    New,
	}
}

var registerOnce sync.Once

// Register adds the exmail kind to the provider registry; calling it again is harmless.
func Register() { registerOnce.Do(func() { providers.Register(Factory()) }) }

// Provider manages departments, accounts and groups of one Exmail tenant.
type Provider struct {
	c *Client
}

// New makes a provider from its decoded configuration, with credentials falling
// back to the EXMAIL_* environment variables.
func New(cfg model.Object, env providers.Env) (providers.Provider, error) {
	c := Config{
		Endpoint:       cfg.Str("endpoint"),
		CorpID:         env.OrOffline(orEnv(cfg.Str("corp_id"), "EXMAIL_CORP_ID")),
		ContactsSecret: env.OrOffline(orEnv(cfg.Str("contacts_secret"), "EXMAIL_CONTACTS_SECRET")),
		OptionsSecret:  env.OrOffline(orEnv(cfg.Str("options_secret"), "EXMAIL_OPTIONS_SECRET")),
		LogSecret:      env.OrOffline(orEnv(cfg.Str("log_secret"), "EXMAIL_LOG_SECRET")),
		RateLimit:      float64(cfg.Int("rate_limit")),
	}
	if err := providers.ParseDurations("exmail", cfg, map[string]*time.Duration{"timeout": &c.Timeout, "retry_timeout": &c.RetryTimeout}); err != nil {
		return nil, err
	}
	c.Progress = env.Progress
	if strings.EqualFold(os.Getenv("MAILFORM_LOG"), "debug") {
		c.Log = env.Log
	}
	client, err := NewClient(c)
	if err != nil {
		return nil, err
	}
	return &Provider{c: client}, nil
}

// NewWithClient makes a provider over an existing client (tests, sandbox serve).
func NewWithClient(c *Client) *Provider { return &Provider{c: c} }

func orEnv(v, name string) string {
	if v != "" {
		return v
	}
	return os.Getenv(name)
}

// Supports returns the attributes the provider manages for typ.
func (p *Provider) Supports(typ string) ([]string, bool) {
	a, ok := supported[typ]
	return append([]string(nil), a...), ok
}

// Close releases idle connections.
func (p *Provider) Close() error { return p.c.Close() }

func unsupported(typ string) error {
	return fmt.Errorf("exmail provider cannot manage %s resources; serve them with another provider", typ)
}

// Read returns the live objects of req.Type: one department/list, one user/list of
// the whole tree (plus useroption/get for accounts in req.Detail), one group/get per
// known group address, and the domains the configuration declares.
func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) ([]providers.Remote, error) {
	switch req.Type {
	case "domain":
		return readDomains(req.Keys), nil
	case "department":
		return p.readDepartments(ctx, req.Applied)
	case "account":
		return p.readAccounts(ctx, req)
	case "group":
		return p.readGroups(ctx, req.Keys)
	}
	return nil, unsupported(req.Type)
}

// Validate warns about configured values that Exmail may not keep as written.
func (p *Provider) ValidateObject(typ string, desired model.Object) []providers.Problem {
	switch typ {
	case "department":
		return validateDepartment(desired)
	case "group":
		return validateGroup(desired)
	}
	return nil
}

// Create makes a new object of typ.
func (p *Provider) Create(ctx context.Context, typ, _ string, desired model.Object) (providers.Remote, error) {
	switch typ {
	case "domain":
		name := model.CanonicalDomain(desired.Str("name"))
		return providers.Remote{ID: name, Attrs: model.Object{"name": name}}, nil
	case "department":
		return p.createDepartment(ctx, desired)
	case "account":
		return p.createAccount(ctx, desired)
	case "group":
		return p.createGroup(ctx, desired)
	}
	return providers.Remote{}, unsupported(typ)
}

// Update changes the attributes in which desired differs from prior.
func (p *Provider) Update(ctx context.Context, typ, id string, prior, desired model.Object) (providers.Remote, error) {
	switch typ {
	case "domain":
		name := model.CanonicalDomain(desired.Str("name"))
		return providers.Remote{ID: name, Attrs: model.Object{"name": name}}, nil
	case "department":
		return p.updateDepartment(ctx, id, prior, desired)
	case "account":
		return p.updateAccount(ctx, id, prior, desired)
	case "group":
		return p.updateGroup(ctx, id, prior, desired)
	}
	return providers.Remote{}, unsupported(typ)
}

// Delete removes an object; a missing one answers an error wrapping providers.ErrNotFound.
func (p *Provider) Delete(ctx context.Context, typ, id string, _ model.Object) error {
	var err error
	switch typ {
	case "domain":
		return nil
	case "department":
		var n int64
		if n, err = deptID(id); err == nil {
			err = p.c.DeleteDepartment(ctx, n)
		}
	case "account":
		err = p.c.DeleteUser(ctx, id)
	case "group":
		err = p.c.DeleteGroup(ctx, id)
	default:
		return unsupported(typ)
	}
	// A not-found answer matches providers.ErrNotFound through APIError.Is.
	return err
}

// readDomains returns the declared domains as they are: Exmail can neither list nor
// create domains, so a domain block is a declaration the provider takes at its word.
func readDomains(keys []string) []providers.Remote {
	seen := map[string]bool{}
	var out []providers.Remote
	for _, k := range keys {
		n := model.CanonicalDomain(k)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, providers.Remote{ID: n, Attrs: model.Object{"name": n}})
	}
	return out
}
