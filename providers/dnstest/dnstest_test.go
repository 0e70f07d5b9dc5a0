package dnstest

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestServersAnswerAndTakeSignedUpdates(t *testing.T) {
	for _, st := range Starters() {
		t.Run(st.Name, func(t *testing.T) {
			s := Start(t, st, "one.test", "two.test")
			for _, z := range s.Zones {
				rc, err := s.Update(z, func(m *dns.Msg) {
					rr, _ := dns.NewRR("www." + z + ". 300 IN A 192.0.2.1")
					m.Insert([]dns.RR{rr})
				})
				if err != nil || rc != dns.RcodeSuccess {
					t.Fatalf("update %s: rcode %s, err %v", z, dns.RcodeToString[rc], err)
				}
				ans, err := s.Query("www."+z, dns.TypeA)
				if err != nil || len(ans) != 1 {
					t.Fatalf("query www.%s: %v %v", z, ans, err)
				}
			}
		})
	}
}

func TestMissingBinaryNamesPackage(t *testing.T) {
	_, err := lookBinary("no-such-dns-server", "some-package")
	if err == nil || !strings.Contains(err.Error(), `"some-package"`) {
		t.Fatalf("err = %v, want it to name the Debian package", err)
	}
}

func TestNoZonesIsAnError(t *testing.T) {
	if _, err := prepare("x", t.TempDir(), nil); err == nil {
		t.Fatal("prepare with no zones succeeded")
	}
}
