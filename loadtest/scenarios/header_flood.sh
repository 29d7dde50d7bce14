#!/bin/bash
# Starts a hookd (lib.sh's benchmark setup) and floods it with headers of tiny
# lines (header_flood.py): 2 connections x 24 MiB unless MIB / CONNS say
# otherwise, in writes of BLOCK bytes (2048), each once the server has read the last;
# prints what each connection got and the server's peak RSS.
#
#   loadtest/scenarios/header_flood.sh [HOOKD]     # default build/cli/hookd
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/loadtest/scenarios/lib.sh"
build=${BUILD:-$root/build}
bench_prepare header_flood.sh curl python3
start_hookd probe "${1:-$build/cli/hookd}"
python3 "$root/loadtest/scenarios/header_flood.py" "$probe_pid" "$probe_port" "${MIB:-24}" "${CONNS:-2}" "${BLOCK:-2048}"
