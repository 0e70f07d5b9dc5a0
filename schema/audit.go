package schema

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

// Audit is the `audit { … }` block: the policy `mailform audit` checks against. Its
// values are literals (no references), as the policy must not depend on the tenant.
type Audit struct {
	// RestrictedDepartments are department names that need a send restriction and a
	// backup rule.
	RestrictedDepartments []string `hcl:"restricted_departments,optional"`
	// SecondFactorExceptions are addresses allowed to log in without a second factor.
	SecondFactorExceptions []string `hcl:"second_factor_exceptions,optional"`
	// NoLoginDays is how long without a login makes an account suspect; default 90.
	NoLoginDays *int `hcl:"no_login_days,optional"`
	// ArchiveMinDays is the coverage the log archive must have; default 180.
	ArchiveMinDays *int `hcl:"archive_min_days,optional"`
	// ArchiveMaxAgeDays is how old the last pull may be; default 2.
	ArchiveMaxAgeDays *int `hcl:"archive_max_age_days,optional"`
	// DNSServer (host:port) answers the live mail DNS checks; default the system's.
	DNSServer string `hcl:"dns_server,optional"`
	// Ignore lists findings accepted as they are: "RULE" or "RULE:OBJECT".
	Ignore    []string `hcl:"ignore,optional"`
	DeclRange hcl.Range
}

func decodeAuditBlock(b *hcl.Block) (*Audit, hcl.Diagnostics) {
	a := &Audit{DeclRange: b.DefRange}
	diags := gohcl.DecodeBody(b.Body, nil, a)
	for _, p := range []*int{a.NoLoginDays, a.ArchiveMinDays, a.ArchiveMaxAgeDays} {
		if p != nil && *p < 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid audit threshold",
				Detail: "no_login_days, archive_min_days and archive_max_age_days are numbers of days: 0 or more.", Subject: b.DefRange.Ptr()})
		}
	}
	return a, diags
}
