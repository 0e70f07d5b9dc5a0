package planner

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
)

// crossCheck finds the problems that involve more than one instance or a provider:
// duplicate identities, addresses outside the declared domains, attributes the
// serving provider cannot manage, and rules without anyone to apply to. What involves
// other instances is checked in order; what each instance can be checked for alone
// is checked on every core. The diagnostics come out per instance in one order either
// way: its duplicates first, then its own problems.
func crossCheck(insts []*Instance, ps *ProviderSet) hcl.Diagnostics {
	domains := map[string]bool{}
	for _, in := range insts {
		if in.Res.Spec == model.Domain {
			domains[in.Desired.Str("name")] = true
		}
	}
	// The maps below hold an entry per instance: made that size, they do not grow
	// (rehashing every entry) through a 66,000-instance configuration.
	byEmail := make(map[string]*Instance, len(insts))
	for _, in := range insts {
		if in.Res.Spec == model.Account {
			byEmail[in.Desired.Str("email")] = in
		}
	}
	shared := make([]hcl.Diagnostics, len(insts))
	seen := make(map[[2]string]*Instance, len(insts))   // type, key → first instance
	addrOwner := make(map[string]*Instance, len(insts)) // mailbox-like address → account or group
	// supported holds, per provider and type, the attributes the provider manages:
	// asked once, not once per instance, and before the per-instance checks, which
	// only read it.
	supported := map[[2]string]map[string]bool{}
	for i, in := range insts {
		shared[i] = sharedChecks(in, seen, addrOwner)
		if p := ps.ByName[in.Provider]; p != nil {
			sk := [2]string{in.Provider, in.Res.Spec.Name}
			if _, known := supported[sk]; !known {
				attrs, _ := p.Supports(in.Res.Spec.Name)
				ok := map[string]bool{}
				for _, a := range attrs {
					ok[a] = true
				}
				supported[sk] = ok
			}
		}
	}
	own := make([]hcl.Diagnostics, len(insts))
	parallelFor(len(insts), func(i int) {
		own[i] = instanceChecks(insts[i], ps, domains, byEmail, supported)
	})
	var diags hcl.Diagnostics
	for i := range insts {
		diags = append(diags, shared[i]...)
		diags = append(diags, own[i]...)
	}
	return diags
}

// sharedChecks finds in's clashes with the instances before it: a duplicate
// identity, an address another account, alias or group already uses. It records in
// in seen and addrOwner.
func sharedChecks(in *Instance, seen map[[2]string]*Instance, addrOwner map[string]*Instance) hcl.Diagnostics {
	var diags hcl.Diagnostics
	t := in.Res.Spec
	if key := t.MatchKey(labelOf(in.Addr), in.Desired); key != "" && !t.LabelIdentity {
		k := [2]string{t.Name, key}
		if first, dup := seen[k]; dup {
			what := map[string]string{"account": "address", "group": "address", "dns_record": "RRset", "domain": "domain", "department": "name under one parent"}[t.Name]
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate " + t.Name + " " + what,
				Detail:  fmt.Sprintf("%s and %s both declare %s %s. Each must be declared once: merge them or remove one.", first.Addr, in.Addr, t.Name, key),
				Subject: in.Res.DeclRange.Ptr()})
		} else {
			seen[k] = in
		}
	}
	if t == model.Account || t == model.Group {
		own := []string{in.Desired.Str("email")}
		if t == model.Account {
			own = append(own, in.Desired.Strings("aliases")...)
		}
		for _, a := range own {
			if a == "" {
				continue
			}
			if first, dup := addrOwner[a]; dup && first != in && first.Res.Spec != t {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Address used twice",
					Detail:  fmt.Sprintf("%s is used by both %s and %s. An address belongs to one account, alias or group.", a, first.Addr, in.Addr),
					Subject: in.Res.DeclRange.Ptr()})
			} else if dup && first != in && t == model.Account {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Address used twice",
					Detail:  fmt.Sprintf("%s is used by both %s and %s (as an address or alias).", a, first.Addr, in.Addr),
					Subject: in.Res.DeclRange.Ptr()})
			} else if !dup {
				addrOwner[a] = in
			}
		}
	}
	return diags
}

