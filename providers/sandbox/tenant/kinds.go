package tenant

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
)

// kind holds the rules of one resource type in the store.
type kind struct {
	t *model.Type
	// idName says what the id is, for messages.
	idName string
	// key derives the id of an object from its attributes (or label); nil for
	// departments, whose ids the store assigns.
	key func(label string, c model.Object) (string, error)
	// check enforces the type's rules on c before it is stored; old is nil on create.
	check func(tx *Tx, id string, c, old model.Object) error
	// deleting refuses a delete while other objects depend on the object.
	deleting func(tx *Tx, id string, old model.Object) error
	// Exmail codes for "exists" and "not found", 0 when Exmail has none.
	existsCode, notFoundCode int
}

var kinds = map[string]*kind{}

// The kinds whose rules refer to each other's objects; set once in init.
var accountKind, groupKind, departmentKind, dnsRecordKind *kind

func addKind(k *kind) { kinds[k.t.Name] = k }

func kindOf(typ string) (*kind, error) {
	k := kinds[typ]
	if k == nil {
		return nil, refuse(ErrInvalid, 0, "the sandbox has no resource type %q (it has %s)", typ, strings.Join(model.TypeNames(), ", "))
	}
	return k, nil
}

func init() {
	addKind(&kind{t: model.Domain, idName: "name", key: domainKey})
	departmentKind, accountKind, groupKind, dnsRecordKind = departmentRules(), accountRules(), groupRules(), dnsRecordRules()
	addKind(departmentKind)
	addKind(accountKind)
	addKind(groupKind)
	addKind(dnsRecordKind)
	addKind(&kind{t: model.SendRestriction, idName: "label", key: labelKey, check: checkSendRestriction})
	addKind(&kind{t: model.BackupRule, idName: "label", key: labelKey, check: checkBackupRule})
}

func domainKey(_ string, c model.Object) (string, error) {
	n := c.Str("name")
	if _, ok := dns.IsDomainName(n); !ok || n == "" {
		return "", refuse(ErrInvalid, 0, "domain %q is not a valid domain name", n)
	}
	return n, nil
}

func labelKey(label string, _ model.Object) (string, error) {
	if strings.TrimSpace(label) == "" {
		return "", refuse(ErrInvalid, 0, "a rule needs a label to be stored under")
	}
	return label, nil
}

func checkSendRestriction(_ *Tx, id string, c, _ model.Object) error {
	if len(c.Strings("accounts"))+len(c.Strings("departments"))+len(c.Strings("groups")) == 0 {
		return refuse(ErrInvalid, 0, "send_restriction %s applies to nobody: set at least one of accounts, departments, groups", id)
	}
	for _, n := range []string{"max_recipients", "max_attachment_mb"} {
		if c.Int(n) < 0 {
			return refuse(ErrInvalid, 0, "send_restriction %s: %s must not be negative", id, n)
		}
	}
	return nil
}

func checkBackupRule(_ *Tx, id string, c, _ model.Object) error {
	if err := checkAddress("backup_rule "+id+" destination", c.Str("destination")); err != nil {
		return err
	}
	if len(c.Strings("accounts"))+len(c.Strings("departments")) == 0 {
		return refuse(ErrInvalid, 0, "backup_rule %s has no source: set accounts or departments", id)
	}
	return nil
}

// checkAddress refuses what cannot be a mailbox address.
func checkAddress(what, addr string) error {
	local, domain, ok := strings.Cut(addr, "@")
	if _, valid := dns.IsDomainName(domain); !ok || local == "" || domain == "" || !valid || strings.ContainsAny(local, " @") {
		return refuse(ErrInvalid, CodeInvalidUserID, "%s %q is not a valid email address", what, addr)
	}
	return nil
}

// addressOwner says who uses addr, skipping the account skipAccount and the group
// skipGroup (the object being checked).
func (tx *Tx) addressOwner(addr, skipAccount, skipGroup string) (string, error) {
	account, alias, group := tx.addressUsers(addr, skipAccount, skipGroup)
	switch {
	case account != "":
		return "account " + account, nil
	case alias != "":
		return "account " + alias + " as an alias", nil
	case group != "":
		return "group " + group, nil
	}
	return "", nil
}

// AddressOwner says what uses addr in the tenant: "account", "alias", "group", or ""
// when the address is free (Exmail's user/batchcheck), and the owning address.
func (s *Store) AddressOwner(addr string) (what, owner string, err error) {
	addr = model.CanonicalEmail(addr)
	err = s.view(func(tx *Tx) error {
		account, alias, group := tx.addressUsers(addr, "", "")
		switch {
		case account != "":
			what, owner = "account", account
		case alias != "":
			what, owner = "alias", alias
		case group != "":
			what, owner = "group", group
		}
		return nil
	})
	if err != nil {
		return "", "", fmt.Errorf("sandbox: looking up %s: %w", addr, err)
	}
	return what, owner, nil
}
