#!/usr/bin/env bash
# bench_ike_smoke.sh — keeps scripts/bench-ike.sh (make bench-ike) from
# rotting: 3 tunnels, one run per implementation, into a scratch directory.
# Asserts no timing: only that every row completed (3 ISAKMP SAs with one
# IPsec pair each on both sides) and that ike.json is a well-formed array of
# rows with the documented fields (docs/benchmarks.md).  The strongSwan row
# is expected when charon and swanctl are installed.
# Needs $BIN, root, iproute2, bc, jq.  Pass = exit 0; SKIP without namespaces.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$BIN/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "bks$$" 2>/dev/null; then
	echo "SKIP: network namespaces unavailable (needs root and iproute2)"
	exit 0
fi
ip netns del "bks$$"
for tool in bc jq; do
	command -v $tool >/dev/null || { echo "FAIL: $tool not installed"; exit 1; }
done

fails=0
ncase=0
ok() { ncase=$((ncase + 1)); echo "ok   case $ncase ($1)"; }
bad() {
	ncase=$((ncase + 1))
	fails=$((fails + 1))
	echo "FAIL case $ncase ($1): $2"
}
check() { if eval "$2"; then ok "$1"; else bad "$1" "$3"; fi; }

want=1
impls=espfabd
if [ -x /usr/lib/ipsec/charon ] && command -v swanctl >/dev/null; then
	want=2
	impls="espfabd strongswan"
fi
OUT=$T/out REPEAT=1 TIMEOUT=30 IMPLS=$impls "$HERE/../../scripts/bench-ike.sh" "$BUILD" 3 >"$T/stdout" 2>"$T/stderr"
rc=$?
check "bench-ike.sh exits 0" '[ $rc -eq 0 ]' "exit $rc: $(grep -v "^plugin '" "$T/stderr" | tail -n 5)"
check "table printed" 'grep -q "^implementation .*tunnels/s" "$T/stdout" && grep -q "^espfabd .* 3 " "$T/stdout"' \
	"$(cat "$T/stdout")"
J=$T/out/ike.json
check "ike.json is a JSON array of $want rows" 'jq -e "type == \"array\" and length == $want" "$J" >/dev/null' \
	"$(head -c 600 "$J" 2>/dev/null)"
check "every row has the documented fields, 3 tunnels, completed" \
	'jq -e "all(.[]; (.implementation|type) == \"string\" and .tunnels == 3 and .completed == true and
	  (.seconds|type) == \"number\" and .seconds > 0 and (.tunnels_per_second|type) == \"number\" and
	  (.rss_kib_per_tunnel|type) == \"number\" and (.rss_kib_per_tunnel_initiator|type) == \"number\" and
	  (.cpu_ms_per_tunnel|type) == \"number\" and .group == 2 and (.transform|type) == \"string\" and
	  .runs == 1 and (.runs_seconds|length) == 1)" "$J" >/dev/null' "$(cat "$J" 2>/dev/null)"
check "the espfabd row is there" 'jq -e "any(.[]; .implementation == \"espfabd\")" "$J" >/dev/null' "$(cat "$J")"
if [ $want = 2 ]; then
	check "the strongSwan row is there" 'jq -e "any(.[]; .implementation|startswith(\"strongswan\"))" "$J" >/dev/null' \
		"$(cat "$J")"
fi

echo "bench_ike_smoke: $((ncase - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
