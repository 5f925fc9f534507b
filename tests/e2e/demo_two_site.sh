#!/usr/bin/env bash
# demo_two_site.sh — `make run` must never break silently: runs
# scripts/demo-two-site.sh (the two-site demo: two espfabd negotiate IKEv1
# from a ping, pings and a TCP transfer pass, show output of both gateways)
# on the sw, model and sim engines, asserts exit 0 and checks the output the
# demo prints field by field — in particular `show crypto map` and `show
# crypto session [detail]` on a live two-site setup (tests/configs/site-a.cfg,
# site-b.cfg).  The sim engine (the Verilated RTL in the SystemC platform,
# $BIN/espfab-simd-iterative from `make sim`) too: there the demo moves
# 256 KB over TCP instead of 4 MB (the iterative RTL runs at ~100 KB/s), so
# the transfer line and the packet-count floor differ; every other check is
# the same.  ENGINES="sw model sim" (default) picks the engines.
# Needs $BIN, root, iproute2, ping, socat.  Pass = exit 0; SKIP when
# network namespaces are unavailable.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
HERE=$(cd "$(dirname "$0")" && pwd)
DEMO=$HERE/../../scripts/demo-two-site.sh

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "dt$$probe" 2>/dev/null; then
	echo "SKIP: network namespaces unavailable (needs root and iproute2)"
	exit 0
fi
ip netns del "dt$$probe"

fails=0
ncase=0
ok() { ncase=$((ncase + 1)); echo "ok   case $ncase ($1)"; }
bad() {
	ncase=$((ncase + 1))
	fails=$((fails + 1))
	echo "FAIL case $ncase ($1): $2"
}
check() { # NAME COND-STRING WHY
	if eval "$2"; then ok "$1"; else bad "$1" "$3"; fi
}
# The text between two lines matching (fixed strings) FROM and TO.
between() { awk -v a="$2" -v b="$3" 'index($0, a) { on = 1; next } on && index($0, b) { exit } on' <<<"$1"; }
# The output of one command in a gateway section: from "HOST#CMD" to the next "# " comment or section.
cmd_out() { # SECTION HOST CMD
	awk -v p="$2#$3" '$0 == p { on = 1; next } on && (/^# / || /^== /) { exit } on' <<<"$1"
}
has_all() { # TEXT LINE... ; prints the missing ones
	local t=$1 l
	shift
	for l in "$@"; do grep -qF -- "$l" <<<"$t" || printf ' [%s]' "$l"; done
}

for eng in ${ENGINES:-sw model sim}; do
	if [ "$eng" = sim ] && [ ! -x "$BIN/espfab-simd-iterative" ] && [ -z "${ESPFAB_SIMD:-}" ]; then
		bad "sim: platform built" "no $BIN/espfab-simd-iterative (make sim)"
		continue
	fi
	# the TCP transfer's size and the ESP packets it gives at least (1348-byte segments)
	bytes=4000000 min_dec=2000 size_line=""
	if [ "$eng" = sim ]; then
		bytes=262144 min_dec=150
		size_line="on the sim engine (256 KB instead of 4 MB: the iterative RTL simulates at about 100 KB/s)"
	fi
	t0=$SECONDS
	out=$("$DEMO" "$BIN" "$eng" 2>&1)
	rc=$?
	check "$eng: demo exits 0" '[ $rc -eq 0 ]' "exit $rc; last lines: $(tail -n 15 <<<"$out")"
	check "$eng: under a minute" '[ $((SECONDS - t0)) -lt 60 ]' "took $((SECONDS - t0)) s"
	miss=$(has_all "$out" "espfab two-site IPsec demo (engine: $eng)" "hostname SiteA" "hostname SiteB" \
		"5 packets transmitted, 5 received" "$bytes bytes arrived intact" "both espfabd stopped cleanly" \
		"ping through the tunnel:  5 of 5 replies" "bulk TCP transfer:        intact" "DEMO PASSED")
	check "$eng: demo steps and result" '[ -z "$miss" ]' "missing:$miss"
	if [ -n "$size_line" ]; then
		check "$eng: says the transfer is smaller" 'grep -qF "(socat, 256 KB)" <<<"$out" && grep -qF "$size_line" <<<"$out"' \
			"$(grep -F "socat" <<<"$out")"
	else
		check "$eng: 4 MB transfer, no sim note" 'grep -qF "(socat, 4 MB)" <<<"$out" && ! grep -q "on the sim engine" <<<"$out"' \
			"$(grep -F "socat" <<<"$out")"
	fi

	A=$(between "$out" "== What the operator sees on gateway A" "== What the operator sees on gateway B")
	B=$(between "$out" "== What the operator sees on gateway B" "== Tearing down")
	for c in "show crypto isakmp sa" "show crypto ipsec sa" "show crypto map" "show crypto session" \
		"show crypto engine connections active"; do
		check "$eng: both gateways print '$c'" '[ -n "$(cmd_out "$A" SiteA "$c")" ] && [ -n "$(cmd_out "$B" SiteB "$c")" ]' \
			"no output under SiteA#$c or SiteB#$c"
	done
	check "$eng: isakmp sa QM_IDLE" 'cmd_out "$A" SiteA "show crypto isakmp sa" | grep -Eq "^192\.0\.2\.2 +192\.0\.2\.1 +QM_IDLE +1 ACTIVE$"' \
		"$(cmd_out "$A" SiteA "show crypto isakmp sa")"
	check "$eng: engine connections (ESP on the engine)" \
		'cmd_out "$A" SiteA "show crypto engine connections active" | grep -Eq "^2001 GigabitEthernet0/0 +192\.0\.2\.1 +set +HMAC_SHA\+AES_128_C +[1-9][0-9]* +0$"' \
		"$(cmd_out "$A" SiteA "show crypto engine connections active")"

	# show crypto map: the whole text, from the configuration plus the current peer
	want='Crypto Map "SITES" 10 ipsec-isakmp
        Description: to site B
        Peer = 192.0.2.2
        Extended IP access list TO-SITE-B
            access-list TO-SITE-B permit ip 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255
        Current peer: 192.0.2.2
        Security association lifetime: 1000000 kilobytes/28800 seconds
        PFS (Y/N): Y
        DH group:  group14
        Transform sets={ AES-SHA, 3DES-SHA, }
        Interfaces using crypto map SITES:
                GigabitEthernet0/0'
	got=$(cmd_out "$A" SiteA "show crypto map" | sed '/^$/d')
	check "$eng: show crypto map on SiteA, every line" '[ "$got" = "$want" ]' "$(diff <(echo "$want") <(echo "$got"))"
	got=$(cmd_out "$B" SiteB "show crypto map")
	miss=$(has_all "$got" 'Crypto Map "SITES" 10 ipsec-isakmp' "Peer = 192.0.2.1" "Extended IP access list TO-SITE-A" \
		"access-list TO-SITE-A permit ip 10.20.0.0 0.0.255.255 10.10.0.0 0.0.255.255" "Current peer: 192.0.2.1" \
		"Security association lifetime: 1000000 kilobytes/28800 seconds" "PFS (Y/N): Y" \
		"Transform sets={ AES-SHA, 3DES-SHA, }" "Interfaces using crypto map SITES:")
	check "$eng: show crypto map on SiteB" '[ -z "$miss" ]' "missing:$miss"

	# show crypto session: one UP-ACTIVE session per gateway
	want='Crypto session current status

