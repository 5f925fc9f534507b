#!/usr/bin/env bash
# ike_dynamic_map.sh — a plain dynamic-map responder (SCENARIOS.md S2's L2L
# half without ISAKMP profiles), end to end in network namespaces:
#
#   hA (10.10.0.2) --- Hub gA (a1 | a0 192.0.2.1) ===IKE/ESP=== Spoke gB (b0 192.0.2.2 | b1) --- hB (10.20.0.2)
#
# tests/configs/hub-dyn.cfg: wildcard PSK (address 0.0.0.0 0.0.0.0),
# `crypto dynamic-map DYN 10` with only `set transform-set` (no peer, no
# ACL), `crypto map MAP 65535 ipsec-isakmp dynamic DYN`.
# tests/configs/spoke-dyn.cfg: a static crypto map to the hub.
#   * the hub cannot initiate (IOS cannot from a dynamic map): hA -> hB
#     before any SA gets no reply, neither side starts main mode, the
#     spoke drops the cleartext (%CRYPTO-4-RECVD_PKT_NOT_IPSEC);
#     `test crypto initiate MAP 65535` is refused;
#   * hB -> hA starts main mode + quick mode from the spoke; the hub
#     accepts through DYN/10; pings pass both ways (the hub's side too,
#     through the SA the spoke negotiated);
#   * on the hub: `show crypto isakmp sa` QM_IDLE, `show crypto map` the
#     template and the entry MAP 65536 created from DYN/10 (every line, as
#     IOS prints it), `show crypto ipsec sa` the pair (SPIs crossed with the
#     spoke's, proxies, counters), `show crypto session` origin dynamic
#     crypto map; the responder's debug trace;
#   * `clear crypto sa` on the hub: the created entry goes, the hub's side
#     still cannot initiate (the ISAKMP SA is up, yet no quick mode from the
#     hub), the spoke's traffic brings a new pair by quick mode only;
#   * the same hub with `match address` in the dynamic-map entry: the hub's
#     traffic is dropped at the hub (`no SA (dynamic entry: the peer must
#     initiate)` in show crypto datapath), not negotiated; the spoke's works;
#   * SIGTERM: exit 0.
# Needs $BIN, root, iproute2, ping.  Pass = exit 0; SKIP when network
# namespaces are unavailable.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
ESPFABD=$BIN/espfabd
ESPFABCTL=$BIN/espfabctl
HERE=$(cd "$(dirname "$0")" && pwd)
CFGS=$HERE/../configs
NETNS_PREFIX=dm$$
. "$HERE/lib/netns.sh" # nx, netns_two_sites, espfabd_start, netns_stop_all, ctl, wait_for
T=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$T"' EXIT

if ! netns_available; then
	echo "SKIP: network namespaces unavailable (needs root and iproute2)"
	exit 0
fi
command -v ping >/dev/null || { echo "FAIL: ping not installed (scripts/deps.sh)"; exit 1; }

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

netns_two_sites || { echo "FAIL: topology"; exit 1; }

# pings from host H (hA or hB) to the other host; prints ping's output
pings() { # H COUNT
	local dst=10.20.0.2
	[ "$1" = hB ] && dst=10.10.0.2
	nx "$1" ping -c "$2" -i 0.2 -W 1 "$dst" 2>&1
}
no_isakmp() { ! ctl gA "$SA" show crypto isakmp sa | grep -q "^192\.0\.2" && ! ctl gB "$SB" show crypto isakmp sa | grep -q "^192\.0\.2"; }
# the value of a line "  <label>  N" of show crypto datapath
dp_count() { ctl "$1" "$2" show crypto datapath | awk -v l="$3" 'index($0, l) { print $NF; exit }'; }

SA=$T/hub.sock SB=$T/spoke.sock LA=$T/hub.log LB=$T/spoke.log
espfabd_start gA "$SA" "$CFGS/hub-dyn.cfg" sw a0 a1 "$LA" --test-hooks && espfabd_start gB "$SB" "$CFGS/spoke-dyn.cfg" sw b0 b1 "$LB" --test-hooks ||
	{ echo "FAIL: espfabd did not start: $(cat "$LA.stderr" "$LB.stderr")"; exit 1; }
for g in "gA $SA" "gB $SB"; do
	# shellcheck disable=SC2086
	ctl $g debug crypto isakmp >/dev/null
	# shellcheck disable=SC2086
	ctl $g debug crypto ipsec >/dev/null
done

