package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// mailRecords are the RRsets each zone gets as explicit blocks: the Exmail MX pair,
// SPF and DMARC, written the way a person would.
const mailRecordsPerZone = 3

// writeRecords writes the mail records of every zone as blocks and the rest of the
// RRsets (hosts) from records.csv.
func (t *tenant) writeRecords(dir string) error {
	var b strings.Builder
	explicit := 0
	for i, zone := range t.domains {
		if explicit+mailRecordsPerZone > t.sz.records {
			break
		}
		explicit += mailRecordsPerZone
		fmt.Fprintf(&b, `dns_record "mx%[1]d" {
  zone    = %[2]q
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

dns_record "spf%[1]d" {
  zone    = %[2]q
  name    = "@"
  type    = "TXT"
  records = ["\"v=spf1 include:spf.mail.qq.com -all\""]
}

dns_record "dmarc%[1]d" {
  zone    = %[2]q
  name    = "_dmarc"
  type    = "TXT"
  ttl     = 3600
  records = ["\"v=DMARC1; p=quarantine; rua=mailto:dmarc@%[2]s\""]
}

`, i, zone)
	}
	hosts := t.sz.records - explicit
	err := writeCSV(filepath.Join(dir, "records.csv"), []string{"zone", "name", "type", "ttl", "records"},
		func(emit func(...string) error) error {
			for i := 0; i < hosts; i++ {
				zone := t.domains[i%len(t.domains)]
				name := fmt.Sprintf("host-%05d", i)
				var typ, rdata string
				switch i % 10 {
				case 8:
					typ, rdata = "AAAA", fmt.Sprintf("2001:db8::%x", i)
				case 9:
					typ, rdata = "CNAME", fmt.Sprintf("host-%05d.%s.", i-1, zone)
				default:
					typ, rdata = "A", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
					if t.rng.IntN(4) == 0 {
						rdata += fmt.Sprintf(";10.%d.%d.%d", 128|i>>16&255, i>>8&255, i&255)
					}
				}
				if err := emit(zone, name, typ, fmt.Sprint([]int{300, 600, 3600}[i%3]), rdata); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	b.WriteString(`dns_record "host" {
  for_each = { for r in csvdecode(file("records.csv")) : "${r.zone}/${r.name}/${r.type}" => r }
  zone     = each.value.zone
  name     = each.value.name
  type     = each.value.type
  ttl      = tonumber(each.value.ttl)
  records  = split(";", each.value.records)
}
`)
	return writeFile(filepath.Join(dir, "dns.mf.hcl"), b.String())
}
