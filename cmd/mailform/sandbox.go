package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailform/mailform/model"
	"github.com/mailform/mailform/providers/exmail/exmailapi"
	"github.com/mailform/mailform/providers/sandbox/dnsserver"
	"github.com/mailform/mailform/providers/sandbox/exmailtenant"
	"github.com/mailform/mailform/providers/sandbox/tenant"
)

// serveFlags are the options of `sandbox serve`.
type serveFlags struct {
	dir, httpAddr, dnsAddr string
	corpID                 string
	contacts, options, log string
	tokenTTL, latency      time.Duration
	rateLimit              float64
	faults                 float64
	faultKinds             []string
	seed                   int64
	tsigName, tsigAlgo     string
	tsigSecret             string
	lockTimeout            time.Duration
	dropAnswers            []string
	zones                  []string
	quirks                 bool
	recycleBin             time.Duration
	maxInFlight            int
	groupTags              []string
	logs                   logGenFlags
}

func newSandboxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Work with a local sandbox tenant",
	}
	cmd.AddCommand(newSandboxServeCmd())
	return cmd
}

func newSandboxServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a sandbox directory over an Exmail-compatible HTTP API and as an authoritative DNS server",
		Long: `Serve a sandbox directory (the store the sandbox provider uses) so that the real
exmail and rfc2136 providers, curl and dig can work against it.

The HTTP API follows the Tencent Exmail open API: gettoken with one secret per app
(contacts, options, log; default from EXMAIL_CORP_ID, EXMAIL_CONTACTS_SECRET,
EXMAIL_OPTIONS_SECRET, EXMAIL_LOG_SECRET), the errcode/errmsg envelope and the API's
limits and error codes, with department ids above 2^53 that differ by little, as on a
live tenant. --latency, --rate-limit, --max-in-flight and --faults rehearse a slow,
throttling or failing service; --quirks the behaviours the API's documentation leaves
uncertain. DNS serves the sandbox's zones: queries, AXFR and RFC 2136 UPDATE, signed with
the TSIG key --tsig-name and --tsig-secret (or MAILFORM_TSIG_SECRET) when one is given.

The listening addresses are printed on start. The directory stays locked while serving,
so an in-process sandbox provider on it waits and then fails; stop with Ctrl-C (SIGINT)
or SIGTERM: calls in flight finish and the store is closed cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveSandbox(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", ".sandbox", "the sandbox directory to serve")
	fl.StringVar(&f.httpAddr, "http", "127.0.0.1:8080", `address of the Exmail API ("off" to serve none; port 0 picks a free one)`)
	fl.StringVar(&f.dnsAddr, "dns", "127.0.0.1:5353", `address of the DNS server, UDP and TCP ("off" to serve none)`)
	fl.StringVar(&f.corpID, "corp-id", envOr("EXMAIL_CORP_ID", "sandbox"), "the corpid gettoken accepts (default $EXMAIL_CORP_ID or \"sandbox\")")
	fl.StringVar(&f.contacts, "contacts-secret", "", "secret of the contacts app (default $EXMAIL_CONTACTS_SECRET; prefer the variable, flags show in ps)")
	fl.StringVar(&f.options, "options-secret", "", "secret of the user options app (default $EXMAIL_OPTIONS_SECRET)")
	fl.StringVar(&f.log, "log-secret", "", "secret of the log app (default $EXMAIL_LOG_SECRET)")
	fl.DurationVar(&f.tokenTTL, "token-ttl", 7200*time.Second, "lifetime of an access token (expires_in)")
	fl.DurationVar(&f.latency, "latency", 0, "delay added to every API call")
	fl.Float64Var(&f.rateLimit, "rate-limit", 0, "calls per second above which calls answer errcode 45009 (0 = no limit)")
	fl.Float64Var(&f.faults, "faults", 0, "fraction (0–1) of API calls that fail at random, split evenly over --fault-kinds")
	fl.StringSliceVar(&f.faultKinds, "fault-kinds", []string{"busy", "502", "drop"},
		"kinds of random fault: busy (errcode -1, nothing done), throttle (45009), 502 (done, then HTTP 502), drop (done, then the connection is closed)")
	fl.Int64Var(&f.seed, "seed", 1, "seed of the random faults, for reproducible rehearsals")
	fl.StringVar(&f.tsigName, "tsig-name", "", "name of the TSIG key that may UPDATE and AXFR (none = open)")
	fl.StringVar(&f.tsigAlgo, "tsig-algorithm", "hmac-sha256", "algorithm of the TSIG key")
	fl.StringVar(&f.tsigSecret, "tsig-secret", "", "base64 secret of the TSIG key (default $MAILFORM_TSIG_SECRET)")
	fl.StringArrayVar(&f.zones, "zone", nil,
		"declare a zone in the sandbox (a domain object) so DNS serves it before it has records (repeatable)")
	fl.StringArrayVar(&f.dropAnswers, "drop-answer", nil,
		"ENDPOINT=N: do the Nth call of ENDPOINT (e.g. user/create=1), then close the connection without answering (repeatable)")
	fl.DurationVar(&f.lockTimeout, "lock-timeout", tenant.DefaultLockTimeout, "how long to wait for another process to release the directory")
	fl.BoolVar(&f.quirks, "quirks", false,
		"turn on the behaviours the doc copies disagree about: user/list items without enable; a department order of 1–10000 stored as 0; "+
			"group/get with taglist, tag-based members the API cannot set (see --group-tags), kept by group/update")
	fl.DurationVar(&f.recycleBin, "recycle-bin", time.Minute,
		"how long a deleted account's address stays in the recycle bin, during which user/create of it answers errcode 60116; "+
			"short so a rehearsal can wait it out (the real service's window is not documented); 0 = no recycle bin; a restart empties the bin")
	fl.IntVar(&f.maxInFlight, "max-in-flight", 0,
		"most API calls served at once; one more answers errcode 40093 (too many concurrent calls); the real service publishes no limit; 0 = no limit")
	fl.StringArrayVar(&f.groupTags, "group-tags", nil,
		"ADDRESS=TAGID[,TAGID…]: give the group at ADDRESS tag-based members, as the new console does (repeatable); "+
			"they count as members, group/get shows them with --quirks, and they last while serving")
	f.logs.add(fl)
	return cmd
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

var faultKinds = map[string]exmailapi.Fault{
	"busy": exmailapi.FaultBusy, "throttle": exmailapi.FaultThrottle,
	"502": exmailapi.FaultBadGateway, "drop": exmailapi.FaultDrop,
}

// handlerOptions turns the flags into the Exmail handler's options.
func (f serveFlags) handlerOptions(counters *exmailapi.Counters) (exmailapi.Options, error) {
	o := exmailapi.Options{
		CorpID:   f.corpID,
		Secrets:  map[string]string{},
		TokenTTL: f.tokenTTL, Latency: f.latency, RateLimit: f.rateLimit,
		Seed: f.seed, Counters: counters,
	}
	for app, v := range map[string]string{
		exmailapi.AppContacts: orString(f.contacts, os.Getenv("EXMAIL_CONTACTS_SECRET")),
		exmailapi.AppOptions:  orString(f.options, os.Getenv("EXMAIL_OPTIONS_SECRET")),
		exmailapi.AppLog:      orString(f.log, os.Getenv("EXMAIL_LOG_SECRET")),
	} {
		if v != "" {
			o.Secrets[app] = v
		}
	}
	if o.Secrets[exmailapi.AppContacts] == "" {
		return o, errors.New("sandbox serve: the Exmail API needs the contacts app's secret: set EXMAIL_CONTACTS_SECRET (or --contacts-secret), or serve DNS only with --http off")
	}
	if f.tokenTTL < time.Second {
		return o, fmt.Errorf("sandbox serve: --token-ttl %s is shorter than a second; expires_in counts whole seconds", f.tokenTTL)
	}
	if f.latency < 0 || f.rateLimit < 0 || f.recycleBin < 0 || f.maxInFlight < 0 {
		return o, errors.New("sandbox serve: --latency, --rate-limit, --recycle-bin and --max-in-flight cannot be negative")
	}
	o.Quirks, o.RecycleWindow, o.MaxInFlight = f.quirks, f.recycleBin, f.maxInFlight
	var err error
	if o.Logs, err = f.logs.options(); err != nil {
		return o, err
	}
	if f.faults < 0 || f.faults > 1 {
		return o, fmt.Errorf("sandbox serve: --faults %g is not a fraction between 0 and 1", f.faults)
	}
	if f.faults > 0 {
		o.Faults = map[exmailapi.Fault]float64{}
		for _, k := range f.faultKinds {
			fk, ok := faultKinds[strings.TrimSpace(k)]
			if !ok {
				return o, fmt.Errorf("sandbox serve: --fault-kinds %q is not one of busy, throttle, 502, drop", k)
			}
			o.Faults[fk] += f.faults / float64(len(f.faultKinds))
		}
	}
	return o, nil
}

func orString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func off(addr string) bool { return addr == "" || strings.EqualFold(addr, "off") }

// serveSandbox serves until ctx ends or SIGINT/SIGTERM arrives, then stops the
// servers (letting calls in flight finish) and closes the store.
func serveSandbox(ctx context.Context, out io.Writer, f serveFlags) error {
	if off(f.httpAddr) && off(f.dnsAddr) {
		return fail("sandbox serve: both --http and --dns are off; there is nothing to serve")
	}
	counters := &exmailapi.Counters{}
	var opts exmailapi.Options
	if !off(f.httpAddr) {
		var err error
		if opts, err = f.handlerOptions(counters); err != nil {
			return fail("%s", err)
		}
	}
	// The variable is only the default secret of a key named with --tsig-name: a
	// MAILFORM_TSIG_SECRET left in the environment for the rfc2136 provider must not
	// make an open sandbox DNS server refuse to start.
	if f.tsigSecret == "" && f.tsigName != "" {
		f.tsigSecret = os.Getenv("MAILFORM_TSIG_SECRET")
	}
	if !off(f.dnsAddr) {
		switch {
		case f.tsigName == "" && f.tsigSecret != "":
			return fail("sandbox serve: --tsig-secret is set but --tsig-name is not; name the key with --tsig-name, or leave both out for an open DNS server")
		case f.tsigName != "" && f.tsigSecret == "":
			return fail("sandbox serve: TSIG key %s has no secret; pass --tsig-secret or set MAILFORM_TSIG_SECRET (base64)", f.tsigName)
		}
	}
	var dnsSrv *dnsserver.Server
	store, err := tenant.Open(f.dir, tenant.Options{LockTimeout: f.lockTimeout})
	if err != nil {
		return fail("%s", err)
	}
	defer store.Close()
	if err := declareZones(store, f.zones); err != nil {
		return fail("%s", err)
	}

	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var httpSrv *http.Server
	httpDone := make(chan error, 1)
	fmt.Fprintf(out, "Serving sandbox %s\n", f.dir)
	if !off(f.httpAddr) {
		t, err := exmailtenant.New(store)
		if err != nil {
			return fail("%s", err)
		}
		ln, err := net.Listen("tcp", f.httpAddr)
		if err != nil {
			return fail("sandbox serve: --http %s: %v", f.httpAddr, err)
		}
		if err := seedGroupTags(t, f.groupTags); err != nil {
			return fail("%s", err)
		}
		h, err := dropAnswers(exmailapi.NewHandler(t, opts), f.dropAnswers)
		if err != nil {
			return fail("%s", err)
		}
		httpSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() { httpDone <- httpSrv.Serve(ln) }()
		fmt.Fprintf(out, "exmail API: http://%s/cgi-bin/\n", ln.Addr())
	}
	if !off(f.dnsAddr) {
		dnsSrv, err = dnsserver.New(store, dnsserver.Options{Addr: f.dnsAddr,
			TSIGName: f.tsigName, TSIGAlgo: f.tsigAlgo, TSIGSecret: f.tsigSecret})
		if err == nil {
			err = dnsSrv.Start()
		}
		if err != nil {
			if httpSrv != nil {
				httpSrv.Close()
			}
			return fail("sandbox serve: --dns %s: %v", f.dnsAddr, err)
		}
		key := "no TSIG key: UPDATE and AXFR are open"
		if f.tsigName != "" {
			key = "TSIG key " + f.tsigName
		}
		fmt.Fprintf(out, "DNS: %s (udp, tcp; %s)\n", dnsSrv.Addr(), key)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-httpDone:
	}
	stop()
	// Every write is committed before it is answered, so stopping loses nothing:
	// Shutdown lets calls in flight finish their transaction and answer.
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	if httpSrv != nil {
		errs = append(errs, httpSrv.Shutdown(shutCtx))
	}
	if dnsSrv != nil {
		errs = append(errs, dnsSrv.Shutdown())
	}
	errs = append(errs, store.Close())
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		errs = append(errs, serveErr)
	}
	if err := errors.Join(errs...); err != nil {
		return fail("sandbox serve: stopping: %v", err)
	}
	fmt.Fprintf(out, "Stopped; %s\n", callSummary(counters))
	return nil
}

// seedGroupTags gives groups the tag-based members of --group-tags.
func seedGroupTags(t *exmailtenant.Tenant, specs []string) error {
	for _, s := range specs {
		addr, list, ok := strings.Cut(s, "=")
		var tags []int64
		for _, x := range strings.Split(list, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil || n <= 0 {
				ok = false
				break
			}
			tags = append(tags, n)
		}
		if !ok || !strings.Contains(addr, "@") {
			return fmt.Errorf("sandbox serve: --group-tags %q is not ADDRESS=TAGID[,TAGID…], e.g. all@example.com=7,9", s)
		}
		t.SetGroupTags(addr, tags)
	}
	return nil
}

// declareZones stores a domain object for each zone the sandbox does not hold yet.
func declareZones(store *tenant.Store, zones []string) error {
	for _, z := range zones {
		name := model.CanonicalDomain(z)
		if _, err := store.Get(model.Domain.Name, name); err == nil {
			continue
		} else if !errors.Is(err, tenant.ErrNotFound) {
			return fmt.Errorf("sandbox serve: --zone %s: %w", z, err)
		}
		if _, err := store.Create(model.Domain.Name, "", model.Object{"name": name}); err != nil {
			return fmt.Errorf("sandbox serve: --zone %s: %w", z, err)
		}
	}
	return nil
}

// callSummary says how many API calls were served, per endpoint.
func callSummary(c *exmailapi.Counters) string {
	snap := c.Snapshot()
	if len(snap) == 0 {
		return "no API calls served."
	}
	names := make([]string, 0, len(snap))
	for n := range snap {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, snap[n])
	}
	return fmt.Sprintf("%d API calls served (%s).", c.Total(), strings.Join(parts, ", "))
}

// dropAnswers wraps h so that the chosen calls ("user/create=1": the first
// user/create) are carried out but never answered: the connection closes as if the
// network failed after the write, the case a client must not answer with a blind retry.
func dropAnswers(h http.Handler, specs []string) (http.Handler, error) {
	if len(specs) == 0 {
		return h, nil
	}
	want := map[string]map[int]bool{}
	for _, s := range specs {
		ep, n, ok := strings.Cut(s, "=")
		i, err := strconv.Atoi(n)
		if !ok || err != nil || i < 1 || ep == "" {
			return nil, fmt.Errorf("sandbox serve: --drop-answer %q is not ENDPOINT=N, e.g. user/create=1", s)
		}
		ep = strings.TrimPrefix(strings.TrimPrefix(ep, "/"), "cgi-bin/")
		if want[ep] == nil {
			want[ep] = map[int]bool{}
		}
		want[ep][i] = true
	}
	var mu sync.Mutex
	seen := map[string]int{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"), "cgi-bin/")
		mu.Lock()
		seen[ep]++
		drop := want[ep][seen[ep]]
		mu.Unlock()
		if !drop {
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(discard{header: http.Header{}}, r)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}), nil
}

// discard is a ResponseWriter that throws the answer away.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
