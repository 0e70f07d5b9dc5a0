package providers

import "context"

// MailboxUsage is how much of its quota a mailbox uses.
type MailboxUsage struct {
	Email   string
	UsedMB  int64
	QuotaMB int64 // 0 = no quota
}

// UsageReporter is a provider that knows its mailboxes' usage (the postfix provider
// through Dovecot's quota table); Exmail's API reports none.
type UsageReporter interface {
	MailboxUsage(ctx context.Context) ([]MailboxUsage, error)
}
