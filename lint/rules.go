package lint

import "github.com/hashicorp/hcl/v2"

// Rule describes one lint rule: its stable id, how bad a finding is, and what to do.
type Rule struct {
	ID       string
	Severity hcl.DiagnosticSeverity
	What     string
	Fix      string
}

// The rule ids. They are part of mailform's interface: users grep for them and
// docs/lint.md documents each, so an id is never renamed or reused.
const (
	RuleRData          = "DNS-RDATA"
	RuleTTL            = "DNS-TTL"
	RuleSPFOne         = "SPF-ONE"
	RuleSPFLookups     = "SPF-LOOKUPS"
	RuleSPFLoop        = "SPF-LOOP"
	RuleSPFPtr         = "SPF-PTR"
	RuleSPFPlusAll     = "SPF-PLUS-ALL"
	RuleSPFNoAll       = "SPF-NO-ALL"
	RuleSPFSyntax      = "SPF-SYNTAX"
	RuleSPFModifier    = "SPF-MODIFIER"
	RuleSPFInclude     = "SPF-INCLUDE"
	RuleSPFLength      = "SPF-LENGTH"
	RuleDMARCName      = "DMARC-NAME"
	RuleDMARCOne       = "DMARC-ONE"
	RuleDMARCVersion   = "DMARC-VERSION"
	RuleDMARCSyntax    = "DMARC-SYNTAX"
	RuleDMARCPolicy    = "DMARC-POLICY"
	RuleDMARCAlign     = "DMARC-ALIGN"
	RuleDMARCPct       = "DMARC-PCT"
	RuleDMARCURI       = "DMARC-URI"
	RuleDMARCTag       = "DMARC-TAG"
	RuleDKIMName       = "DKIM-NAME"
	RuleDKIMSyntax     = "DKIM-SYNTAX"
	RuleDKIMKey        = "DKIM-KEY"
	RuleDKIMRevoked    = "DKIM-REVOKED"
	RuleDKIMAlgo       = "DKIM-ALGO"
	RuleDKIMWeak       = "DKIM-WEAK"
	RuleMXTargetIP     = "MX-TARGET-IP"
	RuleMXCNAME        = "MX-CNAME"
	RuleMXNull         = "MX-NULL"
	RuleMXPriority     = "MX-PRIORITY"
	RuleCNAMEExclusive = "CNAME-EXCLUSIVE"
	RuleCNAMEApex      = "CNAME-APEX"
	RuleExmailMX       = "EXMAIL-MX"
	RuleExmailSPF      = "EXMAIL-SPF"
)

const (
	sevError   = hcl.DiagError
	sevWarning = hcl.DiagWarning
)

