// Package milter is `mailform milter`: a Postfix milter that applies the backup_rule
// objects the postfix provider wrote to its database. For every message that a rule
// matches it adds the rule's backup mailbox as an extra envelope recipient, once per
// message however many rules match.
//
// Direction is decided from the envelope against the server's mail domains (the
// domain table):
//
//   - outbound: the envelope sender is one of the rule's senders (its accounts, the
//     active mailboxes of its departments and sub-departments, and their own aliases)
//     and at least one recipient is outside the server's domains;
//   - inbound: the envelope sender is outside the server's domains (or empty, a
//     bounce) and at least one recipient reaches a covered mailbox (the mailbox, its
//     aliases, or a group whose expansion includes it);
//   - both: either of the two.
//
// Mail between two addresses of the server's own domains is neither inbound nor
// outbound and is not copied.
//
// A rule's match block narrows it further; every condition it sets must hold:
// from_domains (the envelope sender's or a From header address's domain is one of
// them or a subdomain of one), subject_contains (found, ignoring case, in the
// RFC 2047-decoded Subject) and has_attachment (the MIME structure has, or has not,
// an attachment: see HasAttachment).
package milter

import (
	"sort"
	"strings"

	"github.com/mailform/mailform/providers/postfix"
)

// Message is what the rules look at in one mail transaction.
type Message struct {
	// Sender is the envelope sender (MAIL FROM), "" for a bounce.
	Sender string
	// Recipients are the envelope recipients (RCPT TO).
	Recipients []string
	// FromDomains are the domains of the From header's addresses.
	FromDomains []string
	// Subject is the decoded Subject header.
	Subject string
	// Attachment reports whether the message has an attachment; it is called only
	// when a rule asks, since it reads the body.
	Attachment func() bool
}

// Rules is a loaded rule set, ready to match messages. It is never modified after
// it is made, so transactions share it without locks.
type Rules struct {
	set *postfix.BackupRuleSet
	// subjects are the rules' subject_contains in lower case, by rule index.
	subjects []string
}

// NewRules prepares a rule set loaded from the database.
func NewRules(set *postfix.BackupRuleSet) *Rules {
	r := &Rules{set: set, subjects: make([]string, len(set.Rules))}
	for i, b := range set.Rules {
		r.subjects[i] = strings.ToLower(b.SubjectContains)
	}
	return r
}

// Len returns the number of rules.
func (r *Rules) Len() int { return len(r.set.Rules) }

// Match is one rule that matched a message.
type Match struct {
	// Rule is the rule's label.
	Rule string
	// Destination is its backup mailbox.
	Destination string
}

// Match returns the rules that match m, in label order.
func (r *Rules) Match(m Message) []Match {
	sender := strings.ToLower(strings.TrimSpace(m.Sender))
	senderDomain := postfix.DomainOf(sender)
	externalSender := sender == "" || !r.set.Domains[senderDomain]
	rcpts := make([]string, len(m.Recipients))
	externalRcpt := false
	for i, a := range m.Recipients {
		rcpts[i] = strings.ToLower(strings.TrimSpace(a))
		if !r.set.Domains[postfix.DomainOf(rcpts[i])] {
			externalRcpt = true
		}
	}
	subject := ""
	subjectDone := false
	attachment, attachmentDone := false, false
	var out []Match
	for i, b := range r.set.Rules {
		outbound := b.Direction != "inbound" && externalRcpt && b.Senders[sender]
		inbound := false
		if b.Direction != "outbound" && externalSender {
			for _, a := range rcpts {
				if b.Recipients[a] {
					inbound = true
					break
				}
			}
		}
		if !outbound && !inbound {
			continue
		}
		if len(b.FromDomains) > 0 && !fromMatches(b.FromDomains, senderDomain, m.FromDomains) {
			continue
		}
		if r.subjects[i] != "" {
			if !subjectDone {
				subject, subjectDone = strings.ToLower(m.Subject), true
			}
			if !strings.Contains(subject, r.subjects[i]) {
				continue
			}
		}
		if b.HasAttachment != nil {
			if !attachmentDone {
				attachmentDone = true
				attachment = m.Attachment != nil && m.Attachment()
			}
			if attachment != *b.HasAttachment {
				continue
			}
		}
		out = append(out, Match{Rule: b.Label, Destination: b.Destination})
	}
	return out
}

// fromMatches reports whether the envelope sender's domain or a From header domain
// is one of domains or a subdomain of one.
func fromMatches(domains []string, sender string, header []string) bool {
	for _, d := range append([]string{sender}, header...) {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if d == "" {
			continue
		}
		for _, want := range domains {
			if d == want || strings.HasSuffix(d, "."+want) {
				return true
			}
		}
	}
	return false
}

// Destinations returns the distinct backup mailboxes of matches, sorted.
func Destinations(matches []Match) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range matches {
		if !seen[m.Destination] {
			seen[m.Destination] = true
			out = append(out, m.Destination)
		}
	}
	sort.Strings(out)
	return out
}
