#!/usr/bin/env bash
# CTest's fuzz.<target> (label "fuzz", the CI gate): a short, reproducible
# run of one fuzz target. Reproducible: a fixed -seed, a fixed number of runs
# and a corpus that starts the same every time (the committed seeds plus the
# regression inputs; the scratch corpus is emptied first), so the gate fails
# only on what any other run with the same seed finds too, never on a random
# finding. Random, longer fuzzing is scripts/fuzz.sh, outside the gate.
#
# On a failure it prints, for the CI log, the crash input (path and base64),
# the report (sanitizer or property message and stack) and the command that
# replays it; the input stays in the artifact directory, the full log next
# to it. docs/security/fuzzing.md: how a finding becomes a regression input.
#
# gate.sh <fuzzer> <target> <work dir> <seed> <runs> <max seconds> <seeds dir>
#         <regressions dir> [libFuzzer flags...]
set -uo pipefail
exe=$1 target=$2 work=$3 seed=$4 runs=$5 seconds=$6 seeds=$7 regressions=$8
shift 8
corpus=$work/corpus
artifacts=$work/artifacts
log=$work/log
rm -rf "$corpus"
mkdir -p "$corpus" "$artifacts"
dirs=("$corpus" "$seeds")
if [ -d "$regressions" ]; then dirs+=("$regressions"); fi

# -max_total_time bounds CI time on a slow machine; the run is then a prefix
# of the same sequence, and the summary says so. Address randomization off:
# support/coverage.cpp hashes code addresses into its counters, so with ASLR
# two runs with one seed see slightly different features and drift apart.
norandom=()
if command -v setarch >/dev/null 2>&1 && setarch "$(uname -m)" -R true 2>/dev/null; then
  norandom=(setarch "$(uname -m)" -R)
fi
"${norandom[@]}" "$exe" -seed="$seed" -runs="$runs" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$@" "${dirs[@]}" >"$log" 2>&1
rc=$?

done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n "s/^stat::average_exec_per_sec: *//p" "$log" | tail -n 1)
if [ "$rc" = 0 ]; then
  cut=""
  if [ -n "$done_runs" ] && [ "$done_runs" -lt "$runs" ]; then
    cut=" (stopped by the ${seconds}s limit before -runs=$runs)"
  fi
  echo "fuzz gate: $target passed: -seed=$seed, ${done_runs:-?} inputs at ${rate:-?}/s$cut; log $log"
  exit 0
fi

echo "fuzz gate: $target FAILED (exit $rc) with -seed=$seed -runs=$runs; full log: $log"
crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
if [ -n "$crash" ] && [ -f "$crash" ]; then
  echo "fuzz gate: crash input kept at $crash ($(stat -c %s "$crash") bytes), base64:"
  base64 -w 0 "$crash"
  echo
fi
echo "fuzz gate: report:"
# From the first report line to the end: the property message or sanitizer
# report with its stack, and libFuzzer's summary. Capped for the CI log.
first=$(grep -n -m 1 -E '^(fuzz property violated|==[0-9]+==|.*runtime error:|.*ERROR: libFuzzer|.*ERROR: AddressSanitizer|.*ERROR: LeakSanitizer)' "$log" | cut -d: -f1)
if [ -n "$first" ]; then
  tail -n "+$first" "$log" | head -n 200
else
  tail -n 100 "$log"
fi
if [ -n "$crash" ]; then
  echo "fuzz gate: replay: $exe $* $crash"
  echo "fuzz gate: then copy it to tests/fuzz/regressions/$target/ and fix the bug (docs/security/fuzzing.md)"
fi
exit 1
