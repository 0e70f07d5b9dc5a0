package unreachable

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestEndpoints(t *testing.T) {
	c := &http.Client{Timeout: 300 * time.Millisecond}
	if _, err := c.Get(Refused(t, "/")); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("refused: %v", err)
	}
	resp, err := c.Get(Failing(t, http.StatusBadGateway, "/x"))
	if err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Errorf("failing: %v %v", resp, err)
	}
	if _, err := c.Get(Hanging(t, "/")); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("hanging: %v", err)
	}
}