# the policy rules that divert the hub's traffic to the spoke into espfab0
# (table 58864) and check cleartext from it (58865): none without an SA
rules_a() { nx gA ip rule show | grep -E "lookup 5886[45]"; }
RULE_OUT="from 10.10.0.0/16 to 10.20.0.0/16 lookup 58864"
RULE_IN="from 10.20.0.0/16 to 10.10.0.0/16 iif a0 lookup 58865"

# 1. the hub's side first: a dynamic map cannot initiate
check "hub: no ACL, so no policy rule for the spoke's networks before an SA" \
	'! rules_a | grep -q "10\.20\.0\.0"' "$(rules_a)"
out=$(ctl gA "$SA" test crypto initiate MAP 65535 2>&1)
check "hub: test crypto initiate of the dynamic entry refused" '[[ "$out" == *"no such static entry"* ]]' "$out"
pout=$(pings hA 3)
sleep 1
check "hub side before any SA: no reply" '[[ "$pout" == *" 0 received"* ]]' "$(tail -n 2 <<<"$pout")"
check "hub side before any SA: not negotiated (no ISAKMP SA on either side)" \
	'no_isakmp && ! grep -q "beginning Main Mode exchange" "$LA" && ! grep -q "IKE_R_MM1" "$LB"' \
	"$(ctl gA "$SA" show crypto isakmp sa; grep -E "Main Mode|IKE_R_MM1" "$LA" "$LB")"
check "hub side before any SA: the spoke drops the cleartext (RECVD_PKT_NOT_IPSEC)" \
	'grep -q "%CRYPTO-4-RECVD_PKT_NOT_IPSEC: Rec.d packet not an IPSEC packet. (ip) vrf/dest_addr= /10.20.0.2, src_addr= 10.10.0.2, prot= 1" "$LB" &&
	 [ "$(dp_count gB "$SB" "must be protected (RECVD_PKT_NOT_IPSEC)")" -ge 3 ] &&
	 ! ctl gA "$SA" show crypto ipsec sa | grep -q "spi: 0x"' \
	"$(grep RECVD_PKT "$LB"; ctl gB "$SB" show crypto datapath | grep -i protected)"

# 2. the spoke's side: main mode + quick mode, the hub answers through DYN/10
t0=$SECONDS
nx hB ping -c 1 -W 1 10.10.0.2 >/dev/null 2>&1
wait_for 'ctl gA "$SA" show crypto ipsec sa 2>/dev/null | grep -q "current outbound spi: 0x[1-9A-F]"' 10
check "spoke's traffic brings the tunnel up (MM + QM) in under 10 s" \
	'ctl gB "$SB" show crypto ipsec sa | grep -q "current outbound spi: 0x[1-9A-F]"' "after $((SECONDS - t0)) s: $(tail -n 5 "$LA")"
pout=$(pings hB 5)
check "ping spoke side -> hub side through the tunnel" '[[ "$pout" == *" 5 received"* ]]' "$(tail -n 2 <<<"$pout")"
pout=$(pings hA 5)
check "ping hub side -> spoke side through the SA the spoke negotiated" '[[ "$pout" == *" 5 received"* ]]' "$(tail -n 2 <<<"$pout")"

check "hub: the pair's proxies get policy rules (into the TUN, cleartext check)" \
	'rules_a | grep -qF "$RULE_OUT" && rules_a | grep -qF "$RULE_IN"' "$(rules_a)"

want=$'IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n192.0.2.1       192.0.2.2       QM_IDLE              1 ACTIVE'
isa=$(ctl gA "$SA" show crypto isakmp sa)
check "hub: show crypto isakmp sa QM_IDLE (spoke initiated)" '[[ "$isa" == "$want"* ]]' "$isa"
isa=$(ctl gB "$SB" show crypto isakmp sa)
check "spoke: show crypto isakmp sa QM_IDLE" '[[ "$isa" == "$want"* ]]' "$isa"

# show crypto map on the hub: the template, then the entry IOS creates from
# it for the spoke (numbered after the template: 65536), every line
want='Crypto Map "MAP" 65535 ipsec-isakmp
        Dynamic map template tag: DYN

Crypto Map "MAP" 65536 ipsec-isakmp
        Peer = 192.0.2.2
        Extended IP access list 
            access-list  permit ip 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255
            dynamic (created from dynamic map DYN/10)
        Current peer: 192.0.2.2
        Security association lifetime: 4608000 kilobytes/3600 seconds
        PFS (Y/N): N
        Transform sets={ AES-SHA, }
        Interfaces using crypto map MAP:
                GigabitEthernet0/0'
