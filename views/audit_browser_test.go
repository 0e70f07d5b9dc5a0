package views

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// RequireBrowserEnv turns a missing chromium into a failure of the browser test
// instead of a skip.
const RequireBrowserEnv = "MAILFORM_REQUIRE_BROWSER"

func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium found in PATH; install it with scripts/install-test-deps.sh (apt-get install chromium)"
	if os.Getenv(RequireBrowserEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skipf("audit HTML browser test skipped: %s (set %s=1 to make this a failure)", msg, RequireBrowserEnv)
	return ""
}

// TestAuditHTMLInABrowser opens the report in headless chromium with the network
// cut off: the page loads without console errors or exceptions, and the findings and
// the four charts' bars are in the rendered DOM.
func TestAuditHTMLInABrowser(t *testing.T) {
	exe := chromiumPath(t)
	page := filepath.Join(t.TempDir(), "audit.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteAuditHTML(f, sampleAudit()); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// A page that logs an error proves that problems are seen at all.
	bad := filepath.Join(t.TempDir(), "bad.html")
	if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><title>bad</title><script>console.error("seen")</script>`), 0o644); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("proxy-server", "127.0.0.1:9"), // anything fetched from the network fails
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 45*time.Second)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, "console."+string(e.Type))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	seen := func() []string {
		mu.Lock()
		defer mu.Unlock()
		p := problems
		problems = nil
		return p
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+bad)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(seen()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the console error of a bad page was never seen: the check below would prove nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady(chromedp.CSS("#chart-sent-outside"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	findings, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#findings tr.finding").length`))
	if err != nil {
		t.Fatal(err)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".chart svg rect[class]").length`))
	if err != nil {
		t.Fatal(err)
	}
	fetched, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").length`))
	if err != nil {
		t.Fatal(err)
	}
	summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#summary")))
	if err != nil {
		t.Fatal(err)
	}
	titles, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".chart h2")).map(h => h.textContent).join("|")`))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let late console events arrive
	if p := seen(); len(p) > 0 {
		t.Fatalf("the report logged problems: %v", p)
	}
	if fetched != 0 {
		t.Fatalf("the report fetched %d resources; it must be self-contained", fetched)
	}
	if findings != 1 || !strings.Contains(summary, "1 findings") {
		t.Fatalf("findings in the DOM: %d rows, summary %q", findings, summary)
	}
	// Finance active + departed, second factor on + off, one day of logins, one
	// department sending outside, and the three legend swatches.
	if bars < 6 {
		t.Fatalf("only %d chart bars rendered", bars)
	}
	for _, want := range []string{"Accounts by status", "Second-factor", "Logins per day", "Mail sent outside"} {
		if !strings.Contains(titles, want) {
			t.Fatalf("chart %q missing from %q", want, titles)
		}
	}
}
