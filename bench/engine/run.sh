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
# `mailform plan -detailed-exitcode` runs, which must find nothing to do: of the
# configuration as generated, and, alternating with them, of the same tenant declared
# through a module (bench/out/engine/config-module; target: within 10 %), with the
# median CPU time of each.
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

# The same tenant declared through a module: every block of the configuration moves
# into ./tenant, called once from a root that keeps only the settings and the
# provider. State is moved into module.tenant.* by one apply of moved blocks (no live
# change); the plans must again find nothing to do and should take the same time
# (target: within 10 %).
mcfg=$out/config-module
if [[ ! -f $mcfg/.moved || $cfg/.seeded -nt $mcfg/.moved ]]; then
  rm -rf "$mcfg"
  mkdir -p "$mcfg/tenant"
  cp "$cfg"/*.csv "$mcfg/tenant/"
  for f in "$cfg"/*.mf.hcl; do
    [[ $(basename "$f") == main.mf.hcl ]] && continue
    cp "$f" "$mcfg/tenant/"
  done
  # main.mf.hcl: the settings and provider stay in the root, the domains move.
  awk '/^domain "/,/^}/' "$cfg/main.mf.hcl" >"$mcfg/tenant/domains.mf.hcl"
  awk '/^domain "/ { exit } { print }' "$cfg/main.mf.hcl" >"$mcfg/main.mf.hcl"
  printf 'module "tenant" {\n  source = "./tenant"\n}\n' >>"$mcfg/main.mf.hcl"
  grep -hoE '^[a-z_]+ "[^"]+" \{' "$cfg"/*.mf.hcl | grep -vE '^(mailform|provider|locals|variable|output) ' |
    sed -E 's/^([a-z_]+) "([^"]+)" \{/moved {\n  from = \1.\2\n  to   = module.tenant.\1.\2\n}/' >"$mcfg/moved.mf.hcl"
  cp "$cfg/mailform.state" "$mcfg/"
  cp -r "$cfg/.sandbox" "$mcfg/.sandbox"
  cd "$mcfg"
  timed module-move "$mf" apply -auto-approve
  # The moves are in state now; the timed plans measure the module, not moved blocks.
  rm moved.mf.hcl
  touch .moved
  cd "$root"
fi
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "no-change plan, $runs runs each, alternating (state $(($(stat -c %s "$cfg/mailform.state") / 1048576)) MiB, $(grep -c '"address"' "$cfg/mailform.state") resources):"
# plan LABEL DIR [ENV...]: one timed no-change plan in DIR, which must find nothing to do.
plan() {
  local label=$1 dir=$2
  shift 2
  cd "$dir"
  if ! timed "$label" env "$@" "$mf" plan -detailed-exitcode; then
    echo "$label did not come back clean; see $out/$label.log" >&2
    tail -20 "$out/$label.log" >&2
    exit 1
  fi
  cd "$root"
}
# Alternating keeps a change in the machine's load from favouring any of them: the
# plain plan with the default soft memory limit and without it, and the module plan.
for i in $(seq "$runs"); do
  plan "plan-$i" "$cfg"
  plan "plan-$i-nolimit" "$cfg" GOMEMLIMIT=off
  plan "module-plan-$i" "$mcfg"
done

# median LABEL: the median CPU seconds of the runs LABEL-1..LABEL-$runs.
median() {
  for i in $(seq "$runs"); do
    tail -n 1 "$out/$1-$i.time" | awk '{ print $2 + $3 }'
  done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
plain=$(median plan)
module=$(median module-plan)
awk -v p="$plain" -v m="$module" 'BEGIN {
  printf "median cpu: without module %.2f s, through a module %.2f s (%+.1f %%; target within 10 %%)\n", p, m, (m - p) / p * 100
}'
if [[ -z ${NO_EXPORT:-} ]]; then
  echo "export of the tenant (from the benchmark's configuration directory):"
  cd "$cfg"
  for format in hcl csv; do
    # (without the root and state the plan-back check below left in it)
    rm -f "$out/export-$format"/{bench-root.mf.hcl,mailform.state,mailform.state.backup}
    timed "export-$format" "$mf" export -out "$out/export-$format" -force -format "$format"
  done
  cd "$root"
  # The export must plan back to adoption only: every live object imported, nothing
  # added, changed or destroyed. Each exported directory gets a root that points the
  # sandbox provider at the benchmark's tenant and keeps its own (empty) state.
  for format in hcl csv; do
    dir=$out/export-$format
    rm -f "$dir/mailform.state" "$dir/mailform.state.backup"
    printf 'mailform {\n  backend "local" {\n    path = "mailform.state"\n  }\n}\n\nprovider "sandbox" {\n  dir = "%s/.sandbox"\n}\n' "$cfg" >"$dir/bench-root.mf.hcl"
    cd "$dir"
    timed "export-$format-plan" "$mf" plan -no-color || true
    grep -E '^Plan:|No changes' "$out/export-$format-plan.log" || tail -n 5 "$out/export-$format-plan.log"
    cd "$root"
  done
fi
