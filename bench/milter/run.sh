#!/usr/bin/env bash
# Measures what `mailform milter` costs a message, and prints the figures:
#  1. through the real Postfix (providers/postfix/mailtest, needs root and the mail
#     packages): mail transactions with a PDF attachment in one authenticated TLS
#     submission session, with the milter in smtpd_milters and without it; the
#     difference is the latency it adds;
#  2. the milter alone (enforce/milter): one milter session over loopback as Postfix
#     opens it, and the decision time at end of message, rules loaded from PostgreSQL;
#     and one reload of 1,000 rules over 10,000 mailboxes.
#
#   bench/milter/run.sh            MESSAGES=200 COUNT=3 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
MESSAGES="${MESSAGES:-200}"
COUNT="${COUNT:-3}"
out="bench/out/milter"
mkdir -p "$out"

echo "== through Postfix: $MESSAGES submissions per run, $COUNT runs each (bench/out/milter/postfix.txt)"
go test ./providers/postfix/mailtest -run '^$' -bench BenchmarkMilterAddedLatency \
	-benchtime "${MESSAGES}x" -count "$COUNT" -timeout 20m | tee "$out/postfix.txt" | grep -E '^Benchmark|FAIL|skipped' || true
awk '
	/^BenchmarkMilterAddedLatency\/without_milter/ { for (i = 1; i < NF; i++) if ($(i+1) == "ms/msg") off[++n0] = $i }
	/^BenchmarkMilterAddedLatency\/with_milter/    { for (i = 1; i < NF; i++) if ($(i+1) == "ms/msg") on[++n1] = $i }
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		if (!n0 || !n1) { print "no figures (are the mail servers installed and is this root?)"; exit 1 }
		a = median(off, n0); b = median(on, n1)
		printf "submission without the milter  %7.2f ms/msg (median of %d runs)\n", a, n0
		printf "submission with the milter     %7.2f ms/msg (median of %d runs)\n", b, n1
		printf "added by the milter            %7.2f ms/msg\n", b - a
	}' "$out/postfix.txt"

echo "== the milter alone (bench/out/milter/milter.txt)"
go test ./enforce/milter -run '^$' -bench 'BenchmarkMilterMessage|BenchmarkLoadRules' -benchtime 2s -count "$COUNT" | tee "$out/milter.txt" | grep -E '^Benchmark|FAIL' || true
awk '
	/^BenchmarkMilterMessage\// {
		split($1, p, "/"); sub(/-[0-9]+$/, "", p[2])
		for (i = 1; i < NF; i++) { if ($(i+1) == "µs/session") s[p[2]] += $i; if ($(i+1) == "µs/decision") d[p[2]] += $i }
		n[p[2]]++
	}
	/^BenchmarkLoadRules/ { load += $3; loads++ }
	END {
		for (k in n) printf "milter %-6s session %7.1f µs, decision at end of message %6.1f µs (mean of %d runs)\n", k, s[k] / n[k], d[k] / n[k], n[k]
		if (loads) printf "reload of 1,000 rules over 10,000 mailboxes %6.0f ms (mean of %d runs; in the background, messages use the previous rules meanwhile)\n", load / loads / 1e6, loads
	}' "$out/milter.txt"
