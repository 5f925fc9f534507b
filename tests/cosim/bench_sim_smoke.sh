#!/usr/bin/env bash
# bench_sim_smoke.sh — keeps espfab-bench --engine sim --board (make
# bench-sim, docs/benchmarks.md "Fabric through the DMA") from rotting: one
# size, AES-SHA1 encap and DES-MD5 decap, on the iterative platform the
# co-simulation stage builds, projected onto zc706 and u250.
# Asserts no speed: only that every row completed and that sim.json has
# the documented fields, with projected_gbps = the smallest of the three
# limits and `limit` naming it, the engine limit = bytes_per_cycle x
# fabric MHz x instances x 8 (board_project, host/board_profile.h), and
# the config flagged where the board's engine parameters differ from it.
# Needs $BIN (absolute bin dir with espfab-bench and espfab-simd-iterative,
# or $ESPFAB_SIMD), jq.  Runs from anywhere (ESPFAB_BOARD_DIR).  Pass = exit 0.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ESPFAB_BOARD_DIR=$ROOT/board/profiles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
command -v jq >/dev/null || { echo "FAIL: jq not installed"; exit 1; }
if [ -z "${ESPFAB_SIMD:-}" ] && [ ! -x "$BIN/espfab-simd-iterative" ]; then
	echo "FAIL: no $BIN/espfab-simd-iterative and no ESPFAB_SIMD (make sim)"
	exit 1
fi

fails=0
ncase=0
ok() { ncase=$((ncase + 1)); echo "ok   case $ncase ($1)"; }
bad() {
	ncase=$((ncase + 1))
	fails=$((fails + 1))
	echo "FAIL case $ncase ($1): $2"
}
check() { if eval "$2"; then ok "$1"; else bad "$1" "$3"; fi; }

J=$T/sim.json
"$BIN/espfab-bench" --engine sim --params config=iterative --board zc706 --board u250 --sizes 64 \
	--transforms aes128-sha1,des-md5 --direction both --packets 64 --json "$J" >"$T/out" 2>"$T/err"
rc=$?
check "espfab-bench --engine sim exits 0" '[ $rc -eq 0 ]' "exit $rc: $(tail -n 5 "$T/err")"
check "table printed, one line per board and row" \
	'[ "$(grep -cE "^iterative\*? +(zc706|u250) +esp-" "$T/out")" -eq 8 ]' "$(cat "$T/out")"
check "sim.json is an array of 8 rows" 'jq -e "type == \"array\" and length == 8" "$J" >/dev/null' \
	"$(head -c 600 "$J" 2>/dev/null)"
check "every row has the documented fields" \
	'jq -e "all(.[]; .engine == \"sim\" and (.transform|type) == \"string\" and .size == 64 and
	  (.direction == \"encap\" or .direction == \"decap\") and .config == \"iterative\" and
	  (.bytes_per_cycle|type) == \"number\" and .bytes_per_cycle > 0 and
	  (.bytes_per_cycle_cold|type) == \"number\" and .bytes_per_cycle_cold > 0 and
	  .packets == 64 and .cycles > 0 and (.board == \"zc706\" or .board == \"u250\") and
	  (.projected_gbps|type) == \"number\" and .projected_gbps > 0 and .gbps == .projected_gbps and
	  (.limit == \"engine\" or .limit == \"host link\" or .limit == \"port\"))" "$J" >/dev/null' "$(cat "$J")"
check "projected_gbps is the smallest limit and limit names it" \
	'jq -e "all(.[]; .projected_gbps == ([.engine_gbps, .host_gbps, .port_gbps] | min) and
	  ({\"engine\": .engine_gbps, \"host link\": .host_gbps, \"port\": .port_gbps}[.limit]) == .projected_gbps)" \
	  "$J" >/dev/null' "$(cat "$J")"
check "engine limit = bytes/cycle x MHz x instances x 8" \
	'jq -e "all(.[]; ((.bytes_per_cycle * .fabric_mhz * .instances * 8 / 1000) - .engine_gbps | fabs) < 0.001 * .engine_gbps + 0.001)" \
	  "$J" >/dev/null' "$(cat "$J")"
check "both boards see the same measurement" \
	'jq -e "group_by(.transform + .direction) | all(.[]; (map(.bytes_per_cycle) | unique | length) == 1)" \
	  "$J" >/dev/null' "$(cat "$J")"
check "zc706 matches the iterative config, u250 is flagged" \
	'jq -e "all(.[]; .config_matches_board == (.board == \"zc706\"))" "$J" >/dev/null' "$(cat "$J")"

"$BIN/espfab-bench" --engine sw --board u250 >"$T/out2" 2>&1
rc=$?
check "--board without engine sim is refused" '[ $rc -eq 2 ] && grep -q "needs --engine sim" "$T/out2"' \
	"exit $rc: $(cat "$T/out2")"
"$BIN/espfab-bench" --engine sim --board nosuchboard >"$T/out3" 2>&1
rc=$?
check "an unknown board is refused, named" '[ $rc -eq 2 ] && grep -q "nosuchboard" "$T/out3"' \
	"exit $rc: $(cat "$T/out3")"

echo "bench_sim_smoke: $((ncase - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
