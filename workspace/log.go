package workspace

import (
	"bytes"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
)

// logLevel is the slog level MAILFORM_LOG asks for, and whether to log at all.
func logLevel(v string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "debug", "trace", "1", "true":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return 0, false
}

// NewLogWriter returns the writer providers log their debug lines to: each line
// becomes one log/slog record with its time and level on w, its secrets redacted.
func NewLogWriter(w io.Writer, level slog.Level) io.Writer {
	h := slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindString {
			a.Value = slog.StringValue(Redact(a.Value.String()))
		}
		return a
	}})
	return &logWriter{l: slog.New(h)}
}

// logWriter turns written lines into debug records.
type logWriter struct {
	mu  sync.Mutex
	l   *slog.Logger
	buf []byte
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(w.buf[:i]), "\r")
		w.buf = w.buf[i+1:]
		if line != "" {
			w.l.Debug(line)
		}
	}
	return len(p), nil
}

// secretParam matches the values of parameters and fields that carry credentials,
// in query strings, headers, JSON and key=value text.
var secretParam = regexp.MustCompile(`(?i)((?:access_token|corpsecret|secret|secret_key|secretkey|password|passwd|key_secret|token|signature|authorization)"?\s*[=:]\s*"?)(?:Bearer\s+|TC3-HMAC-SHA256\s+)?[^\s&",}]+`)

// Redact replaces credential values in s with REDACTED; providers redact their
// own lines, and this is the second line of defence for every line logged.
func Redact(s string) string {
	return secretParam.ReplaceAllString(s, "${1}REDACTED")
}