// instanceChecks finds what is wrong with in on its own: addresses outside the
// declared domains, attributes its provider cannot manage (supported), what the
// provider refuses, and the rules of its type. It only reads its arguments, so
// instances can be checked concurrently.
func instanceChecks(in *Instance, ps *ProviderSet, domains map[string]bool, byEmail map[string]*Instance, supported map[[2]string]map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	t := in.Res.Spec
	diags = append(diags, checkDomains(in, t.Attrs, in.Desired, "", domains, instanceRange)...)
	if p := ps.ByName[in.Provider]; p != nil {
		ok := supported[[2]string{in.Provider, t.Name}]
		for _, a := range t.Attrs {
			if a.Computed || a.Engine || ok[a.Name] {
				continue
			}
			if v, set := in.Ranges[a.Name]; set {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Attribute not supported by provider",
					Detail:  fmt.Sprintf("provider %s cannot manage %s.%s (%s). Remove the attribute, or rehearse it on the sandbox provider.", in.Provider, t.Name, a.Name, in.Addr),
					Subject: v.Ptr()})
			}
		}
		diags = append(diags, providerValidate(in, p, instanceRange)...)
	}
	switch t {
	case model.Account:
		diags = append(diags, checkOffboarding(in, byEmail, instanceRange)...)
	case model.Group:
		senders, allowed := in.Desired.Str("senders"), in.Desired.Strings("allowed_senders")
		switch {
		case senders == "list" && len(allowed) == 0 && !model.IsUnknown(in.Desired["allowed_senders"]):
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nobody may send to this group",
				Detail: fmt.Sprintf("%s has senders = \"list\" but no allowed_senders, so every message to it would be refused. List the addresses that may send, or choose another senders value.", in.Addr), Subject: instanceRange(in, "senders")})
		case senders != "list" && len(allowed) > 0:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "allowed_senders is ignored",
				Detail: fmt.Sprintf("%s lists allowed_senders, but they apply only with senders = \"list\" (it is %q).", in.Addr, senders), Subject: instanceRange(in, "allowed_senders")})
		}
	case model.SendRestriction:
		if len(in.Desired.Strings("accounts"))+len(in.Desired.Strings("departments"))+len(in.Desired.Strings("groups")) == 0 && !model.IsUnknown(in.Desired["departments"]) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Send restriction applies to no one",
				Detail: "Set at least one of accounts, departments or groups.", Subject: in.Res.DeclRange.Ptr()})
		}
	case model.BackupRule:
		if len(in.Desired.Strings("accounts"))+len(in.Desired.Strings("departments")) == 0 && !model.IsUnknown(in.Desired["departments"]) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Backup rule has no source",
				Detail: "Set at least one of accounts or departments.", Subject: in.Res.DeclRange.Ptr()})
		}
	}
	return diags
}

// instanceRange is where a finding about attr of in points: the attribute, else the
// block.
func instanceRange(in *Instance, attr string) *hcl.Range {
	if r, ok := in.Ranges[attr]; ok && attr != "" {
		return r.Ptr()
	}
	return in.Res.DeclRange.Ptr()
}

// checkDomains reports addresses whose domain no domain block declares.
func checkDomains(in *Instance, attrs []*model.Attr, o model.Object, prefix string, domains map[string]bool, at func(*Instance, string) *hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range attrs {
		var addrs []string
		switch a.Kind {
		case model.KindEmail:
			if s, ok := o[a.Name].(string); ok {
				addrs = []string{s}
			}
		case model.KindEmailSet:
			addrs = o.Strings(a.Name)
		case model.KindBlock:
			if b := o.Block(a.Name); b != nil {
				diags = append(diags, checkDomains(in, a.Block, b, prefix+a.Name+".", domains, at)...)
			}
		}
		for _, s := range addrs {
			_, dom, _ := strings.Cut(s, "@")
			if dom != "" && !domains[dom] {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Address outside the declared domains",
					Detail:  fmt.Sprintf("%s uses %s, but no domain block declares %s. Add domain \"%s\" { name = \"%s\" } or fix the address.", in.Addr, s, dom, strings.ReplaceAll(dom, ".", "_"), dom),
					Subject: at(in, prefix+a.Name)})
			}
		}
	}
	return diags
}

// RetainPolicy is the usual retention policy for departed accounts, in days.
const (
	RetainMin = 30
	RetainMax = 90
)

// checkOffboarding checks a departed account's offboarding block: the handover account
// must be a managed, active account, and the retention should follow the policy.
func checkOffboarding(in *Instance, byEmail map[string]*Instance, at func(*Instance, string) *hcl.Range) hcl.Diagnostics {
	ob := in.Desired.Block("offboarding")
	if ob == nil {
		return nil
	}
	var diags hcl.Diagnostics
	if r, ok := ob["retain_days"].(int64); ok && (r < RetainMin || r > RetainMax) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Retention outside the policy",
			Detail:  fmt.Sprintf("%s keeps the departed mailbox %d days; the usual policy is %d to %d days before deletion. Check with your records policy.", in.Addr, r, RetainMin, RetainMax),
			Subject: at(in, "offboarding.retain_days")})
	}
	h, ok := ob["handover_to"].(string)
	if !ok || h == "" {
		if in.Desired.Str("status") == "departed" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No handover for a departed account",
				Detail:  fmt.Sprintf("%s is departed without offboarding.handover_to: when it is deleted, mail to %s will bounce. Name a colleague's account to receive it.", in.Addr, in.Desired.Str("email")),
				Subject: at(in, "offboarding")})
		}
		return diags
	}
	target := byEmail[h]
	switch {
	case target == nil:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Handover to an unmanaged account",
			Detail:  fmt.Sprintf("%s hands its mail over to %s, which no account block declares. Name a managed account, for example handover_to = account.x.email.", in.Addr, h),
			Subject: at(in, "offboarding.handover_to")})
	case target == in:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Handover to itself",
			Detail: fmt.Sprintf("%s cannot hand its mail over to itself; name a colleague's account.", in.Addr), Subject: at(in, "offboarding.handover_to")})
	case target.Desired.Str("status") != "active":
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Handover to an inactive account",
			Detail:  fmt.Sprintf("%s hands its mail over to %s, whose status is %q; mail must go to an active account.", in.Addr, h, target.Desired.Str("status")),
			Subject: at(in, "offboarding.handover_to")})
	}
	return diags
}
