package planner

import (
	"context"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/state"
)

// Acceptable reports whether a refresh-only apply can record the item in state: a
// live value changed outside mailform, or an object deleted outside it. A note alone
// (a record paused in a console) has no value state could hold.
func Acceptable(it *DriftItem) bool {
	return it.Kind == ChangedOutside && (len(it.Attrs) > 0 || it.Reason == deletedOutside)
}

const deletedOutside = "deleted outside mailform: not found live"

// RefreshOnly is the refresh-only plan, Terraform's counterpart of drift: it reads
// the live objects as DetectDrift does and returns the outside changes state can
// accept (report), and o.State with them accepted (next): changed attributes take
// their live values, and objects deleted outside mailform leave state. It changes
// neither o.State nor a live object; the configuration is not compared, so what it
// asks for that differs from the accepted values is still planned by the next plan
// (and reported by drift as not applied). targets, when given, limit it to those
// resource or instance addresses.
func RefreshOnly(ctx context.Context, o DriftOptions, targets []string) (report *DriftReport, next *state.State, diags hcl.Diagnostics) {
	rep, diags := DetectDrift(ctx, o)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	want := map[string]bool{}
	for _, t := range targets {
		want[t] = true
	}
	// Drift compares with moved blocks applied; state may still hold the old address.
	movedFrom := map[string]string{}
	for _, mv := range o.Config.Moved {
		movedFrom[mv.To] = mv.From
	}
	next = o.State.Clone()
	report = &DriftReport{Lineage: rep.Lineage, Serial: rep.Serial, Ignored: rep.Ignored}
	for _, it := range rep.Items {
		if !Acceptable(it) {
			continue
		}
		if r, _ := schema.SplitAddr(it.Address); len(want) > 0 && !want[it.Address] && !want[r] {
			continue
		}
		addr := it.Address
		sr := next.Find(addr)
		if sr == nil {
			addr = movedFrom[it.Address]
			if sr = next.Find(addr); sr == nil {
				continue
			}
		}
		report.Items = append(report.Items, it)
		if it.Reason == deletedOutside {
			next.Remove(addr)
			continue
		}
		upd := sr.Clone()
		for _, a := range it.Attrs {
			if a.Sensitive {
				continue
			}
			if a.After == nil {
				delete(upd.Attrs, a.Name)
			} else {
				upd.Attrs[a.Name] = a.After
			}
		}
		next.Set(upd)
	}
	return report, next, diags
}
