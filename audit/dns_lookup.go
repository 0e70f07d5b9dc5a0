package audit

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/state"
)

// LookupDNS asks server (host:port; "" = the first nameserver of /etc/resolv.conf)
// for the mail records of every applied domain and puts them in in.DNS. Each query
// is bounded by timeout; a domain that cannot be asked carries the reason instead.
func LookupDNS(ctx context.Context, in *Input, st *state.State, server string, timeout time.Duration) {
	if server == "" {
		conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err == nil && len(conf.Servers) > 0 {
			server = net.JoinHostPort(conf.Servers[0], conf.Port)
		}
	}
	selectors := map[string][]string{}
	var domains []string
	for _, r := range st.Resources {
		switch r.Type {
		case "domain":
			domains = append(domains, model.CanonicalDomain(r.Attrs.Str("name")))
		case "dns_record":
			name := strings.ToLower(r.Attrs.Str("name"))
			if sel, ok := strings.CutSuffix(name, "._domainkey"); ok {
				zone := model.CanonicalDomain(r.Attrs.Str("zone"))
				selectors[zone] = append(selectors[zone], sel)
			}
		}
	}
	in.DNS = []DomainDNS{}
	for _, d := range domains {
		dd := DomainDNS{Domain: d, Selectors: selectors[d], DKIM: map[string][]string{}}
		if in.Provider == "exmail" {
			dd.ExpectMX = ExmailMX
		}
		if server == "" {
			dd.Err = "no DNS server to ask: /etc/resolv.conf names none; set audit { dns_server }"
			in.DNS = append(in.DNS, dd)
			continue
		}
		ask := func(name string, t uint16) []string {
			if dd.Err != "" {
				return nil
			}
			out, err := query(ctx, server, name, t, timeout)
			if err != nil {
				dd.Err = err.Error()
			}
			return out
		}
		dd.MX = ask(d, dns.TypeMX)
		dd.TXT = ask(d, dns.TypeTXT)
		dd.DMARC = ask("_dmarc."+d, dns.TypeTXT)
		for _, s := range dd.Selectors {
			dd.DKIM[s] = ask(s+"._domainkey."+d, dns.TypeTXT)
		}
		in.DNS = append(in.DNS, dd)
	}
}

// query asks one question with recursion desired; NXDOMAIN and no data are empty
// answers, not errors.
func query(ctx context.Context, server, name string, t uint16, timeout time.Duration) ([]string, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), t)
	m.RecursionDesired = true
	c := &dns.Client{Timeout: timeout}
	qctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, _, err := c.ExchangeContext(qctx, m, server)
	if err == nil && r.Truncated {
		c.Net = "tcp"
		r, _, err = c.ExchangeContext(qctx, m, server)
	}
	if err != nil {
		return nil, fmt.Errorf("asking %s for %s %s: %v", server, name, dns.TypeToString[t], err)
	}
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("%s answered %s for %s %s", server, dns.RcodeToString[r.Rcode], name, dns.TypeToString[t])
	}
	var out []string
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.MX:
			out = append(out, strings.ToLower(strings.TrimSuffix(v.Mx, ".")))
		case *dns.TXT:
			out = append(out, strings.Join(v.Txt, ""))
		}
	}
	return out, nil
}
