package state

import (
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/providers/unreachable"
)

// Listing the pg workspaces of a server that accepts the connection and never
// answers fails within the connection string's connect_timeout.
func TestPGWorkspacesListHangingServer(t *testing.T) {
	host := strings.TrimPrefix(unreachable.Hanging(t, ""), "http://")
	ws := PGWorkspaces{Config: PGConfig{ConnStr: "postgres://mailform@" + host + "/mailform?sslmode=disable&connect_timeout=1"}}
	start := time.Now()
	if _, err := ws.List(); err == nil {
		t.Fatal("List against a server that never answers succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("List against a server that never answers took %s", d)
	}
}
