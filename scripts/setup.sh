#!/usr/bin/env bash
# Installs everything hookd needs to build and test on Debian 12, as root.
# Idempotent: a second run with everything present does no network work.
# Never removes packages. Packages apt refuses to install (libnode-dev, whose
# dependency on Debian's nodejs clashes with the machine's own node; and
# msgpack-cxx, which drags in Boost 1.74) are extracted from their .debs into
# third_party/deb (gitignored), which CMake searches.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deb_dir="$root/third_party/deb"
stamp="$deb_dir/.setup-v1"

# What building hookd and its example plugins needs (HOOKD_SETUP_BUILD_ONLY=1
# installs only these: the Dockerfile's build stage).
apt_pkgs=(
  build-essential cmake ninja-build ccache pkg-config curl ca-certificates
  libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  libsimdjson-dev libssl-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libcli11-dev liblmdb-dev libhiredis-dev
  liburing-dev  # only for -DHOOKD_IO_URING=ON (Asio on io_uring)
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 lld-14 wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
  lld  # ld.lld, which links hookd's executables (CMakeLists.txt): much faster than ld.bfd
  libclang-rt-14-dev-wasm32
  libuv1 libicu72 libc-ares2 libnghttp2-14 libbrotli1 python3
)
# What the tests, sanitizers, linters and load tests add.
test_pkgs=(
  redis-server
  libclang-rt-14-dev binutils libasan8 libubsan1
  clang-format-14 clang-tidy-14
  clang-tidy-19  # scripts/lint.sh --tidy: clang-tidy-14 cannot parse libstdc++ 12's <expected>
  nginx-light wrk gnuplot-nox
  docker-compose python3-yaml
  # the dashboard's browser tests (tests/browser, run with /usr/bin/python3)
  chromium chromium-driver python3-selenium
)
build_only="${HOOKD_SETUP_BUILD_ONLY:-0}"
[ "$build_only" = 1 ] || apt_pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  # --no-remove: a conflict must fail loudly, never uninstall something.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-remove \
    --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$stamp" ]; then
  mkdir -p "$deb_dir"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download libnode108 libnode-dev libmsgpack-cxx-dev >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && apt-get download libnode108 libnode-dev libmsgpack-cxx-dev; })
  for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$deb_dir"; done
  # libnode-dev ships the unversioned symlink; make sure it resolves locally.
  libdir="$deb_dir/usr/lib/x86_64-linux-gnu"
  if [ ! -e "$libdir/libnode.so" ]; then
    ln -sf "$(basename "$(ls "$libdir"/libnode.so.* | head -1)")" "$libdir/libnode.so"
  fi
  touch "$stamp"
fi
# Node.js + npm: the dashboard's build (uPlot is compiled into hookd, below),
# the AssemblyScript plugins (examples/assemblyscript, which the tests use), the
# ABI peer benchmark (loadtest/peers) and the wasi:http test components
# (tests/components: componentize-js, and jco, which also runs their reference
# host). A machine with its own node keeps it; a fresh Debian 12 gets Debian's
# nodejs and npm.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: installing nodejs npm"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-remove \
    --no-install-recommends nodejs npm
fi
# npm ci (exact versions from the lock) when node_modules is missing or older
# than the lock file; npm ci itself replaces node_modules as a whole.
npm_dirs=()
[ "$build_only" = 1 ] || npm_dirs+=("$root/examples/assemblyscript" "$root/loadtest/peers" "$root/tests/components")
for dir in "${npm_dirs[@]}"; do
  stamp_file="$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp_file" ] || [ "$dir/package-lock.json" -nt "$stamp_file" ]; then
    echo "setup: npm ci in ${dir#"$root"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
# The dashboard (server/ui): uPlot, pinned by its package-lock.json, is
# compiled into hookd, so `npm ci` there is part of the build, in every mode
# of this script.
ui_dir="$root/server/ui"
if [ ! -f "$ui_dir/node_modules/.package-lock.json" ] || [ "$ui_dir/package-lock.json" -nt "$ui_dir/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in server/ui"
  (cd "$ui_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: ok"
