#!/usr/bin/env bash
# Runs every test of mailform on a fresh machine: installs the DNS servers the
# rfc2136 tests run against (Knot and BIND, from Debian's packages) when missing, then
# vet, the whole suite, and the race detector on the packages that run in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-deps.sh
export PATH="$PATH:/usr/sbin:/sbin"
export MAILFORM_REQUIRE_DNS_SERVERS=1

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
go test -count=1 -race -timeout 20m ./planner/... ./state/... ./providers/sandbox/... ./providers/exmail/...
