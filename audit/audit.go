// Package audit checks a company's mail setup against policy: the applied
// configuration, the live accounts and the log archive. Each rule is a function from
// an Input to Findings, in its own file; rendering findings is the views package's.
package audit

import (
	"sort"
	"strings"
	"time"

	"github.com/mailform/mailform/logarchive"
	"github.com/mailform/mailform/providers"
)

// Severity ranks a finding.
type Severity string

// The severities.
const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
)

// Finding is one policy violation.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Objects  []string `json:"objects"`
	Evidence string   `json:"evidence"`
	Fix      string   `json:"fix"`
}

// Policy holds the thresholds and exceptions of the audit block.
type Policy struct {
	RestrictedDepartments  []string
	SecondFactorExceptions []string
	NoLoginDays            int
	ArchiveMinDays         int
	ArchiveMaxAgeDays      int
	// Ignore lists accepted findings: "RULE" or "RULE:OBJECT".
	Ignore []string
	// DNSServer answers the live mail DNS checks; "" = the system's resolver.
	DNSServer string
}

// Ignores reports whether the policy accepts every finding of rule, so that its
// facts need not be gathered.
func (p Policy) Ignores(rule string) bool {
	for _, i := range p.Ignore {
		if i == rule {
			return true
		}
	}
	return false
}

// DefaultPolicy is the policy without an audit block.
func DefaultPolicy() Policy {
	return Policy{NoLoginDays: 90, ArchiveMinDays: 180, ArchiveMaxAgeDays: 2}
}

// Account is one account as applied.
type Account struct {
	Email            string
	Name             string
	Status           string // active, frozen, departed
	Departments      []string
	ForceSecureLogin bool
	HandoverTo       string
	RetainDays       int
	// Frozen says the provider has frozen the account (departed accounts must be).
	Frozen bool
}

// Rule is a send restriction or a backup rule as applied: whom it covers.
type Rule struct {
	Name        string
	Departments []string // names
	Accounts    []string
}

// Archive is what the log archive tells the audit.
type Archive struct {
	// Present is false when no archive exists yet.
	Present  bool
	First    string
	Last     string
	Gaps     []string
	LastPull time.Time
	// LastLogin maps a lower-cased address to its last archived login.
	LastLogin map[string]time.Time
	// LoginsPerDay counts logins per archived day.
	LoginsPerDay map[string]int
	// SentOutside counts mail sent outside the company per sender, lower-cased.
	SentOutside map[string]int
	// Operations are the archived admin operations that change console-only settings.
	Operations []logarchive.Row
}

// Input is everything the rules look at.
type Input struct {
	Now    time.Time
	Policy Policy
	// Provider names the provider of the accounts, for what it cannot report.
	Provider         string
	Accounts         []Account
	Departments      []string
	SendRestrictions []Rule
	BackupRules      []Rule
	Archive          Archive
	// DNS are the live mail records of each domain; nil when not looked up.
	DNS []DomainDNS
	// Usage is the mailbox usage the providers report; UsageAvailable says whether
	// any provider can.
	Usage          []providers.MailboxUsage
	UsageAvailable bool
}

// Check is one rule.
type Check struct {
	ID    string
	Title string
	Run   func(in Input) []Finding
}

// Checks are the built-in rules, in report order.
var Checks = []Check{
	{"second-factor", "Every active account forces secure login (second factor)", secondFactor},
	{"restricted-department", "Restricted departments have a send restriction and a backup rule", restrictedDepartments},
	{"no-login", "No active account goes unused", noLogin},
	{"departed-account", "Departed accounts are frozen, retained 30–90 days and handed over", departedAccounts},
	{"archive-coverage", "The log archive covers the required days and is fresh", archiveCoverage},
	{"console-change", "Console-only settings changed outside mailform", consoleChanges},
	{"mail-dns", "Live mail DNS: MX, SPF, DKIM, DMARC with a policy", mailDNS},
	{"quota", "Mailboxes below 80 % of their quota", quota},
}

// Report is the outcome of Run.
type Report struct {
	Generated time.Time `json:"generated"`
	Findings  []Finding `json:"findings"`
	// Ignored counts findings the policy accepts.
	Ignored int `json:"ignored"`
	// Notes say what the audit could not check.
	Notes []string `json:"notes"`
	// Charts are the data of the report's charts.
	Charts Charts `json:"charts"`
}

// Run applies every rule and drops the findings the policy ignores.
func Run(in Input) Report {
	rep := Report{Generated: in.Now, Findings: []Finding{}, Notes: notes(in), Charts: charts(in)}
	for _, c := range Checks {
		for _, f := range c.Run(in) {
			f.Rule = c.ID
			if ignored(in.Policy.Ignore, f) {
				rep.Ignored++
				continue
			}
			rep.Findings = append(rep.Findings, f)
		}
	}
	return rep
}

func ignored(list []string, f Finding) bool {
	for _, i := range list {
		rule, obj, hasObj := strings.Cut(i, ":")
		if rule != f.Rule {
			continue
		}
		if !hasObj {
			return true
		}
		for _, o := range f.Objects {
			if strings.EqualFold(o, obj) {
				return true
			}
		}
	}
	return false
}

func notes(in Input) []string {
	var out []string
	if !in.UsageAvailable {
		out = append(out, "Mailbox usage against quota: not available (no configured provider reports it; the Exmail API does not).")
	}
	if in.DNS == nil {
		out = append(out, "Live mail DNS (MX, SPF, DKIM, DMARC): not checked (audit { ignore = [\"mail-dns\"] }).")
	}
	return out
}

func lowerSet(l []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range l {
		m[strings.ToLower(s)] = true
	}
	return m
}

func lower(s string) string { return strings.ToLower(s) }

func sorted(l []string) []string {
	sort.Strings(l)
	return l
}
