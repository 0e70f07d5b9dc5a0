package rfc2136_test

import (
	"testing"

	"github.com/mailform/mailform/providers/dnstest"
	"github.com/mailform/mailform/providers/rfc2136/rfc2136test"
)

// TestRealServers runs the provider suite against every real server dnstest knows.
func TestRealServers(t *testing.T) {
	for _, st := range dnstest.Starters() {
		t.Run(st.Name, func(t *testing.T) { rfc2136test.Run(t, st) })
	}
}
