package lint

import "testing"

// Lint takes any records and returns findings; it never panics.
func FuzzLint(f *testing.F) {
	types := []string{"TXT", "MX", "CNAME", "A", "AAAA", "SRV", "CAA", "NS"}
	for _, s := range []struct {
		t          uint8
		name, data string
	}{
		{0, "@", "v=spf1 include:spf.mail.qq.com include:a.example.com ptr +all"},
		{0, "_dmarc", "v=DMARC1; p=reject; rua=mailto:d@example.com; pct=50"},
		{0, "s1._domainkey", "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"},
		{1, "@", "0 ."},
		{1, "@", "5 192.0.2.1"},
		{2, "@", "mail.example.com."},
		{0, "@", "v=spf1 redirect=_spf.example.com"},
	} {
		f.Add(s.t, s.name, s.data, "v=spf1 -all")
	}
	f.Fuzz(func(t *testing.T, ti uint8, name, data, other string) {
		typ := types[int(ti)%len(types)]
		Check(Input{
			Records: []Record{
				{Zone: "example.com", Name: name, Type: typ, TTL: 600, Records: []string{data}, Address: "dns_record.a"},
				{Zone: "example.com", Name: name, Type: "TXT", TTL: 300, Records: []string{other, data}, Address: "dns_record.b"},
				{Zone: "example.com", Name: "_spf", Type: "TXT", TTL: 600, Records: []string{other}, Address: "dns_record.c"},
			},
			ExmailDomains: []string{"example.com"},
			ManagedZones:  []string{"example.com"},
		})
	})
}
