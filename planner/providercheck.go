package planner

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// providerValidate asks the provider serving in whether its API can hold the desired
// object as written (providers.Validator); each problem is an error (or a warning,
// when marked so) at the attribute it names.
func providerValidate(in *Instance, p providers.Provider, at func(*Instance, string) *hcl.Range) hcl.Diagnostics {
	v, ok := p.(providers.Validator)
	if !ok || in.Desired == nil {
		return nil
	}
	var diags hcl.Diagnostics
	for _, pr := range v.ValidateObject(in.Res.Spec.Name, in.Desired) {
		sev := hcl.DiagError
		if pr.Warning {
			sev = hcl.DiagWarning
		}
		diags = append(diags, &hcl.Diagnostic{Severity: sev, Summary: pr.Summary,
			Detail:  fmt.Sprintf("%s (served by provider %s): %s", in.Addr, in.Provider, pr.Detail),
			Subject: at(in, pr.Attr)})
	}
	return diags
}

// planChecks hands every object the plan would create or update to its provider's
// account limits (providers.PlanChecker), before anything is written. With
// -refresh=false no provider is contacted, so the checks are left to apply.
func planChecks(ctx context.Context, o Options, changes []*Change, insts []*Instance) hcl.Diagnostics {
	if !o.Refresh {
		return nil
	}
	byAddr := map[string]*Instance{}
	for _, in := range insts {
		byAddr[in.Addr] = in
	}
	byProvider := map[string][]providers.Desired{}
	for _, c := range changes {
		if c.After == nil || model.IsUnknown(c.After) || (c.Action != Create && c.Action != Update && c.Action != Replace) {
			continue
		}
		byProvider[c.Provider] = append(byProvider[c.Provider], providers.Desired{Address: c.Address, Type: c.Type, Object: c.After})
	}
	names := make([]string, 0, len(byProvider))
	for n := range byProvider {
		names = append(names, n)
	}
	sort.Strings(names)
	var diags hcl.Diagnostics
	for _, n := range names {
		pc, ok := o.Providers.ByName[n].(providers.PlanChecker)
		if !ok {
			continue
		}
		problems, err := pc.CheckPlan(ctx, byProvider[n])
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot check the plan against the provider's limits",
				Detail: fmt.Sprintf("provider %s: %v. Nothing was written; run plan again.", n, err)})
			continue
		}
		for _, pr := range problems {
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: pr.Summary, Detail: pr.Address + ": " + pr.Detail}
			if in := byAddr[pr.Address]; in != nil {
				if r, ok := in.Ranges[pr.Attr]; ok {
					d.Subject = r.Ptr()
				} else {
					d.Subject = in.Res.DeclRange.Ptr()
				}
			}
			diags = append(diags, d)
		}
	}
	return diags
}
