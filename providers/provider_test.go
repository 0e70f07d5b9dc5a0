package providers

import (
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/model"
)

func TestParseDurations(t *testing.T) {
	var timeout, retry time.Duration = time.Second, time.Minute
	if err := ParseDurations("exmail", model.Object{"timeout": "2s"}, map[string]*time.Duration{"timeout": &timeout, "retry_timeout": &retry}); err != nil {
		t.Fatal(err)
	}
	if timeout != 2*time.Second || retry != time.Minute {
		t.Fatalf("timeout %s, retry_timeout %s: want 2s and the default left alone", timeout, retry)
	}
	for _, bad := range []string{"soon", "-5s", "0s", "30"} {
		err := ParseDurations("dnspod", model.Object{"retry_timeout": bad}, map[string]*time.Duration{"retry_timeout": &retry})
		if err == nil || !strings.Contains(err.Error(), `dnspod provider: retry_timeout "`+bad+`" is not a positive duration`) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
