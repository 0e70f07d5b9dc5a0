// Package policy is the Postfix SMTP access policy delegation server behind
// `mailform policy-server`: it answers Postfix's check_policy_service requests with
// the send_restriction rules and group sender rules that the postfix provider wrote
// to the mail database, reloading them when the database announces a change.
package policy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailform/mailform/providers/postfix"
)

// Index answers one policy request with a few map look-ups, however many rules are
// loaded: rules are indexed by the mailboxes they cover, groups by address.
type Index struct {
	local    map[string]bool
	bySender map[string][]*rule
	groups   map[string]*group
	rules    int
}

type rule struct {
	name         string
	denyExternal bool
	allowed      map[string]bool
	allowedList  string
	maxRcpt      int64
	maxMB        int64
}

type group struct {
	addr, senders    string
	members, allowed map[string]bool
	// who says who may write to it, for the rejection text.
	who string
}

// NewIndex indexes what the postfix provider's LoadPolicy read.
func NewIndex(p *postfix.Policy) *Index {
	ix := &Index{local: map[string]bool{}, bySender: map[string][]*rule{}, groups: map[string]*group{}, rules: len(p.Restrictions) + len(p.Groups)}
	for _, d := range p.Domains {
		ix.local[strings.ToLower(d)] = true
	}
	for _, r := range p.Restrictions {
		ru := &rule{name: r.Name, denyExternal: r.DenyExternal, allowed: map[string]bool{},
			allowedList: strings.Join(r.AllowedDomains, ", "), maxRcpt: r.MaxRecipients, maxMB: r.MaxAttachmentMB}
		for _, d := range r.AllowedDomains {
			ru.allowed[strings.ToLower(d)] = true
		}
		for _, s := range r.Senders {
			ix.bySender[s] = append(ix.bySender[s], ru)
		}
	}
	for _, gp := range p.Groups {
		g := &group{addr: gp.Address, senders: gp.Senders, members: set(gp.Members), allowed: set(gp.Allowed)}
		switch gp.Senders {
		case "members":
			g.who = "only its members may write to it"
		case "list":
			g.who = "only " + strings.Join(gp.Allowed, ", ") + " may write to it"
			if len(gp.Allowed) == 0 {
				g.who = "nobody may write to it (its allowed_senders list is empty)"
			}
		default:
			g.who = "only people of the organization, signed in, may write to it"
		}
		ix.groups[gp.Address] = g
	}
	return ix
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[strings.ToLower(s)] = true
	}
	return m
}

// Rules is the number of send_restriction rules and restricted groups indexed.
func (ix *Index) Rules() int { return ix.rules }

// Request is one policy request: Postfix's name=value attributes.
type Request map[string]string

// Decision is an answer: the access(5) action sent to Postfix, and for metrics and
// logs its kind (dunno, reject, default) and the rule that decided ("" for none).
type Decision struct {
	Action string
	Kind   string
	Rule   string
}

var dunno = Decision{Action: "DUNNO", Kind: "dunno"}

// Decide applies the rules to one request.
//
// Group sender rules trust only the SASL login: an envelope sender is whatever the
// client claims. Send restrictions apply to the SASL login, or else to the envelope
// sender (claiming to be a restricted sender only restricts the claimant).
//
// The recipient limit is checked at DATA and END-OF-MESSAGE, where recipient_count is
// the number of accepted recipients, and a rejection refuses the whole message; a
// rejection at RCPT would refuse only the 101st recipient and let the message go to
// the first 100.
func (ix *Index) Decide(r Request) Decision {
	login := strings.ToLower(r["sasl_username"])
	sender := login
	if sender == "" {
		sender = strings.ToLower(r["sender"])
	}
	switch strings.ToUpper(r["protocol_state"]) {
	case "RCPT":
		rcpt := strings.ToLower(r["recipient"])
		if g := ix.groups[rcpt]; g != nil && !g.admits(login) {
			return Decision{Action: fmt.Sprintf("550 5.7.1 <%s>: %s", rcpt, g.who), Kind: "reject", Rule: "group." + rcpt}
		}
		rules := ix.bySender[sender]
		if len(rules) == 0 {
			return dunno
		}
		domain := rcpt[strings.LastIndexByte(rcpt, '@')+1:]
		if ix.local[domain] {
			return dunno
		}
		for _, ru := range rules {
			if ru.denyExternal && !ru.allowed[domain] {
				text := fmt.Sprintf("550 5.7.1 <%s>: send_restriction.%s does not let %s send outside the company", rcpt, ru.name, sender)
				if ru.allowedList != "" {
					text += " except to " + ru.allowedList
				}
				return Decision{Action: text, Kind: "reject", Rule: "send_restriction." + ru.name}
			}
		}
	case "DATA", "END-OF-MESSAGE":
		rules := ix.bySender[sender]
		if len(rules) == 0 {
			return dunno
		}
		count, _ := strconv.ParseInt(r["recipient_count"], 10, 64)
		size, _ := strconv.ParseInt(r["size"], 10, 64)
		eom := strings.EqualFold(r["protocol_state"], "END-OF-MESSAGE")
		for _, ru := range rules {
			if ru.maxRcpt > 0 && count > ru.maxRcpt {
				return Decision{Action: fmt.Sprintf("550 5.7.1 send_restriction.%s allows at most %d recipients per message; this one has %d",
					ru.name, ru.maxRcpt, count), Kind: "reject", Rule: "send_restriction." + ru.name}
			}
			if eom && ru.maxMB > 0 && size > ru.maxMB<<20 {
				return Decision{Action: fmt.Sprintf("552 5.3.4 send_restriction.%s allows messages of at most %d MB; this one has %.1f MB",
					ru.name, ru.maxMB, float64(size)/(1<<20)), Kind: "reject", Rule: "send_restriction." + ru.name}
			}
		}
	}
	return dunno
}

// admits reports whether the signed-in user login may write to the group.
func (g *group) admits(login string) bool {
	if login == "" {
		return false
	}
	switch g.senders {
	case "members":
		return g.members[login]
	case "list":
		return g.allowed[login]
	}
	return true // organization: any signed-in mailbox
}
