#!/usr/bin/env bash
# ike_two_sites.sh — two espfabd negotiate IKEv1 main mode + quick mode by
# themselves, in network namespaces (docs/ike.md):
#
#   hA (10.10.0.2) --- gA (a1 | a0 192.0.2.1) ===IKE/ESP=== gB (b0 192.0.2.2 | b1) --- hB (10.20.0.2)
#
# Configurations: tests/configs/site-a.cfg / site-b.cfg unchanged (AES-128 /
# SHA / group 14 phase 1, esp-aes esp-sha-hmac with PFS group 14).
#   * a ping hA -> hB: the first packet triggers the acquire (and is dropped,
#     as IOS drops it), main mode and quick mode complete, the next pings
#     pass; `show crypto isakmp sa` shows QM_IDLE on both gateways (IOS's
#     "IPv4 Crypto ISAKMP SA" format), `... detail` the algorithms;
#     `show crypto ipsec sa` shows the negotiated pair with matching SPIs;
#   * the `debug crypto isakmp` trace has IOS's lines;
#   * `clear crypto isakmp` on gA deletes the ISAKMP SA on both (delete
#     payload); the IPsec pair survives (as on IOS) and traffic still flows;
#   * the test-only `test crypto initiate SITES 10` (--test-hooks)
#     negotiates again without traffic;
#   * `clear crypto sa` on gA (the SADB's hard expiry): gA sends a delete
#     payload, gB drops its pair; the next packets bring up a new pair with
#     quick mode only;
#   * a wrong pre-shared key on gB: no SA, %CRYPTO-4-IKMP_BAD_MESSAGE on gB;
#   * SIGTERM: exit 0.
# Needs $BIN, root, iproute2, ping.  Pass = exit 0; SKIP when network
# namespaces are unavailable.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
D=$BIN/espfabd
C=$BIN/espfabctl
HERE=$(cd "$(dirname "$0")" && pwd)
CFGS=$HERE/../configs
. "$HERE/lib/keys_tshark.sh"
. "$HERE/lib/capture.sh"
P=ik$$
T=$(mktemp -d)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for n in hA gA gB hB; do
		for p in $(ip netns pids "$P$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$P$n" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "${P}probe" 2>/dev/null; then
	echo "SKIP: network namespaces unavailable (needs root and iproute2)"
	exit 0
fi
ip netns del "${P}probe"
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
nx() { local n=$1; shift; ip netns exec "$P$n" "$@"; }
wait_for() { # COND-STRING SECONDS
	local i
	for i in $(seq $(($2 * 10))); do eval "$1" && return 0; sleep 0.1; done
	return 1
}

for n in hA gA gB hB; do ip netns add "$P$n" && nx $n ip link set lo up; done
ip link add ha0 netns "${P}hA" type veth peer name a1 netns "${P}gA"
ip link add a0 netns "${P}gA" type veth peer name b0 netns "${P}gB"
ip link add b1 netns "${P}gB" type veth peer name hb0 netns "${P}hB"
nx hA ip addr add 10.10.0.2/16 dev ha0 && nx hA ip link set ha0 up && nx hA ip route add default via 10.10.0.1
nx hB ip addr add 10.20.0.2/16 dev hb0 && nx hB ip link set hb0 up && nx hB ip route add default via 10.20.0.1

start() { # NS SOCK CFG IFOUT IFIN LOG
	ip netns exec "$P$1" "$D" --config "$3" --engine sw --socket "$2" --ifmap "GigabitEthernet0/0=$4" \
		--ifmap "GigabitEthernet0/1=$5" --test-hooks --debug-keys "$6.keys" --foreground --log "$6" 2>>"$6.stderr" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$2" ] && return 0; sleep 0.05; done
	return 1
}
stop_all() {
	local rc=0
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" || rc=1
	done
	PIDS=()
	return $rc
}
ctl() { local n=$1 s=$2; shift 2; nx "$n" "$C" --socket "$s" "$@"; }

SA=$T/a.sock SB=$T/b.sock LA=$T/a.log LB=$T/b.log
start gA "$SA" "$CFGS/site-a.cfg" a0 a1 "$LA" && start gB "$SB" "$CFGS/site-b.cfg" b0 b1 "$LB" ||
	{ echo "FAIL: espfabd did not start: $(cat "$LA.stderr" "$LB.stderr")"; exit 1; }
ctl gA "$SA" debug crypto isakmp >/dev/null
ctl gB "$SB" debug crypto isakmp >/dev/null

# 1. traffic triggers the negotiation (captured on gA's outside link for tshark)
cap_start "$T/wire.pcap" "$T/tshark-cap.err" "${P}gA" -i a0
nx hA ping -c 1 -W 1 10.20.0.2 >/dev/null 2>&1
wait_for 'ctl gB "$SB" show crypto ipsec sa 2>/dev/null | grep -c "inbound esp sas" >/dev/null' 10
pout=$(nx hA ping -c 5 -i 0.2 -W 2 10.20.0.2 2>&1)
check "ping through the negotiated tunnel" '[[ "$pout" == *"5 received"* ]]' "$(tail -n 2 <<<"$pout")"
isa_a=$(ctl gA "$SA" show crypto isakmp sa)
isa_b=$(ctl gB "$SB" show crypto isakmp sa)
want=$'IPv4 Crypto ISAKMP SA\ndst             src             state          conn-id status\n192.0.2.2       192.0.2.1       QM_IDLE              1 ACTIVE'
check "show crypto isakmp sa on gA" '[[ "$isa_a" == "$want"* ]]' "$isa_a"
check "show crypto isakmp sa on gB" '[[ "$isa_b" == "$want"* ]]' "$isa_b"
det=$(ctl gA "$SA" show crypto isakmp sa detail)
check "show crypto isakmp sa detail" 'grep -Eq "^1 +192\.0\.2\.1 +192\.0\.2\.2 +ACTIVE aes +sha +psk +14 +0[78]:[0-9]{2}:[0-9]{2} +D$" <<<"$det" && grep -q "Engine-id:Conn-id =  SW:1" <<<"$det"' "$det"
ipa=$(ctl gA "$SA" show crypto ipsec sa)
ipb=$(ctl gB "$SB" show crypto ipsec sa)
spi_a_out=$(sed -n 's/.*current outbound spi: 0x\([0-9A-F]*\).*/\1/p' <<<"$ipa")
spi_b_out=$(sed -n 's/.*current outbound spi: 0x\([0-9A-F]*\).*/\1/p' <<<"$ipb")
check "pair: each side's outbound SPI is the other's inbound" \
	'[ -n "$spi_a_out" ] && grep -q "spi: 0x$spi_a_out" <<<"$ipb" && grep -q "spi: 0x$spi_b_out" <<<"$ipa"' \
	"gA out $spi_a_out, gB out $spi_b_out"
check "pair: negotiated transform, PFS, lifetimes" 'grep -qF "transform: esp-aes esp-sha-hmac ," <<<"$ipa" &&
	grep -qF "PFS (Y/N): Y, DH group: group14" <<<"$ipa" && grep -Eq "remaining key lifetime \(k/sec\): \([0-9]+/28[0-9]{3}\)" <<<"$ipa" &&
	grep -qF "in use settings ={Tunnel, }" <<<"$ipb"' "$(grep -E "transform|PFS|timing" <<<"$ipa")"

# tshark decrypts raw ESP and the encrypted ISAKMP with the keys gA exported
# (--debug-keys: test oracle only)
cap_stop "$T/wire.pcap" "esp && ip.proto == 50" 10
ek=$(keys_esp_check "$T/wire.pcap" "$LA.keys")
ik=$(keys_isakmp_check "$T/wire.pcap" "$LA.keys")
check "tshark decrypts the ESP (protocol 50), every ICV good" 'read -r n g b u <<<"$ek" && [ "$n" -ge 10 ] && [ "$g" = "$n" ] &&
	[ "$(tshark -r "$T/wire.pcap" -n -Y "esp && ip.proto == 50" 2>/dev/null | wc -l)" = "$n" ]' "ESP packets, ICV good, bad, undecrypted: $ek"
check "tshark decrypts MM5/MM6 and quick mode" 'read -r n d <<<"$ik" && [ "$n" -ge 5 ] && [ "$d" = "$n" ]' "encrypted ISAKMP, decrypted: $ik"
check "gB exported the same keys" 'sort "$LA.keys" | cmp -s - <(sort "$LB.keys")' "$(wc -l "$LA.keys" "$LB.keys" 2>&1)"

# 2. the trace
miss=""
for l in "Old State = IKE_READY New State = IKE_I_MM1" "beginning Main Mode exchange" \
	"sending packet to 192.0.2.2 my_port 500 peer_port 500 (I) MM_NO_STATE" \
	"Checking ISAKMP transform 1 against priority 10 policy" "atts are acceptable. Next payload is" \
	"SKEYID state generated" "NAT not found for self or peer" "SA has been authenticated with 192.0.2.2" \
	"beginning Quick Mode exchange, M-ID of" "Creating IPSec SAs" "Old State = IKE_QM_I_QM1 New State = IKE_QM_PHASE2_COMPLETE"; do
	grep -qF -- "$l" "$LA" || miss="$miss [gA: $l]"
done
for l in "Global (N) NEW SA" "Old State = IKE_READY New State = IKE_R_MM1" "Old State = IKE_R_MM5 New State = IKE_P1_COMPLETE" \
	"SA has been authenticated with 192.0.2.1" "Checking IPSec proposal 1" "Old State = IKE_QM_SPI_STARVE New State = IKE_QM_R_QM2" \
	"Old State = IKE_QM_R_QM2 New State = IKE_QM_PHASE2_COMPLETE"; do
	grep -qF -- "$l" "$LB" || miss="$miss [gB: $l]"
done
check "debug crypto isakmp trace" '[ -z "$miss" ]' "missing:$miss"

# 3. clear crypto isakmp: both ISAKMP SAs go, the IPsec pair stays
ctl gA "$SA" clear crypto isakmp
wait_for '! ctl gB "$SB" show crypto isakmp sa | grep -q QM_IDLE' 5
check "clear crypto isakmp on gA removes the SA on both" \
	'! ctl gA "$SA" show crypto isakmp sa | grep -q QM_IDLE && ! ctl gB "$SB" show crypto isakmp sa | grep -q QM_IDLE' \
	"$(ctl gB "$SB" show crypto isakmp sa)"
pout=$(nx hA ping -c 2 -i 0.2 -W 2 10.20.0.2 2>&1)
check "IPsec pair survives clear crypto isakmp" '[[ "$pout" == *"2 received"* ]]' "$(tail -n 2 <<<"$pout")"

# 4. negotiation without traffic (test-only command)
out=$(ctl gA "$SA" test crypto initiate SITES 10 2>&1)
wait_for 'ctl gB "$SB" show crypto isakmp sa | grep -q QM_IDLE' 10
check "test crypto initiate SITES 10" '[[ "$out" == "Negotiation started for crypto map SITES 10" ]] && ctl gA "$SA" show crypto isakmp sa | grep -q QM_IDLE' \
	"$out / $(ctl gA "$SA" show crypto isakmp sa)"
wait_for '[ "$(ctl gB "$SB" show crypto ipsec sa | grep -c "inbound esp sas")" -ge 1 ]' 5

# 5. clear crypto sa on gA: the SADB's hard expiry makes IKE send a delete
#    payload; gB removes its pair; the next packets negotiate a new pair
#    (quick mode only, on the ISAKMP SA that is up)
ctl gA "$SA" clear crypto sa >/dev/null
wait_for 'grep -q "processing delete for ESP spi" "$LB"' 5
check "clear crypto sa: delete payload, gB drops its pair" \
	'grep -q "processing delete for ESP spi" "$LB" && ! ctl gB "$SB" show crypto ipsec sa | grep -c "spi: 0x" >/dev/null' \
	"$(ctl gB "$SB" show crypto ipsec sa | grep -i spi)"
nqm=$(grep -c "beginning Main Mode exchange" "$LA")
nx hA ping -c 1 -W 1 10.20.0.2 >/dev/null 2>&1
wait_for 'ctl gB "$SB" show crypto ipsec sa 2>/dev/null | grep -c "spi: 0x" >/dev/null' 5
sleep 1
pout=$(nx hA ping -c 3 -i 0.2 -W 2 10.20.0.2 2>&1)
check "new pair by quick mode only, traffic flows" '[[ "$pout" == *"3 received"* ]] && [ "$(grep -c "beginning Main Mode exchange" "$LA")" = "$nqm" ]' \
	"$(tail -n 2 <<<"$pout")"
out=$(ctl gA "$SA" test crypto initiate NOSUCH 10 2>&1)
check "test crypto initiate: unknown map" '[[ "$out" == *"no such static entry"* ]]' "$out"
check "SIGTERM: both exit 0" 'stop_all' "non-zero exit: $(tail -n 3 "$LA.stderr" "$LB.stderr")"

# 6. wrong pre-shared key
sed 's/crypto isakmp key site-ab-secret/crypto isakmp key not-the-secret/' "$CFGS/site-b.cfg" >"$T/b-wrong.cfg"
LA2=$T/a2.log LB2=$T/b2.log
start gA "$SA" "$CFGS/site-a.cfg" a0 a1 "$LA2" && start gB "$SB" "$T/b-wrong.cfg" b0 b1 "$LB2" ||
	{ echo "FAIL: espfabd did not start"; exit 1; }
ctl gB "$SB" debug crypto isakmp >/dev/null
ctl gA "$SA" test crypto initiate SITES 10 >/dev/null
wait_for 'grep -q "IKMP_BAD_MESSAGE" "$LB2"' 10
check "wrong PSK: %CRYPTO-4-IKMP_BAD_MESSAGE on the responder" \
	'grep -q "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 192.0.2.1 failed its sanity check or is malformed" "$LB2"' \
	"$(tail -n 5 "$LB2")"
check "wrong PSK: no ISAKMP SA up" '! ctl gA "$SA" show crypto isakmp sa | grep -q QM_IDLE && ! ctl gB "$SB" show crypto isakmp sa | grep -q QM_IDLE' \
	"$(ctl gA "$SA" show crypto isakmp sa)"
stop_all

echo "ike_two_sites: $((ncase - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
