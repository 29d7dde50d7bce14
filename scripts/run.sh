#!/usr/bin/env bash
# Runs the gateway with the example plugins on embedded defaults (public API
# on 127.0.0.1:8080, admin API on 127.0.0.1:9090, data in ./data). Extra
# arguments go to `hookd serve` (e.g. --config config/hookd.toml).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" hookd
exec "${HOOKD_BUILD_DIR:-$root/build}/cli/hookd" serve "$@"
