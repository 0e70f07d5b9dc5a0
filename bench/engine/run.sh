#!/usr/bin/env bash
# Engine benchmark: wall time, CPU time and peak memory of a no-change `mailform plan`
# over a big sandbox tenant (default 50,000 accounts, 5,000 groups, 1,000 departments,
# 10,000 DNS RRsets), with mailform's default soft memory limit and without any
# (GOMEMLIMIT=off), and of `mailform export` of the tenant in HCL and CSV. Targets on a
# 2-core machine (issue 16): plan <= 2 s and <= 500 MiB without the limit; export
# <= 10 s and <= 500 MiB. Figures and history: bench/engine/README.md.
#
#   ./bench/engine/run.sh            # reuse the tenant of an earlier run if there is one
#   FRESH=1 ./bench/engine/run.sh    # generate and apply it again
#   RUNS=5 ./bench/engine/run.sh -accounts 5000   # extra arguments go to bench/gen
#
# Setting up: the configuration comes from `go run ./bench/gen`; domains, departments
# and DNS records are applied by `mailform apply`; accounts and groups are written into
# the sandbox store by bench/engine/seed (exactly as planned, but without the sandbox's
# per-write scan of all addresses, which would take hours) and then adopted into state
# by a real plan + apply. The figures printed at the end are those of plain
# `mailform plan -detailed-exitcode` runs, which must find nothing to do.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/bench/out/engine
cfg=$out/config
runs=${RUNS:-3}
mf=$out/mailform

mkdir -p "$out"
go build -o "$mf" ./cmd/mailform
go build -o "$out/seed" ./bench/engine/seed

# timed LABEL CMD...: runs CMD with its output in $out/LABEL.log and prints its wall
# time, CPU time (user + system; steadier than wall time on a busy machine) and peak
# RSS; returns CMD's exit code.
timed() {
  local label=$1
  shift
  local rc=0
  /usr/bin/time -f '%e %U %S %M' -o "$out/$label.time" "$@" >"$out/$label.log" 2>&1 || rc=$?
  # time writes "Command exited with non-zero status N" first when CMD fails.
  read -r secs user sys kib < <(tail -n 1 "$out/$label.time")
  printf '%-12s wall %7.2f s  cpu %7.2f s  peak %5d MiB  (exit %d)\n' "$label" "$secs" "$(awk "BEGIN { print $user + $sys }")" $((kib / 1024)) "$rc"
  return $rc
}

if [[ -n ${FRESH:-} || ! -f $cfg/.seeded ]]; then
  rm -rf "$cfg"
  go run ./bench/gen -dir "$cfg" "$@"
  cd "$cfg"
  echo "tenant: $(($(wc -l <accounts.csv) - 1)) accounts, $(($(wc -l <groups.csv) - 1)) groups, $(($(wc -l <departments.csv) - 1)) departments, $(($(wc -l <records.csv) - 1 + $(grep -c '^dns_record' dns.mf.hcl) - 1)) DNS RRsets"
  # Everything but accounts and groups, through the real engine.
  targets=()
  while read -r addr; do targets+=(-target "$addr"); done < <(
    grep -hoE '^(domain|department|dns_record) "[^"]+"' ./*.mf.hcl | sed -E 's/ "/./; s/"$//')
  timed setup-plan "$mf" plan "${targets[@]}" -out setup.mfplan
  timed setup-apply "$mf" apply -parallelism 32 setup.mfplan
  timed seed "$out/seed" -dir .
  timed adopt-plan "$mf" plan -out adopt.mfplan
  timed adopt-apply "$mf" apply -parallelism 256 adopt.mfplan
  rm -f setup.mfplan adopt.mfplan
  touch .seeded
  cd "$root"
fi

cd "$cfg"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "no-change plan, $runs runs (state $(($(stat -c %s mailform.state) / 1048576)) MiB, $(grep -c '"address"' mailform.state) resources):"
for i in $(seq "$runs"); do
  for limit in default off; do
    label=plan-$i
    envs=()
    if [[ $limit == off ]]; then
      label=plan-$i-nolimit
      envs=(GOMEMLIMIT=off)
    fi
    if ! timed "$label" env "${envs[@]}" "$mf" plan -detailed-exitcode; then
      echo "plan $i did not come back clean; see $out/$label.log" >&2
      tail -20 "$out/$label.log" >&2
      exit 1
    fi
  done
done
if [[ -z ${NO_EXPORT:-} ]]; then
  echo "export of the tenant (from the benchmark's configuration directory):"
  for format in hcl csv; do
    timed "export-$format" "$mf" export -out "$out/export-$format" -force -format "$format"
  done
fi
