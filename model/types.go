package model

import "strings"

// The seven resource types of SPEC §3.
var (
	Domain = register(&Type{
		Name:     "domain",
		Identity: []string{"name"},
		Attrs: []*Attr{
			{Name: "name", Kind: KindDomain, Required: true, Doc: "the mail domain, an FQDN"},
		},
		MatchKey: func(_ string, o Object) string { return knownStr(o["name"]) },
	})

	Department = register(&Type{
		Name: "department",
		Attrs: []*Attr{
			{Name: "id", Kind: KindString, Computed: true, Doc: "the id the provider assigns"},
			{Name: "name", Kind: KindString, Required: true, Doc: "1–64 characters, none of \\ : * ? \" < > |"},
			{Name: "parent", Kind: KindString, Doc: "the parent department's id; absent = top level"},
			{Name: "order", Kind: KindInt, Default: int64(0), Doc: "sort order among siblings"},
		},
		// A department is found again by its parent and name.
		MatchKey: func(_ string, o Object) string {
			if IsUnknown(o["parent"]) || IsUnknown(o["name"]) {
				return ""
			}
			return o.Str("parent") + "/" + strings.ToLower(o.Str("name"))
		},
	})

	Account = register(&Type{
		Name:     "account",
		Identity: []string{"email"},
		Attrs: []*Attr{
			{Name: "email", Kind: KindEmail, Required: true},
			{Name: "name", Kind: KindString, Required: true},
			{Name: "departments", Kind: KindStringSet, MaxItems: 20, Doc: "department ids"},
			{Name: "position", Kind: KindString},
			{Name: "mobile", Kind: KindString},
			{Name: "phone", Kind: KindString},
			{Name: "external_id", Kind: KindString},
			{Name: "aliases", Kind: KindEmailSet, MaxItems: 5},
			{Name: "password", Kind: KindString, Sensitive: true, WriteOnly: true},
			{Name: "force_password_change", Kind: KindBool},
			{Name: "status", Kind: KindString, Default: "active", Enum: []string{"active", "frozen", "departed"}},
			{Name: "offboarding", Kind: KindBlock, Engine: true, Block: []*Attr{
				{Name: "handover_to", Kind: KindEmail},
				{Name: "retain_days", Kind: KindInt, Default: int64(30)},
			}},
			{Name: "imap_smtp", Kind: KindBool},
			{Name: "pop_smtp", Kind: KindBool},
			{Name: "force_secure_login", Kind: KindBool},
			{Name: "quota_mb", Kind: KindInt},
		},
		MatchKey: func(_ string, o Object) string { return knownStr(o["email"]) },
	})

	Group = register(&Type{
		Name:     "group",
		Identity: []string{"email"},
		Attrs: []*Attr{
			{Name: "email", Kind: KindEmail, Required: true},
			{Name: "name", Kind: KindString, Required: true},
			{Name: "members", Kind: KindEmailSet},
			{Name: "member_groups", Kind: KindEmailSet},
			{Name: "member_departments", Kind: KindStringSet},
			{Name: "senders", Kind: KindString, Default: "organization", Enum: []string{"organization", "anyone", "members", "list"}},
			{Name: "allowed_senders", Kind: KindEmailSet},
		},
		MatchKey: func(_ string, o Object) string { return knownStr(o["email"]) },
	})

	DNSRecord = register(&Type{
		Name:     "dns_record",
		Identity: []string{"zone", "name", "type"},
		Attrs: []*Attr{
			{Name: "zone", Kind: KindDomain, Required: true},
			{Name: "name", Kind: KindString, Required: true, Doc: "@ for the apex, else relative to the zone"},
			{Name: "type", Kind: KindString, Required: true, Enum: []string{"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "NS"}},
			{Name: "records", Kind: KindRDataSet, Required: true},
			{Name: "ttl", Kind: KindInt, Default: int64(600)},
		},
		MatchKey: func(_ string, o Object) string {
			if IsUnknown(o["zone"]) || IsUnknown(o["name"]) || IsUnknown(o["type"]) {
				return ""
			}
			return RRsetKey(o.Str("zone"), o.Str("name"), o.Str("type"))
		},
	})

	SendRestriction = register(&Type{
		Name:          "send_restriction",
		LabelIdentity: true,
		Attrs: []*Attr{
			{Name: "accounts", Kind: KindEmailSet, Doc: "senders it restricts: these mailboxes (by SASL login, else envelope sender)"},
			{Name: "departments", Kind: KindStringSet, Doc: "senders it restricts: the active mailboxes of these departments (ids) and their sub-departments"},
			{Name: "groups", Kind: KindEmailSet, Doc: "senders it restricts: the members of these groups (addresses), expanded through member groups and departments"},
			{Name: "external", Kind: KindString, Default: "allow", Enum: []string{"allow", "deny"},
				Doc: "deny: a recipient outside the server's domains is refused at RCPT (550 5.7.1 naming the rule), unless in allowed_domains"},
			{Name: "allowed_domains", Kind: KindStringSet, Doc: "recipient domains still allowed when external = deny (exact domain)"},
			{Name: "max_recipients", Kind: KindInt, Doc: "more accepted recipients than this refuses the whole message at DATA; unset: no limit"},
			{Name: "max_attachment_mb", Kind: KindInt, Doc: "a message larger than this many MiB (its whole size, attachments included) is refused at end of data (552 5.3.4); unset: no limit"},
		},
		MatchKey: func(label string, _ Object) string { return label },
	})

	BackupRule = register(&Type{
		Name:          "backup_rule",
		LabelIdentity: true,
		Attrs: []*Attr{
			{Name: "destination", Kind: KindEmail, Required: true,
				Doc: "the backup mailbox: added once as an extra envelope recipient of every message the rule matches (not when already a recipient)"},
			{Name: "accounts", Kind: KindEmailSet, Doc: "mailboxes it covers, with their aliases"},
			{Name: "departments", Kind: KindStringSet, Doc: "departments (ids) whose active mailboxes it covers, sub-departments included"},
			{Name: "direction", Kind: KindString, Default: "both", Enum: []string{"inbound", "outbound", "both"},
				Doc: "decided from the SMTP envelope against the server's domains. outbound: the envelope sender is covered and a recipient is outside the server's domains; " +
					"inbound: the sender is outside them (or empty, a bounce) and a recipient reaches a covered mailbox directly, by alias or through a group; " +
					"both: either. Mail between the server's own addresses is neither"},
			{Name: "match", Kind: KindBlock, Doc: "narrows the rule: every condition set must hold; no block: every message in the direction is copied", Block: []*Attr{
				{Name: "from_domains", Kind: KindStringSet, Doc: "the envelope sender's or a From: address's domain is one of these or a subdomain of one"},
				{Name: "subject_contains", Kind: KindString, Doc: "found in the RFC 2047-decoded Subject, ignoring case"},
				{Name: "has_attachment", Kind: KindBool, Doc: "true: only messages with an attachment; false: only without. Judged by MIME structure, never file names: " +
					"a part with Content-Disposition: attachment, or a non-inline part that is neither text nor multipart"},
			}},
		},
		MatchKey: func(label string, _ Object) string { return label },
	})
)

func knownStr(v any) string {
	if IsUnknown(v) {
		return ""
	}
	s, _ := v.(string)
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}
