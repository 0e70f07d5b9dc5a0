package audit

import (
	"fmt"
	"sort"

	"github.com/mailform/mailform/providers"
)

// QuotaPercent is the share of its quota above which a mailbox is reported.
const QuotaPercent = 80

// quota finds mailboxes above QuotaPercent of their quota, where a provider reports
// usage.
func quota(in Input) []Finding {
	var out []Finding
	usage := append([]providers.MailboxUsage(nil), in.Usage...)
	sort.Slice(usage, func(i, j int) bool { return usage[i].Email < usage[j].Email })
	for _, u := range usage {
		if u.QuotaMB <= 0 || u.UsedMB*100 <= u.QuotaMB*QuotaPercent {
			continue
		}
		out = append(out, Finding{Severity: Low, Title: fmt.Sprintf("Mailbox above %d %% of its quota", QuotaPercent), Objects: []string{u.Email},
			Evidence: fmt.Sprintf("%d MB of %d MB used (%d %%).", u.UsedMB, u.QuotaMB, u.UsedMB*100/u.QuotaMB),
			Fix:      "Raise quota_mb on the account and apply, or ask its owner to archive old mail."})
	}
	return out
}