map=$(ctl gA "$SA" show crypto map)
check "hub: show crypto map, template and created entry, every line" '[ "$map" = "$want" ]' "$(diff <(echo "$want") <(echo "$map"))"

ipa=$(ctl gA "$SA" show crypto ipsec sa)
ipb=$(ctl gB "$SB" show crypto ipsec sa)
spi_a_out=$(sed -n 's/.*current outbound spi: 0x\([0-9A-F]*\).*/\1/p' <<<"$ipa")
spi_b_out=$(sed -n 's/.*current outbound spi: 0x\([0-9A-F]*\).*/\1/p' <<<"$ipb")
check "hub: show crypto ipsec sa, the pair's SPIs crossed with the spoke's" \
	'[ -n "$spi_a_out" ] && [ -n "$spi_b_out" ] && grep -q "spi: 0x$spi_a_out" <<<"$ipb" && grep -q "spi: 0x$spi_b_out" <<<"$ipa"' \
	"hub out $spi_a_out, spoke out $spi_b_out"
enc=$(sed -n 's/.*#pkts encaps: \([0-9]*\),.*/\1/p' <<<"$ipa")
dec=$(sed -n 's/.*#pkts decaps: \([0-9]*\),.*/\1/p' <<<"$ipa")
miss=""
for l in "interface: GigabitEthernet0/0" "Crypto map tag: MAP, local addr 192.0.2.1" \
	"local  ident (addr/mask/prot/port): (10.10.0.0/255.255.0.0/0/0)" \
	"remote ident (addr/mask/prot/port): (10.20.0.0/255.255.0.0/0/0)" "current_peer 192.0.2.2 port 500" \
	"local crypto endpt.: 192.0.2.1, remote crypto endpt.: 192.0.2.2" "transform: esp-aes esp-sha-hmac ," \
	"in use settings ={Tunnel, }" "crypto map: MAP"; do
	grep -qF -- "$l" <<<"$ipa" || miss="$miss [$l]"
done
check "hub: show crypto ipsec sa fields (map MAP, proxies, peer, transform)" '[ -z "$miss" ]' "missing:$miss"$'\n'"$ipa"
check "hub: show crypto ipsec sa counters (>= 10 each way)" '[ "${enc:-0}" -ge 10 ] && [ "${dec:-0}" -ge 10 ]' "encaps $enc decaps $dec"
ses=$(ctl gA "$SA" show crypto session)
check "hub: show crypto session UP-ACTIVE, origin dynamic crypto map" \
	'grep -qF "Session status: UP-ACTIVE" <<<"$ses" && grep -qF "Peer: 192.0.2.2 port 500" <<<"$ses" &&
	 grep -qF "IPSEC FLOW: permit ip 10.10.0.0/255.255.0.0 10.20.0.0/255.255.0.0" <<<"$ses" &&
	 grep -qF "Active SAs: 2, origin: dynamic crypto map" <<<"$ses"' "$ses"
miss=""
for l in "Old State = IKE_READY New State = IKE_R_MM1" "Old State = IKE_R_MM5 New State = IKE_P1_COMPLETE" \
	"SA has been authenticated with 192.0.2.2" "Checking IPSec proposal 1" \
	"Old State = IKE_QM_R_QM2 New State = IKE_QM_PHASE2_COMPLETE"; do
	grep -qF -- "$l" "$LA" || miss="$miss [hub: $l]"
done
for l in "beginning Main Mode exchange" "Old State = IKE_QM_I_QM1 New State = IKE_QM_PHASE2_COMPLETE"; do
	grep -qF -- "$l" "$LB" || miss="$miss [spoke: $l]"
done
grep -qF "beginning Main Mode exchange" "$LA" && miss="$miss [the hub initiated main mode]"
check "debug trace: the spoke initiates, the hub responds" '[ -z "$miss" ]' "missing:$miss"

# 3. clear crypto sa on the hub: the created entry goes; with the ISAKMP
#    SA still up the hub's side still cannot start a quick mode
ctl gA "$SA" clear crypto sa >/dev/null
wait_for '! ctl gB "$SB" show crypto ipsec sa | grep -q "spi: 0x"' 5
map=$(ctl gA "$SA" show crypto map)
check "clear crypto sa: the created entry MAP 65536 goes, and its policy rules" \
	'! grep -q "65536" <<<"$map" && grep -q "Dynamic map template tag: DYN" <<<"$map" && ! ctl gB "$SB" show crypto ipsec sa | grep -q "spi: 0x" &&
	 ! rules_a | grep -q "10\.20\.0\.0"' \
	"$map $(rules_a)"
