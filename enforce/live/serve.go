package live

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves reg on /metrics in Prometheus text format.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// Metrics is a listening /metrics HTTP server.
type Metrics struct {
	ln  net.Listener
	srv *http.Server
}

// ListenMetrics opens addr for the /metrics of reg; Serve serves it. An addr of
// "" serves none: it returns nil, whose methods do nothing.
func ListenMetrics(addr string, reg *prometheus.Registry) (*Metrics, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Metrics{ln: ln, srv: &http.Server{Handler: MetricsHandler(reg), ReadHeaderTimeout: 10 * time.Second}}, nil
}

// Addr is the listening address, nil for no server.
func (m *Metrics) Addr() net.Addr {
	if m == nil {
		return nil
	}
	return m.ln.Addr()
}

// Serve serves in the background; the returned channel gets the error that
// stopped it other than Shutdown or Close (never, for no server).
func (m *Metrics) Serve() <-chan error {
	errc := make(chan error, 1)
	if m == nil {
		return errc
	}
	go func() {
		if err := m.srv.Serve(m.ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	return errc
}

// Shutdown stops the server, waiting for requests being answered until ctx ends.
func (m *Metrics) Shutdown(ctx context.Context) {
	if m != nil {
		m.srv.Shutdown(ctx)
	}
}

// Close closes the listener of a server not yet serving, or stops one serving.
func (m *Metrics) Close() {
	if m != nil {
		m.srv.Close()
		m.ln.Close()
	}
}

// Errors of NewLogger; each service words them for its flags.
var (
	ErrLogFormat = errors.New("the log format is not one of text, json")
	ErrLogLevel  = errors.New("the log level is not one of debug, info, warn, error")
)

// NewLogger logs to w in format ("text" or "json") from level ("debug", "info",
// "warn", "error"; "" means info).
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var l slog.Level
	if level != "" {
		if err := l.UnmarshalText([]byte(level)); err != nil {
			return nil, ErrLogLevel
		}
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, ErrLogFormat
}

// SignalContext ends on SIGTERM or SIGINT, the signals that stop a service
// gracefully; stop releases the signals.
func SignalContext(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}
