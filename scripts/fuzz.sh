#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 3s; scripts/test.sh runs this
# with the default). For a real search run longer, e.g.:
#   FUZZTIME=10m ./scripts/fuzz.sh
# A failing input is saved under the package's testdata/fuzz/ and from then on runs
# with the normal tests; commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-3s}
targets=(
	"./model FuzzCanonicalRData"
	"./model FuzzTXT"
	"./schema FuzzLoad"
	"./lint FuzzLint"
	"./providers/exmail/exmailapi FuzzDecodeLooseInt"
)
for t in "${targets[@]}"; do
	set -- $t
	echo "== fuzz $2 ($1, $FUZZTIME)"
	go test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" "$1"
done