// rules is the single table of rules; docs/lint.md mirrors it (a test keeps them in step).
var rules = []Rule{
	{RuleRData, sevError, "A record's RDATA does not parse in zone-file presentation form.", "Write the value as in a zone file, e.g. `\"10 mx.example.com.\"` for MX."},
	{RuleTTL, sevError, "The same RRset (zone, name, type) is declared twice with different TTLs; DNS has one TTL per RRset (RFC 2181 §5.2).", "Declare the RRset once, with one `ttl`, and list every value in `records`."},
	{RuleSPFOne, sevError, "More than one `v=spf1` TXT record at a name; receivers return permerror (RFC 7208 §4.5).", "Merge the mechanisms into a single `v=spf1` record."},
	{RuleSPFLookups, sevError, "More than 10 DNS-lookup terms (include, a, mx, ptr, exists, redirect), counted through declared and well-known includes (RFC 7208 §4.6.4).", "Remove unused includes, replace `a`/`mx` with `ip4:`/`ip6:` ranges, or flatten an include."},
	{RuleSPFLoop, sevError, "The include/redirect chain of declared SPF records comes back to itself; evaluation can never finish.", "Remove the include or redirect that closes the loop."},
	{RuleSPFPtr, sevError, "The `ptr` mechanism is used; it is deprecated, slow and unreliable (RFC 7208 §5.5).", "Replace `ptr` with `ip4:`/`ip6:` ranges or an include of the sender's SPF record."},
	{RuleSPFPlusAll, sevWarning, "`+all` (or bare `all`) lets anyone on the internet send as the domain.", "End the record with `~all` or `-all`."},
	{RuleSPFNoAll, sevWarning, "The record has neither an `all` mechanism nor a `redirect=`; unmatched senders get the neutral result.", "End the record with `~all` or `-all`."},
	{RuleSPFSyntax, sevError, "An unknown mechanism, a malformed term, a repeated modifier or a mechanism written as a modifier (`include=`); receivers return permerror.", "Fix the term; mechanisms are all, include:, a, mx, ptr, ip4:, ip6:, exists:; modifiers redirect= and exp=."},
	{RuleSPFModifier, sevWarning, "An unknown modifier (`name=value`); receivers ignore it, so it is probably a typo.", "Remove the modifier or correct its name."},
	{RuleSPFInclude, sevWarning, "An include or redirect points at a name in a managed zone where no `v=spf1` record is declared; receivers return permerror unless one exists outside mailform.", "Declare the SPF record at that name, or fix the target."},
	{RuleSPFLength, sevWarning, "The SPF text is longer than 450 bytes, so answers may not fit in a 512-byte UDP packet (RFC 7208 §3.4). Strings over 255 bytes are fine: mailform splits them.", "Shorten the record, e.g. move ranges behind an include."},
	{RuleDMARCName, sevError, "A `v=DMARC1` record is at a name other than `_dmarc.<domain>`; receivers never look there (RFC 7489 §6.1).", "Set `name = \"_dmarc\"` (or `_dmarc.<sub>` for a subdomain)."},
	{RuleDMARCOne, sevError, "More than one DMARC record at a `_dmarc` name; receivers then apply no policy (RFC 7489 §6.6.3).", "Keep a single `v=DMARC1` record."},
	{RuleDMARCVersion, sevError, "A TXT at `_dmarc` does not start with the tag `v=DMARC1`; receivers ignore it (RFC 7489 §6.3).", "Start the record with `v=DMARC1;` exactly."},
	{RuleDMARCSyntax, sevError, "A DMARC tag is malformed (no `=`) or repeated.", "Write tags as `name=value` separated by `;`, each once."},
	{RuleDMARCPolicy, sevError, "`p` is missing, or `p`/`sp`/`np` is not none, quarantine or reject.", "Set `p=none`, `p=quarantine` or `p=reject`."},
	{RuleDMARCAlign, sevError, "`adkim` or `aspf` is not `r` (relaxed) or `s` (strict).", "Use `r` or `s`, or leave the tag out (default `r`)."},
	{RuleDMARCPct, sevError, "`pct` is not an integer from 0 to 100.", "Use a whole number from 0 to 100, or leave it out (default 100)."},
	{RuleDMARCURI, sevError, "A `rua`/`ruf` entry is not a `mailto:` URI with an address.", "Use comma-separated `mailto:` URIs, e.g. `rua=mailto:dmarc@example.com`."},
	{RuleDMARCTag, sevWarning, "An unknown DMARC tag; receivers ignore it, so it is probably a typo.", "Remove the tag or correct its name (v, p, sp, np, adkim, aspf, pct, rua, ruf, fo, rf, ri)."},
	{RuleDKIMName, sevError, "A DKIM key record (`v=DKIM1`, `k=` or `p=`) is at a name not of the form `<selector>._domainkey`; verifiers never find it (RFC 6376 §3.6.2.1).", "Set `name = \"<selector>._domainkey\"`."},
	{RuleDKIMSyntax, sevError, "A DKIM record is malformed: a tag without `=`, a repeated tag, or `v=` that is not the first tag or not `DKIM1` (RFC 6376 §3.6.1).", "Write `v=DKIM1; k=rsa; p=<key>` with each tag once."},
	{RuleDKIMKey, sevError, "`p=` is missing, is not valid base64, or does not hold a public key of type `k`.", "Paste the public key exactly as the mail provider shows it (base64, no spaces)."},
	{RuleDKIMRevoked, sevWarning, "`p=` is empty: the key is revoked and mail signed with this selector fails DKIM.", "Remove the record once nothing signs with the selector, or publish the new key."},
	{RuleDKIMAlgo, sevError, "`k=` is not `rsa` or `ed25519`.", "Use `k=rsa` or `k=ed25519`."},
	{RuleDKIMWeak, sevWarning, "The RSA key is shorter than 1024 bits; verifiers treat it as no signature (RFC 8301 §3.2).", "Generate a 2048-bit key and publish it under a new selector."},
	{RuleMXTargetIP, sevError, "An MX target is an IP address; MX must name a host (RFC 5321 §5.1).", "Point the MX at a host name with A/AAAA records."},
	{RuleMXCNAME, sevError, "An MX target is a CNAME declared in a managed zone (RFC 2181 §10.3).", "Point the MX at the CNAME's target, or make the target an A/AAAA record."},
	{RuleMXNull, sevError, "A null MX (`0 .`) is mixed with other MX records, or `.` is used with a preference other than 0 (RFC 7505 §3).", "Keep `0 .` alone to say the domain takes no mail, or remove it."},
	{RuleMXPriority, sevError, "An MX preference is outside 0–65535.", "Use a preference from 0 to 65535."},
	{RuleCNAMEExclusive, sevError, "A CNAME shares its name with other data, or a CNAME RRset holds more than one record (RFC 1034 §3.6.2, RFC 2181 §10.1).", "Move the other records to a different name, or replace the CNAME with the records it points to."},
	{RuleCNAMEApex, sevError, "A CNAME at the zone apex, which always has SOA and NS records (RFC 1034 §3.6.2).", "Use A/AAAA records at the apex, or the DNS provider's ALIAS/flattening feature."},
	{RuleExmailMX, sevWarning, "A Tencent Exmail domain's MX is not exactly `5 mxbiz1.qq.com.` and `10 mxbiz2.qq.com.`; mail may not arrive.", "Declare `records = [\"5 mxbiz1.qq.com.\", \"10 mxbiz2.qq.com.\"]` at the domain."},
	{RuleExmailSPF, sevWarning, "A Tencent Exmail domain's SPF does not include `spf.mail.qq.com`; mail sent through Exmail may be rejected.", "Add `include:spf.mail.qq.com` to the domain's `v=spf1` record."},
}

// Rules returns every lint rule in documentation order.
func Rules() []Rule { return append([]Rule(nil), rules...) }

func ruleByID(id string) Rule {
	for _, r := range rules {
		if r.ID == id {
			return r
		}
	}
	panic("lint: unknown rule " + id)
}
