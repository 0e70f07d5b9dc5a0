// Package unreachable starts the endpoints a provider must fail against quickly and
// clearly, for tests: an address where nothing listens, a server that answers every
// request with an HTTP error, and one that accepts connections and never answers.
package unreachable

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Refused returns an http:// base URL (ending in path) at which nothing listens.
func Refused(t testing.TB, path string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + path
}

// Failing returns the base URL of a server that answers every request with status.
func Failing(t testing.TB, status int, path string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, http.StatusText(status), status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + path
}

// Hanging returns the base URL of a server that accepts connections and never
// answers; the connections are closed when the test ends.
func Hanging(t testing.TB, path string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + path
}