nqa=$(grep -c "beginning Quick Mode exchange" "$LA")
pout=$(pings hA 3)
sleep 1
check "after clear: hub side still cannot initiate (ISAKMP SA up, no quick mode from the hub)" \
	'[[ "$pout" == *" 0 received"* ]] && [ "$(grep -c "beginning Quick Mode exchange" "$LA")" = "$nqa" ] &&
	 ! ctl gA "$SA" show crypto ipsec sa | grep -q "spi: 0x" && ctl gA "$SA" show crypto isakmp sa | grep -q QM_IDLE' \
	"$(tail -n 2 <<<"$pout"); QM from hub $nqa -> $(grep -c "beginning Quick Mode exchange" "$LA")"
nmm=$(grep -c "beginning Main Mode exchange" "$LB")
nx hB ping -c 1 -W 1 10.10.0.2 >/dev/null 2>&1
wait_for 'ctl gA "$SA" show crypto ipsec sa | grep -q "current outbound spi: 0x[1-9A-F]"' 5
pout=$(pings hB 3)
pout2=$(pings hA 3)
check "the spoke's traffic brings a new pair (quick mode only), both ways" \
	'[[ "$pout" == *" 3 received"* ]] && [[ "$pout2" == *" 3 received"* ]] && [ "$(grep -c "beginning Main Mode exchange" "$LB")" = "$nmm" ] &&
	 ctl gA "$SA" show crypto map | grep -q "Crypto Map \"MAP\" 65536 ipsec-isakmp"' \
	"$(tail -n 1 <<<"$pout") / $(tail -n 1 <<<"$pout2")"
check "SIGTERM: both exit 0" 'netns_stop_all' "non-zero exit: $(tail -n 3 "$LA.stderr" "$LB.stderr")"

# 4. the same hub with an ACL in the dynamic-map entry: the hub's traffic
#    matches it, finds no SA and is dropped at the hub (IOS: only the peer
#    can initiate from a dynamic entry)
sed -e 's/^ set transform-set AES-SHA$/ set transform-set AES-SHA\n match address DYN-ACL/' \
	-e 's/^end$/ip access-list extended DYN-ACL\n permit ip 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255\nend/' \
	"$CFGS/hub-dyn.cfg" >"$T/hub-acl.cfg"
LA2=$T/hub2.log LB2=$T/spoke2.log
espfabd_start gA "$SA" "$T/hub-acl.cfg" sw a0 a1 "$LA2" --test-hooks && espfabd_start gB "$SB" "$CFGS/spoke-dyn.cfg" sw b0 b1 "$LB2" --test-hooks ||
	{ echo "FAIL: espfabd did not start: $(cat "$LA2.stderr" "$LB2.stderr")"; exit 1; }
ctl gA "$SA" debug crypto isakmp >/dev/null
ctl gB "$SB" debug crypto isakmp >/dev/null
pout=$(pings hA 3)
sleep 1
check "ACL in the dynamic entry: hub side dropped at the hub, not negotiated" \
	'[[ "$pout" == *" 0 received"* ]] && [ "$(dp_count gA "$SA" "no SA (dynamic entry: the peer must initiate)")" -ge 3 ] &&
	 no_isakmp && ! grep -q "beginning Main Mode exchange" "$LA2" && [ "$(dp_count gB "$SB" "must be protected (RECVD_PKT_NOT_IPSEC)")" = 0 ]' \
	"$(tail -n 1 <<<"$pout"); $(ctl gA "$SA" show crypto datapath | grep -i "dropped")"
nx hB ping -c 1 -W 1 10.10.0.2 >/dev/null 2>&1
wait_for 'ctl gA "$SA" show crypto ipsec sa | grep -q "current outbound spi: 0x[1-9A-F]"' 10
pout=$(pings hB 3)
pout2=$(pings hA 3)
check "ACL in the dynamic entry: the spoke's traffic brings the tunnel up, both ways" \
	'[[ "$pout" == *" 3 received"* ]] && [[ "$pout2" == *" 3 received"* ]] && ctl gA "$SA" show crypto map | grep -qF "dynamic (created from dynamic map DYN/10)"' \
	"$(tail -n 1 <<<"$pout") / $(tail -n 1 <<<"$pout2")"
check "SIGTERM: both exit 0 (second run)" 'netns_stop_all' "non-zero exit: $(tail -n 3 "$LA2.stderr" "$LB2.stderr")"

echo "ike_dynamic_map: $((ncase - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
