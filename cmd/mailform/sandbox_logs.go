package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/mailform/mailform/providers/exmail/exmailapi"
)

// logGenFlags configure the history `sandbox serve` answers on the log endpoints.
type logGenFlags struct {
	days  int
	seed  int64
	today string
	idle  []string
	ops   []string
}

func (f *logGenFlags) add(fl *pflag.FlagSet) {
	fl.IntVar(&f.days, "log-days", 0, "days of generated log history before today (logins, mail, admin operations); only the last 31 are answerable, as in the console")
	fl.Int64Var(&f.seed, "log-seed", 1, "seed of the generated logs: the same seed gives the same rows")
	fl.StringVar(&f.today, "log-today", "", "the log endpoints' clock, a date (2026-06-01, the day just begun) or an RFC 3339 time; default now")
	fl.StringArrayVar(&f.idle, "log-idle", nil, "ADDRESS=DAYS: the account has not logged in for DAYS days (repeatable)")
	fl.StringArrayVar(&f.ops, "log-operation", nil,
		"DAYS_AGO:TYPE:OPERATOR[:OPERAND[:REMARK]]: an extra operation-log row, e.g. 3:35:boss@example.com:finance backup (type 35 sets mail backup; repeatable)")
}

// options turns the flags into the handler's log options.
func (f logGenFlags) options() (exmailapi.LogOptions, error) {
	o := exmailapi.LogOptions{Days: f.days, Seed: f.seed, Idle: map[string]int{}}
	if f.days < 0 {
		return o, fmt.Errorf("sandbox serve: --log-days cannot be negative")
	}
	if f.today != "" {
		var t time.Time
		var err error
		if len(f.today) == len("2006-01-02") {
			t, err = time.ParseInLocation("2006-01-02", f.today, exmailapi.LogLocation)
			t = t.Add(time.Minute)
		} else {
			t, err = time.Parse(time.RFC3339, f.today)
		}
		if err != nil {
			return o, fmt.Errorf("sandbox serve: --log-today %q is not a date like 2026-06-01 or an RFC 3339 time", f.today)
		}
		o.Now = func() time.Time { return t }
	}
	for _, s := range f.idle {
		addr, days, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(days)
		if !ok || err != nil || n < 0 || !strings.Contains(addr, "@") {
			return o, fmt.Errorf("sandbox serve: --log-idle %q is not ADDRESS=DAYS", s)
		}
		o.Idle[strings.ToLower(addr)] = n
	}
	for _, s := range f.ops {
		p := strings.SplitN(s, ":", 5)
		if len(p) < 3 {
			return o, fmt.Errorf("sandbox serve: --log-operation %q is not DAYS_AGO:TYPE:OPERATOR[:OPERAND[:REMARK]]", s)
		}
		ago, err1 := strconv.Atoi(p[0])
		typ, err2 := strconv.Atoi(p[1])
		if err1 != nil || err2 != nil || ago < 0 {
			return o, fmt.Errorf("sandbox serve: --log-operation %q: DAYS_AGO and TYPE are whole numbers", s)
		}
		op := exmailapi.LogOperation{DaysAgo: ago, Type: typ, Operator: p[2]}
		if len(p) > 3 {
			op.Operand = p[3]
		}
		if len(p) > 4 {
			op.Remark = p[4]
		}
		o.Operations = append(o.Operations, op)
	}
	return o, nil
}