Interface: GigabitEthernet0/0
Session status: UP-ACTIVE
Peer: 192.0.2.2 port 500
  IKEv1 SA: local 192.0.2.1/500 remote 192.0.2.2/500 Active
  IPSEC FLOW: permit ip 10.10.0.0/255.255.0.0 10.20.0.0/255.255.0.0
        Active SAs: 2, origin: crypto map'
	got=$(cmd_out "$A" SiteA "show crypto session" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
	check "$eng: show crypto session on SiteA, every line" '[ "$got" = "$want" ]' "$(diff <(echo "$want") <(echo "$got"))"
	got=$(cmd_out "$B" SiteB "show crypto session")
	miss=$(has_all "$got" "Session status: UP-ACTIVE" "Peer: 192.0.2.1 port 500" \
		"IKEv1 SA: local 192.0.2.2/500 remote 192.0.2.1/500 Active" \
		"IPSEC FLOW: permit ip 10.20.0.0/255.255.0.0 10.10.0.0/255.255.0.0" "Active SAs: 2, origin: crypto map")
	check "$eng: show crypto session on SiteB" '[ -z "$miss" ]' "missing:$miss"

	# show crypto session detail on SiteB: counters equal show crypto ipsec sa's
	det=$(cmd_out "$B" SiteB "show crypto session detail")
	ipsec=$(cmd_out "$B" SiteB "show crypto ipsec sa")
	enc=$(sed -n 's/.*#pkts encaps: \([0-9]*\),.*/\1/p' <<<"$ipsec")
	dec=$(sed -n 's/.*#pkts decaps: \([0-9]*\),.*/\1/p' <<<"$ipsec")
	miss=$(has_all "$det" "Crypto session current status" "Code: C - IKE Configuration mode, D - Dead Peer Detection" \
		"Interface: GigabitEthernet0/0" "Session status: UP-ACTIVE" "Peer: 192.0.2.1 port 500 fvrf: (none) ivrf: (none)" \
		"      Phase1_id: 192.0.2.1" "      Desc: (none)" "  IKEv1 SA: local 192.0.2.2/500 remote 192.0.2.1/500 Active" \
		"  IPSEC FLOW: permit ip 10.20.0.0/255.255.0.0 10.10.0.0/255.255.0.0" "        Active SAs: 2, origin: crypto map")
	check "$eng: show crypto session detail fields" '[ -z "$miss" ]' "missing:$miss"
	check "$eng: session detail uptime and IKE lifetime" \
		'grep -Eq "^Uptime: 00:00:[0-5][0-9]$" <<<"$det" && grep -Eq "^          Capabilities:(\(none\)|D) connid:1 lifetime:0[78]:[0-5][0-9]:[0-5][0-9]$" <<<"$det"' \
		"$(grep -E "Uptime|Capabilities" <<<"$det")"
	check "$eng: session detail counters = ipsec sa counters" \
		'[ -n "$enc" ] && [ "$dec" -gt "$min_dec" ] &&
		 grep -Eq "^        Inbound:  #pkts dec.ed $dec drop 0 life \(KB/Sec\) [0-9]+/28[0-9]{3}$" <<<"$det" &&
		 grep -Eq "^        Outbound: #pkts enc.ed $enc drop 0 life \(KB/Sec\) [0-9]+/28[0-9]{3}$" <<<"$det"' \
		"encaps $enc decaps $dec; $(grep -E "bound:" <<<"$det")"
done

echo "demo_two_site: $((ncase - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
