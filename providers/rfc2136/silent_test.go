package rfc2136

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers"
)

// silentServer accepts UDP and TCP on one port and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, err := net.ListenPacket("udp", l.Addr().String())
	if err != nil {
		_ = l.Close()
		t.Skipf("cannot listen on UDP %s too: %v", l.Addr(), err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		_ = u.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

func TestSilentServer(t *testing.T) {
	addr := silentServer(t)
	rec := model.Object{"zone": "z.test", "name": "www", "type": "A", "records": []string{"192.0.2.1"}}
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			p, err := New(model.Object{"server": addr, "timeout": "300ms", "transport": transport}, providers.Env{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Create(context.Background(), "dns_record", "www", rec)
			if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "may or may not have been applied") || !strings.Contains(err.Error(), addr) {
				t.Errorf("create err = %v, want an unknown-outcome error naming %s", err, addr)
			}
		})
	}
	p, _ := New(model.Object{"server": addr, "timeout": "300ms"}, providers.Env{})
	_, err := p.Read(context.Background(), providers.ReadRequest{Type: "dns_record", Zones: []string{"z.test"}})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "no answer from DNS server "+addr+" for zone z.test") {
		t.Errorf("read err = %v, want a no-answer error naming the server and zone", err)
	}
}

func TestCancelledContext(t *testing.T) {
	addr := silentServer(t)
	p, _ := New(model.Object{"server": addr, "timeout": "1m", "transport": "tcp"}, providers.Env{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Read(ctx, providers.ReadRequest{Type: "dns_record", Zones: []string{"z.test"}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("read err = %v, want context.Canceled", err)
	}
	rec := model.Object{"zone": "z.test", "name": "www", "type": "A", "records": []string{"192.0.2.1"}}
	// A delete first reads the zone it has not seen, and stops there.
	if err := p.Delete(ctx, "dns_record", "z.test/www/A", rec); !errors.Is(err, context.Canceled) {
		t.Errorf("delete err = %v, want context.Canceled", err)
	}
	_, err = p.Create(ctx, "dns_record", "www", rec)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "run plan again") {
		t.Errorf("create err = %v, want context.Canceled saying to plan again", err)
	}
}
