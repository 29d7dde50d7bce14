#!/usr/bin/env bash
# Style checks with the checked-in .clang-format and .clang-tidy.
#   scripts/lint.sh            clang-format check of every tracked C/C++ file (CI runs this)
#   scripts/lint.sh --fix      rewrites those files in place
#   scripts/lint.sh --tidy [files...]
#                              clang-tidy on the given sources, or on every
#                              project .cpp in build/compile_commands.json
#                              (slow: minutes per layer on two cores)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
format=$(command -v clang-format-14 || command -v clang-format || true)
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)

sources() {
  git ls-files '*.cpp' '*.hpp' '*.h' '*.c' | grep -v -e '^third_party/' -e '^tests/fuzz/corpus/' -e '/node_modules/'
}

case "${1:-}" in
  --fix)
    [ -n "$format" ] || { echo "lint.sh: clang-format not found (scripts/setup.sh installs it)" >&2; exit 2; }
    sources | xargs -r "$format" -i
    ;;
  --tidy)
    shift
    [ -n "$tidy" ] || { echo "lint.sh: clang-tidy not found" >&2; exit 2; }
    build="${HOOKD_BUILD_DIR:-$root/build}"
    [ -f "$build/compile_commands.json" ] || { echo "lint.sh: run scripts/build.sh first" >&2; exit 2; }
    if [ $# -eq 0 ]; then
      mapfile -t files < <(git ls-files '*.cpp' | grep -E '^(engine|server|host|config|cli|signing)/')
    else
      files=("$@")
    fi
    # The V8 and Beast headers are not ours: only diagnostics in our files count.
    "$tidy" -p "$build" --quiet --warnings-as-errors='*' "${files[@]}"
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
  *) echo "usage: scripts/lint.sh [--fix | --tidy [files...]]" >&2; exit 2 ;;
esac
