package rfc2136

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/providers"
)

// ErrKeyRejected is returned (wrapped) when the server does not accept the TSIG key.
var ErrKeyRejected = errors.New("TSIG key rejected")

// ErrNoZone is returned (wrapped) when the server does not serve the zone or refuses
// to transfer it.
var ErrNoZone = errors.New("zone does not exist or transfer refused")

// ErrUnreachable is returned (wrapped) when the server cannot be reached or does not
// answer in time.
var ErrUnreachable = errors.New("DNS server unreachable")

// isTSIGError reports whether err is miekg/dns's verdict on a bad or missing TSIG.
func isTSIGError(err error) bool {
	return errors.Is(err, dns.ErrSig) || errors.Is(err, dns.ErrAuth) || errors.Is(err, dns.ErrTime) ||
		errors.Is(err, dns.ErrKeyAlg) || errors.Is(err, dns.ErrSecret) || errors.Is(err, dns.ErrNoSig)
}

// tsigRcode returns the TSIG error code of an answer (BADSIG, BADKEY, BADTIME), or 0.
func tsigRcode(r *dns.Msg) uint16 {
	if r == nil {
		return 0
	}
	if t := r.IsTsig(); t != nil {
		return t.Error
	}
	return 0
}

func keyRejected(server, zone string) error {
	return fmt.Errorf("%w by %s for zone %s: check key name/algorithm/secret", ErrKeyRejected, server, zone)
}

func noZone(server, zone string) error {
	return fmt.Errorf("zone %s does not exist on %s or transfer refused (%w): check the zone name and that the server serves it to this TSIG key", zone, server, ErrNoZone)
}

// netError explains a failure to talk to the server. write says whether a write was in
// flight, whose outcome is then unknown.
func netError(err error, server, zone string, write bool) error {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: DNS server %s refused the connection for zone %s: check `server` and that the server is running", ErrUnreachable, server, zone)
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		if write {
			return fmt.Errorf("%w: no answer from DNS server %s to the update of zone %s in time; the update may or may not have been applied, run plan again to see", ErrUnreachable, server, zone)
		}
		return fmt.Errorf("%w: no answer from DNS server %s for zone %s in time: check `server`, the firewall and `timeout`", ErrUnreachable, server, zone)
	}
	return fmt.Errorf("%w: talking to DNS server %s for zone %s: %v", ErrUnreachable, server, zone, err)
}

// updateError explains an UPDATE answer that is not NOERROR.
func updateError(r *dns.Msg, server, zone string) error {
	if tsigRcode(r) != 0 {
		return keyRejected(server, zone)
	}
	rc := dns.RcodeToString[r.Rcode]
	switch r.Rcode {
	case dns.RcodeNXRrset, dns.RcodeYXRrset, dns.RcodeNameError, dns.RcodeYXDomain:
		return fmt.Errorf("zone %s %w (%s answered %s to a prerequisite)", zone, providers.ErrChangedSincePlan, server, rc)
	case dns.RcodeNotAuth:
		return noZone(server, zone)
	case dns.RcodeRefused:
		return fmt.Errorf("DNS server %s refused the update of zone %s: check that it allows updates with this TSIG key", server, zone)
	case dns.RcodeNotZone:
		return fmt.Errorf("DNS server %s says a record is outside zone %s (NOTZONE): check the zone of the dns_record", server, zone)
	}
	return fmt.Errorf("DNS server %s answered %s to the update of zone %s: see the server's log", server, rc, zone)
}
