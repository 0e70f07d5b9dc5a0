#!/usr/bin/env bash
# Runs the quickstart: builds mailform, then plans and applies examples/quickstart
# against the embedded sandbox tenant (no credentials needed), then plans again to
# show that nothing is left to do.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/mailform ./cmd/mailform
cd examples/quickstart
../../bin/mailform validate
../../bin/mailform plan -out quickstart.mfplan
../../bin/mailform apply quickstart.mfplan
rm -f quickstart.mfplan
../../bin/mailform plan -detailed-exitcode
