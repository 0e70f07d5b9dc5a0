package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/schema"
)

// ReplaceReason is the reason a plan gives for a replacement asked with -replace.
const ReplaceReason = "requested with -replace"

// replaceRefusals say why a type is never replaced on request; types not listed
// (dns_record, group, send_restriction, backup_rule) are replaced by deleting the
// live object and creating it again from the configuration.
var replaceRefusals = map[string]string{
	"account": "replacing a mailbox deletes it and all its mail. To change it, edit the block; to move someone out, set status = \"departed\"",
	"department": "a department's id is what accounts, groups and policies refer to; replacing it would give it a new id and move every member. " +
		"Change its attributes in place instead",
}

// planReplace turns the changes of the addresses asked with -replace into
// replacements, or explains why an address cannot be replaced.
func planReplace(o Options, p *Plan) hcl.Diagnostics {
	if len(o.Replace) == 0 {
		return nil
	}
	var diags hcl.Diagnostics
	byAddr := map[string]*Change{}
	var addrs []string
	for _, c := range p.Changes {
		byAddr[c.Address] = c
		addrs = append(addrs, c.Address)
	}
	sort.Strings(addrs)
	bad := func(addr, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf("-replace=%s: %s.", addr, detail)})
	}
	for _, addr := range o.Replace {
		c := byAddr[addr]
		if c == nil {
			var instances []string
			for _, a := range addrs {
				if r, _ := schema.SplitAddr(a); r == addr && r != a {
					instances = append(instances, a)
				}
			}
			if len(instances) > 0 {
				bad(addr, "Replace needs one instance", fmt.Sprintf("%s has several instances (for_each); name one, such as %s", addr, instances[0]))
				continue
			}
			bad(addr, "Nothing to replace", fmt.Sprintf("no resource instance %s in the configuration or state;%s mailform state list shows what is managed", addr, schema.DidYouMean(addr, addrs)))
			continue
		}
		if why, refused := replaceRefusals[c.Type]; refused {
			bad(addr, "Cannot replace "+c.Type, why)
			continue
		}
		if c.Type == "domain" {
			if accounts, groups := addressesIn(p, c); accounts+groups > 0 {
				bad(addr, "Cannot replace a domain with accounts", fmt.Sprintf("%s has %d accounts and %d groups; replacing the domain would delete their mailboxes, mail and lists. Only a domain without accounts and groups can be replaced", domainName(c), accounts, groups))
				continue
			}
		}
		switch {
		case c.Action == Create || (c.Action == NoOp && c.Adopt):
			bad(addr, "Nothing to replace", fmt.Sprintf("%s does not exist in state yet: this plan creates or adopts it; run without -replace", addr))
		case c.Action == Delete || c.After == nil:
			bad(addr, "Nothing to replace", fmt.Sprintf("%s is not in the configuration any more, so this plan deletes it; a replacement needs its block", addr))
		case c.Forget || c.ID == "":
			bad(addr, "Nothing to replace", fmt.Sprintf("%s was not found live; this plan will create it", addr))
		default:
			// One the configuration already replaces keeps its reason too.
			c.Action = Replace
			c.Reason = joinReason(c.Reason, ReplaceReason)
		}
	}
	return diags
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func domainName(c *Change) string {
	if c.After != nil {
		return c.After.Str("name")
	}
	return c.Before.Str("name")
}

// addressesIn counts the accounts and groups of the plan whose address is in c's
// domain.
func addressesIn(p *Plan, c *Change) (accounts, groups int) {
	suffix := "@" + strings.ToLower(domainName(c))
	for _, a := range p.Changes {
		if a.Type != "account" && a.Type != "group" {
			continue
		}
		email := a.After.Str("email")
		if email == "" {
			email = a.Before.Str("email")
		}
		if !strings.HasSuffix(strings.ToLower(email), suffix) {
			continue
		}
		if a.Type == "account" {
			accounts++
		} else {
			groups++
		}
	}
	return accounts, groups
}
