#!/usr/bin/env bash
# Style checks with the checked-in .clang-format and .clang-tidy.
#   scripts/lint.sh            clang-format check of every tracked C/C++ file (CI runs this)
#   scripts/lint.sh --fix      rewrites those files in place
#   scripts/lint.sh --tidy [files...]
#                              clang-tidy-19 on the given sources, or on every
#                              project .cpp in build/compile_commands.json
#                              (slow: minutes per layer on two cores)
#   scripts/lint.sh --tidy-changed [rev]
#                              clang-tidy-19 on the project .cpp files changed
#                              since rev (default HEAD~1) that the build
#                              compiles; CI runs this. Without that history
#                              (a shallow clone) it says so and skips.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
format=$(command -v clang-format-14 || command -v clang-format || true)
# clang-tidy-19: clang-tidy-14 rejects libstdc++ 12's <expected> (no
# conditionally trivial destructors), i.e. every hookd file.
tidy=$(command -v clang-tidy-19 || true)

# The layers clang-tidy checks (the same as HeaderFilterRegex in .clang-tidy).
layers='util|engine|server|config|host|signing|cli|loadtest'

sources() {
  git ls-files '*.cpp' '*.hpp' '*.h' '*.c' | grep -v -e '^third_party/' -e '^tests/fuzz/corpus/' -e '/node_modules/'
}

case "${1:-}" in
  --fix)
    [ -n "$format" ] || { echo "lint.sh: clang-format not found (scripts/setup.sh installs it)" >&2; exit 2; }
    sources | xargs -r "$format" -i
    ;;
  --tidy | --tidy-changed)
    mode=$1
    shift
    [ -n "$tidy" ] || { echo "lint.sh: clang-tidy-19 not found (scripts/setup.sh installs it)" >&2; exit 2; }
    build="${HOOKD_BUILD_DIR:-$root/build}"
    [ -f "$build/compile_commands.json" ] || { echo "lint.sh: run scripts/build.sh first" >&2; exit 2; }
    # A unity build's compile_commands.json names its batches, not the files
    # in them; clang-tidy needs each file's own flags. A configure-only tree
    # without unity batches (inside the build dir) gives them, in seconds.
    # (The build dir must have been built: its generated files are the same.)
    db="$build/tidy-db"
    if [ ! -f "$db/compile_commands.json" ] || [ "$build/CMakeCache.txt" -nt "$db/compile_commands.json" ] ||
       [ -n "$(find "$root" -name CMakeLists.txt -newer "$db/compile_commands.json" -not -path "$build/*" -print -quit)" ]; then
      cmake -S "$root" -B "$db" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOOKD_UNITY_BUILD=OFF \
        -DHOOKD_BUILD_BENCHMARKS=OFF >/dev/null || { echo "lint.sh: cannot configure $db" >&2; exit 2; }
    fi
    build=$db
    if [ "$mode" = --tidy-changed ]; then
      rev="${1:-HEAD~1}"
      if ! git rev-parse -q --verify "$rev^{commit}" >/dev/null; then
        echo "lint.sh: clang-tidy skipped: $rev is not in this clone's history (shallow clone?)"
        exit 0
      fi
      mapfile -t files < <(git diff --name-only --diff-filter=d "$rev" -- '*.cpp' | grep -E "^($layers)/" || true)
    elif [ $# -eq 0 ]; then
      mapfile -t files < <(git ls-files '*.cpp' | grep -E "^($layers)/")
    else
      files=("$@")
    fi
    if [ "$mode" = --tidy-changed ] || [ $# -eq 0 ]; then
      # Only what this build compiles has flags to parse with (a disabled
      # option's sources, e.g. io_uring, are not in compile_commands.json).
      compiled=()
      for f in "${files[@]}"; do
        if grep -qF "\"file\": \"$root/$f\"" "$build/compile_commands.json"; then compiled+=("$f"); fi
      done
      files=("${compiled[@]}")
    fi
    if [ ${#files[@]} -eq 0 ]; then
      echo "lint.sh: clang-tidy: no project .cpp to check"
      exit 0
    fi
    echo "lint.sh: clang-tidy-19 on ${#files[@]} file(s), ${HOOKD_JOBS:-2} at a time"
    # The V8 and Beast headers are not ours: only diagnostics in our files
    # count (HeaderFilterRegex in .clang-tidy).
    printf '%s\0' "${files[@]}" |
      xargs -0 -n 1 -P "${HOOKD_JOBS:-2}" "$tidy" -p "$build" --quiet --warnings-as-errors='*'
    ;;
  "")
    [ -n "$format" ] || { echo "lint.sh: clang-format not found (scripts/setup.sh installs it)" >&2; exit 2; }
    bad=()
    while IFS= read -r f; do
      "$format" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
    done < <(sources)
    if [ ${#bad[@]} -gt 0 ]; then
      printf 'lint.sh: not formatted with .clang-format (scripts/lint.sh --fix rewrites them):\n' >&2
      printf '  %s\n' "${bad[@]}" >&2
      exit 1
    fi
    echo "lint.sh: $(sources | wc -l) files formatted"
    ;;
  *) echo "usage: scripts/lint.sh [--fix | --tidy [files...] | --tidy-changed [rev]]" >&2; exit 2 ;;
esac
