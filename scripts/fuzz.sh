#!/usr/bin/env bash
# Longer fuzzing runs: scripts/fuzz.sh [target|all] [seconds per target]
# (default: every target, 600 s each). Targets: the fuzz_* programs of
# tests/fuzz (http_request, transcode_json, ...). Each run starts from the
# committed seeds plus what earlier runs found, kept outside the repository in
# $HOOKD_FUZZ_OUT (default ${TMPDIR:-/tmp}/hookd-fuzz/<target>/corpus); crashes
# go to .../<target>/artifacts. Builds build-asan first (scripts/asan-build.sh).
#
# A crash: copy its file to tests/fuzz/regressions/<target>/ (CTest replays
# it), fix the bug. Worth keeping new seeds: merge them into the committed
# corpus, e.g. fuzz_<target> -merge=1 tests/fuzz/corpus/<target> <new dir>.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target="${1:-all}"
seconds="${2:-600}"
build="${HOOKD_ASAN_BUILD_DIR:-$root/build-asan}"
out="${HOOKD_FUZZ_OUT:-${TMPDIR:-/tmp}/hookd-fuzz}"

"$root/scripts/asan-build.sh" hookd_fuzzers
fuzz_dir="$build/tests/fuzz"
if [ "$target" = all ]; then
  targets=$(cd "$root/tests/fuzz/corpus" && ls)
else
  [ -x "$fuzz_dir/fuzz_$target" ] || { echo "fuzz.sh: no target $target (see tests/fuzz/corpus)" >&2; exit 2; }
  targets="$target"
fi

status=0
for t in $targets; do
  mkdir -p "$out/$t/corpus" "$out/$t/artifacts"
  mapfile -t args < "$fuzz_dir/work/$t/args"
  echo "fuzz.sh: $t for ${seconds}s (corpus $out/$t/corpus)"
  if ! "$fuzz_dir/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$out/$t/artifacts/" "${args[@]}" "$out/$t/corpus" "$root/tests/fuzz/corpus/$t" \
      > "$out/$t/log" 2>&1; then
    echo "fuzz.sh: $t FAILED, see $out/$t/log and $out/$t/artifacts/" >&2
    status=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::new_units_added)|^#[0-9]+ +DONE' "$out/$t/log" | tr '\n' ' '
  echo
done
exit $status
