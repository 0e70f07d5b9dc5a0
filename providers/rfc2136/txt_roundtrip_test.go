package rfc2136_test

import (
	"testing"

	"github.com/mailform/mailform/providers/dnstest"
	"github.com/mailform/mailform/providers/rfc2136/rfc2136test"
)

// TestTXTRoundTrip checks that TXT values settle after a write and an AXFR read on
// every real server dnstest knows.
func TestTXTRoundTrip(t *testing.T) {
	for _, st := range dnstest.Starters() {
		t.Run(st.Name, func(t *testing.T) {
			rfc2136test.TXTRoundTrip(t, dnstest.Start(t, st, rfc2136test.ZoneTXT))
		})
	}
}
