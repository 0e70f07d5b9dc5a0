// Package dnsserver serves the zones of a sandbox tenant as an authoritative DNS
// server: queries over UDP and TCP, AXFR, and RFC 2136 UPDATE, TSIG-protected when a
// key is configured. Every UPDATE is applied in one store transaction, so the
// rfc2136 provider, dig and nsupdate see the same tenant as the sandbox provider.
//
// SOA and NS records are synthesised for every zone with records or a domain object;
// the SOA serial is the store's per-zone serial, which moves on every change.
package dnsserver

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// Options configures a Server.
type Options struct {
	// Addr is where to listen, for UDP and TCP alike ("127.0.0.1:5353"); port 0 picks
	// a free port, the same for both.
	Addr string
	// TSIGName, TSIGAlgo and TSIGSecret (base64) name the one key that may sign
	// UPDATE and AXFR. With a key, unsigned UPDATE and AXFR are refused; without one,
	// they are open (a local sandbox). TSIGAlgo defaults to hmac-sha256.
	TSIGName, TSIGAlgo, TSIGSecret string
	// NS is the host name of the synthesised NS and SOA MNAME; default "ns1.<zone>".
	NS string
}

// Server is an authoritative DNS server for a tenant's zones.
type Server struct {
	store   *tenant.Store
	opt     Options
	keyName string // FQDN, lower case; "" without a key

	mu      sync.Mutex
	servers []*dns.Server
	addr    string
}

// New checks opt and makes a server for store; Start starts it.
func New(store *tenant.Store, opt Options) (*Server, error) {
	s := &Server{store: store, opt: opt}
	if opt.Addr == "" {
		s.opt.Addr = "127.0.0.1:53"
	}
	if opt.TSIGName != "" || opt.TSIGSecret != "" {
		if opt.TSIGName == "" || opt.TSIGSecret == "" {
			return nil, errors.New("dns server: a TSIG key needs both a name and a secret")
		}
		if _, err := base64.StdEncoding.DecodeString(opt.TSIGSecret); err != nil {
			return nil, fmt.Errorf("dns server: TSIG secret of key %s is not base64; give it as `tsig-keygen` prints it", opt.TSIGName)
		}
		s.keyName = strings.ToLower(dns.Fqdn(opt.TSIGName))
		algo := strings.ToLower(dns.Fqdn(opt.TSIGAlgo))
		if opt.TSIGAlgo == "" {
			algo = dns.HmacSHA256
		}
		switch algo {
		case dns.HmacSHA1, dns.HmacSHA224, dns.HmacSHA256, dns.HmacSHA384, dns.HmacSHA512:
		default:
			return nil, fmt.Errorf("dns server: TSIG algorithm %q is not supported; use hmac-sha256", opt.TSIGAlgo)
		}
		s.opt.TSIGAlgo = algo
	}
	return s, nil
}

// Start listens on UDP and TCP and serves in the background.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers != nil {
		return errors.New("dns server already started")
	}
	pc, l, err := listen(s.opt.Addr)
	if err != nil {
		return fmt.Errorf("dns server: listening on %s: %w", s.opt.Addr, err)
	}
	var secrets map[string]string
	if s.keyName != "" {
		secrets = map[string]string{s.keyName: s.opt.TSIGSecret}
	}
	udp := &dns.Server{PacketConn: pc, Handler: s, TsigSecret: secrets, MsgAcceptFunc: accept}
	tcp := &dns.Server{Listener: l, Handler: s, TsigSecret: secrets, MsgAcceptFunc: accept}
	s.servers = []*dns.Server{udp, tcp}
	s.addr = l.Addr().String()
	for _, srv := range s.servers {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
	}
	return nil
}

// listen binds UDP and TCP on the same port, retrying when port 0 picked a UDP port
// whose TCP twin is taken.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	var lastErr error
	for i := 0; i < 10; i++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		lastErr = err
		if _, port, _ := net.SplitHostPort(addr); port != "0" {
			break
		}
	}
	return nil, nil, lastErr
}

// Addr returns the address the server listens on (UDP and TCP), once started.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Shutdown stops serving; the store stays open.
func (s *Server) Shutdown() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.Shutdown())
	}
	s.servers = nil
	return errors.Join(errs...)
}

// accept lets UPDATE through (miekg/dns refuses it by default) and otherwise keeps
// the library's sanity checks.
func accept(dh dns.Header) dns.MsgAcceptAction {
	if dh.Bits&(1<<15) != 0 { // a response: ignore
		return dns.MsgIgnore
	}
	if int(dh.Bits>>11)&0xF == dns.OpcodeUpdate {
		if dh.Qdcount != 1 {
			return dns.MsgReject
		}
		return dns.MsgAccept
	}
	return dns.DefaultMsgAcceptFunc(dh)
}

// ServeDNS answers one request.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	switch {
	case r.Opcode == dns.OpcodeUpdate:
		s.update(w, r)
	case r.Opcode == dns.OpcodeQuery && len(r.Question) == 1 && r.Question[0].Qtype == dns.TypeAXFR:
		s.axfr(w, r)
	case r.Opcode == dns.OpcodeQuery && len(r.Question) == 1:
		s.query(w, r)
	default:
		s.reply(w, r, new(dns.Msg).SetRcode(r, dns.RcodeNotImplemented))
	}
}

// authorised checks a request's TSIG. It returns true when the request may go on;
// otherwise it has answered NOTAUTH. needKey says whether an unsigned request must be
// refused when a key is configured.
func (s *Server) authorised(w dns.ResponseWriter, r *dns.Msg, needKey bool) bool {
	t := r.IsTsig()
	switch {
	case t == nil && (s.keyName == "" || !needKey):
		return true
	case t == nil:
		s.reply(w, r, new(dns.Msg).SetRcode(r, dns.RcodeNotAuth))
		return false
	case s.keyName == "" || strings.ToLower(t.Hdr.Name) != s.keyName || !strings.EqualFold(dns.Fqdn(t.Algorithm), s.opt.TSIGAlgo):
		// miekg/dns verifies with whatever algorithm the request names, so a key
		// used under another algorithm is refused here, as Knot and BIND do.
		s.refuseTSIG(w, r, t, dns.RcodeBadKey)
		return false
	case w.TsigStatus() != nil:
		code := dns.RcodeBadSig
		if errors.Is(w.TsigStatus(), dns.ErrTime) {
			code = dns.RcodeBadTime
		}
		s.refuseTSIG(w, r, t, code)
		return false
	}
	return true
}

// refuseTSIG answers NOTAUTH with an unsigned TSIG that carries the TSIG error, as
// RFC 8945 §5.3.2 says: the server cannot sign with a key it could not verify.
func (s *Server) refuseTSIG(w dns.ResponseWriter, r *dns.Msg, t *dns.TSIG, code int) {
	m := new(dns.Msg).SetRcode(r, dns.RcodeNotAuth)
	m.Extra = append(m.Extra, &dns.TSIG{
		Hdr:        dns.RR_Header{Name: t.Hdr.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm:  t.Algorithm,
		TimeSigned: t.TimeSigned,
		Fudge:      t.Fudge,
		OrigId:     r.Id,
		Error:      uint16(code),
	})
	if b, err := m.Pack(); err == nil {
		w.Write(b)
	}
}

// reply sends m, signed when the request was validly signed.
func (s *Server) reply(w dns.ResponseWriter, r, m *dns.Msg) {
	if t := r.IsTsig(); t != nil && s.keyName != "" && w.TsigStatus() == nil {
		m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, now())
	}
	w.WriteMsg(m)
}
