package live

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestMetricsServesPrometheusText(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "live_test_things_total", Help: "Things."}, []string{"kind"})
	reg.MustRegister(c)
	c.WithLabelValues("odd").Add(3)
	m, err := ListenMetrics("127.0.0.1:0", reg)
	if err != nil {
		t.Fatal(err)
	}
	errc := m.Serve()
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get("http://" + m.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("status %d, Content-Type %q; want 200 and Prometheus text", resp.StatusCode, ct)
	}
	for _, want := range []string{"# TYPE live_test_things_total counter", `live_test_things_total{kind="odd"} 3`} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("/metrics lacks %s:\n%s", want, body)
		}
	}
	if resp, err := hc.Get("http://" + m.Addr().String() + "/other"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("/other: %v %v; want 404", resp, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.Shutdown(ctx)
	if _, err := hc.Get("http://" + m.Addr().String() + "/metrics"); err == nil {
		t.Fatal("/metrics still served after Shutdown")
	}
	select {
	case err := <-errc:
		t.Fatalf("Shutdown reported as a serving error: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestMetricsNoneAndBusyAddress(t *testing.T) {
	m, err := ListenMetrics("", prometheus.NewRegistry())
	if err != nil || m != nil || m.Addr() != nil {
		t.Fatalf("ListenMetrics(\"\") = %v, %v; want no server", m, err)
	}
	m.Serve()
	m.Shutdown(context.Background())
	m.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := ListenMetrics(ln.Addr().String(), prometheus.NewRegistry()); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("busy address: %v; want address already in use", err)
	}
}

func TestNewLogger(t *testing.T) {
	var b bytes.Buffer
	log, err := NewLogger(&b, "json", "warn")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", "k", "v")
	if got := b.String(); strings.Contains(got, "hidden") || !strings.Contains(got, `"msg":"shown","k":"v"`) {
		t.Fatalf("json at warn logged %q", got)
	}
	b.Reset()
	log, _ = NewLogger(&b, "text", "")
	log.Debug("hidden")
	log.Info("shown")
	if got := b.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "level=INFO msg=shown") {
		t.Fatalf("text at the default level logged %q", got)
	}
	if _, err := NewLogger(&b, "xml", "info"); !errors.Is(err, ErrLogFormat) {
		t.Fatalf("format xml: %v; want ErrLogFormat", err)
	}
	if _, err := NewLogger(&b, "text", "loud"); !errors.Is(err, ErrLogLevel) {
		t.Fatalf("level loud: %v; want ErrLogLevel", err)
	}
}
