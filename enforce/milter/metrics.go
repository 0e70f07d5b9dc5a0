package milter

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the milter's counters, served on /metrics in Prometheus text format.
type metrics struct {
	reg *prometheus.Registry
	// decisions counts messages by what the milter did: copied (a backup recipient
	// was added), passed (no rule matched), or the fail action taken without rules
	// (tempfail, reject, accept). A message whose backup mailbox is already a
	// recipient counts as copied.
	decisions *prometheus.CounterVec
	// matches counts rule matches by rule label.
	matches *prometheus.CounterVec
	// copies counts backup recipients added, by destination.
	copies *prometheus.CounterVec
	// loads counts loads of the rules: ok, or error for each failed attempt to
	// connect, listen or load (each followed by a retry).
	loads   *prometheus.CounterVec
	rules   prometheus.Gauge
	loaded  prometheus.Gauge
	seconds prometheus.Histogram
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailform_milter_messages_total",
			Help: "Messages by decision: copied, passed, or the fail action (tempfail, reject, accept) taken while no rules are loaded."}, []string{"decision"}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailform_milter_rule_matches_total",
			Help: "Messages each backup rule matched."}, []string{"rule"}),
		copies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailform_milter_copies_total",
			Help: "Backup recipients added, by backup mailbox."}, []string{"destination"}),
		loads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailform_milter_rule_loads_total",
			Help: "Loads of the backup rules from the mail database, by result: ok, or error (connect, listen or load failed; retried)."}, []string{"result"}),
		rules: prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailform_milter_rules",
			Help: "Backup rules currently loaded."}),
		loaded: prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailform_milter_rules_loaded_timestamp_seconds",
			Help: "Unix time of the last successful load of the backup rules."}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mailform_milter_processing_seconds",
			Help:    "Time the milter spends deciding on one message at end of message.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}}),
	}
	for _, d := range []string{"copied", "passed", "tempfail", "reject", "accept"} {
		m.decisions.WithLabelValues(d)
	}
	for _, r := range []string{"ok", "error"} {
		m.loads.WithLabelValues(r)
	}
	m.reg.MustRegister(m.decisions, m.matches, m.copies, m.loads, m.rules, m.loaded, m.seconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
