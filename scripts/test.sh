#!/usr/bin/env bash
# Runs every test of mailform on a fresh machine: installs the servers the tests run
# against when missing (Knot and BIND for the rfc2136 tests, PostgreSQL for the pg
# state backend and the postfix provider, Postfix and Dovecot for its mail tests,
# from Debian's packages), then vet, the whole suite, and the race
# detector on the packages that run in parallel. The tests start their own servers;
# no system service is used.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-deps.sh
export PATH="$PATH:/usr/sbin:/sbin"
export MAILFORM_REQUIRE_DNS_SERVERS=1
# A missing PostgreSQL fails the pg backend tests instead of skipping them.
export MAILFORM_REQUIRE_PG=1
# Missing Postfix or Dovecot fails the postfix provider's mail tests instead of
# skipping them.
export MAILFORM_REQUIRE_MAILSERVERS=1
# A missing chromium fails the audit report's browser test instead of skipping it.
export MAILFORM_REQUIRE_BROWSER=1

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change: $unformatted" >&2
	exit 1
fi
echo "== go vet"
go vet ./...
echo "== go test"
go test -count=1 -timeout 20m ./...
echo "== go test -race (packages that run things in parallel)"
go test -count=1 -race -timeout 20m ./planner/... ./state/... ./providers/sandbox/... ./providers/exmail/... ./providers/dnspod/... ./providers/retry/... ./logarchive/... ./enforce/... ./export/...
echo "== fuzz (a few seconds per target; FUZZTIME=10m ./scripts/fuzz.sh searches longer)"
./scripts/fuzz.sh
