#!/usr/bin/env bash
# ike_transport.sh — transport mode through espfabd's data path, negotiated
# by two espfabd, in network namespaces (docs/datapath.md, docs/ike.md):
#
#   gA (a0 192.0.2.1) ===IKE/ESP transport=== gB (b0 192.0.2.2)
#
# Configurations: tests/configs/transport-a.cfg / transport-b.cfg (AES-128 /
# SHA / group 14 phase 1; `crypto ipsec transform-set AES-SHA-TR esp-aes
# esp-sha-hmac` with `mode transport`; `access-list 101 permit ip host
# 192.0.2.1 host 192.0.2.2`: the gateways' own traffic to each other).
#   * the policy rules: the ACL's rule into espfab0, the fwmark rule that
#     keeps espfabd's own packets (ESP, IKE) out of it, and the rule for
#     the gateway's own unbound sockets (`iif lo from 0.0.0.0 to 192.0.2.2`
#     with the route `192.0.2.2 dev espfab0 src 192.0.2.1`: without it a
#     plain ping left in the clear, docs/datapath.md); `ip route get` shows
#     where each kind of packet goes;
#   * a plain `ping 192.0.2.2` on gA finds no SA: the data path's acquire
#     starts main mode + quick mode (gA initiates, gB responds, the
#     transport proposal accepted), then 5 pings pass; 3 pings gB -> gA
#     with the source bound (-I 192.0.2.2) through the same pair;
#   * `show crypto ipsec sa` on both: `in use settings ={Transport, }`, the
#     host proxies, crossed SPIs, encaps of one side = decaps of the other;
#   * 512 KB over TCP each way (socat, cmp): gA -> gB with the source bound,
#     gB -> gA with the source chosen by the kernel;
#   * on the wire (tshark on a0): no cleartext ICMP/TCP between the two
#     addresses; cleartext UDP 500 (IKE is exempt, as on IOS) in both
#     directions, main mode's and quick mode's messages; with the keys of
#     --debug-keys (test oracle only) tshark decrypts every ESP packet with
#     a good ICV, the next header is ICMP or TCP and there is no inner IP
#     header (one IP layer per frame: transport); per direction, ESP
#     packets on the wire = the sender's encaps = the receiver's decaps;
#   * SIGTERM: exit 0, the policy rules and table 58864's routes gone.
# Needs $BIN, root, iproute2, ping, socat, tshark.  Pass = exit 0; SKIP
# when network namespaces are unavailable.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
ESPFABD=$BIN/espfabd
ESPFABCTL=$BIN/espfabctl
HERE=$(cd "$(dirname "$0")" && pwd)
CFGS=$HERE/../configs
. "$HERE/lib/keys_tshark.sh"
. "$HERE/lib/capture.sh"
NETNS_PREFIX=tr$$
. "$HERE/lib/netns.sh" # nx, espfabd_start, netns_stop_all, ctl, wait_for
NETNS_NAMES=(gA gB)
T=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$T"' EXIT

if ! netns_available; then
	echo "SKIP: network namespaces unavailable (needs root and iproute2)"
	exit 0
fi
for t in ping socat tshark; do
	command -v $t >/dev/null || { echo "FAIL: $t not installed (scripts/deps.sh)"; exit 1; }
done

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

for n in gA gB; do ip netns add "$NETNS_PREFIX$n" && nx $n ip link set lo up; done
ip link add a0 netns "${NETNS_PREFIX}gA" type veth peer name b0 netns "${NETNS_PREFIX}gB"

# the value of "#pkts encaps: N," / "#pkts decaps: N," in show crypto ipsec sa
sa_count() { # NS SOCK encaps|decaps
	ctl "$1" "$2" show crypto ipsec sa | sed -n "s/.*#pkts $3: \([0-9]*\),.*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}
rules() { nx "$1" ip rule show; }

SA=$T/a.sock SB=$T/b.sock LA=$T/a.log LB=$T/b.log
espfabd_start gA "$SA" "$CFGS/transport-a.cfg" sw a0 - "$LA" --test-hooks --debug-keys "$LA.keys" &&
	espfabd_start gB "$SB" "$CFGS/transport-b.cfg" sw b0 - "$LB" --test-hooks --debug-keys "$LB.keys" ||
	{ echo "FAIL: espfabd did not start: $(cat "$LA.stderr" "$LB.stderr")"; exit 1; }
for g in "gA $SA" "gB $SB"; do
	# shellcheck disable=SC2086
	ctl $g debug crypto isakmp >/dev/null
	# shellcheck disable=SC2086
	ctl $g debug crypto ipsec >/dev/null
done

# 0. the policy rules (docs/datapath.md): the ACL's line into espfab0, the
#    fwmark rule first so espfabd's own ESP and IKE never enter it
ra=$(rules gA)
check "gA: fwmark rule before the ACL's rule into the TUN" \
	'grep -Eq "^1000:.*fwmark 0xe5f0 lookup main" <<<"$ra" && grep -Eq "^1001:.*from 192\.0\.2\.1 to 192\.0\.2\.2 lookup 58864" <<<"$ra"' "$ra"
check "gA: the rule for its own unbound sockets, after the fwmark rule, and its route with source 192.0.2.1" \
	'grep -Eq "^1301:.*from 0\.0\.0\.0 to 192\.0\.2\.2 iif lo lookup 58864" <<<"$ra" &&
	 nx gA ip route show table 58864 | grep -q "^192\.0\.2\.2 dev espfab0 .*src 192\.0\.2\.1"' \
	"$ra / $(nx gA ip route show table 58864)"
rb=$(rules gB)
check "gB: fwmark rule before the ACL's rule into the TUN" \
	'grep -Eq "^1000:.*fwmark 0xe5f0 lookup main" <<<"$rb" && grep -Eq "^1001:.*from 192\.0\.2\.2 to 192\.0\.2\.1 lookup 58864" <<<"$rb"' "$rb"

rg=$(nx gA ip route get 192.0.2.2)
check "gA: its own unbound traffic to gB is routed into espfab0 with source 192.0.2.1" \
	'[[ "$rg" == *"dev espfab0 "* && "$rg" == *"src 192.0.2.1 "* ]]' "$rg"
rg=$(nx gA ip route get 192.0.2.2 from 192.0.2.1)
check "gA: traffic bound to 192.0.2.1 is routed into espfab0" '[[ "$rg" == *"dev espfab0 "* ]]' "$rg"
rg=$(nx gA ip route get 192.0.2.2 mark 0xe5f0)
check "gA: espfabd's own packets (fwmark 0xe5f0) go out a0" '[[ "$rg" == *"dev a0 "* ]]' "$rg"

# 1. gA's own traffic to gB triggers the negotiation (captured on a0)
cap_start "$T/wire.pcap" "$T/tshark-cap.err" "${NETNS_PREFIX}gA" -i a0
t0=$SECONDS
nx gA ping -c 1 -W 1 192.0.2.2 >/dev/null 2>&1
wait_for 'ctl gB "$SB" show crypto ipsec sa 2>/dev/null | grep -q "current outbound spi: 0x[1-9A-F]" &&
	ctl gA "$SA" show crypto ipsec sa 2>/dev/null | grep -q "current outbound spi: 0x[1-9A-F]"' 10
check "acquire: main mode + quick mode started by gA's ping, SAs on both in under 10 s" \
	'grep -qF "beginning Main Mode exchange" "$LA" && grep -qF "beginning Quick Mode exchange" "$LA" &&
	 grep -qF "Old State = IKE_QM_I_QM1 New State = IKE_QM_PHASE2_COMPLETE" "$LA" &&
	 grep -qF "Old State = IKE_READY New State = IKE_R_MM1" "$LB" &&
	 grep -qF "Old State = IKE_QM_R_QM2 New State = IKE_QM_PHASE2_COMPLETE" "$LB" &&
	 ! grep -qF "beginning Main Mode exchange" "$LB"' \
	"after $((SECONDS - t0)) s: $(tail -n 5 "$LA")"
check "the transport proposal was offered and accepted" \
	'grep -qF "encaps is 2 (Transport)" "$LB"' "$(grep -i -m3 encap "$LB")"
pout=$(nx gA ping -c 5 -i 0.2 -W 2 192.0.2.2 2>&1)
check "ping gA -> gB (source chosen by the kernel) through the transport-mode SA" '[[ "$pout" == *"5 received"* ]]' "$(tail -n 2 <<<"$pout")"
pout=$(nx gB ping -I 192.0.2.2 -c 3 -i 0.2 -W 2 192.0.2.1 2>&1)
check "ping gB -> gA (source bound to 192.0.2.2) through the same pair" '[[ "$pout" == *"3 received"* ]]' "$(tail -n 2 <<<"$pout")"
isa_a=$(ctl gA "$SA" show crypto isakmp sa)
check "show crypto isakmp sa: QM_IDLE" 'grep -Eq "^192\.0\.2\.2 +192\.0\.2\.1 +QM_IDLE +[0-9]+ ACTIVE" <<<"$isa_a"' "$isa_a"

ipa=$(ctl gA "$SA" show crypto ipsec sa)
ipb=$(ctl gB "$SB" show crypto ipsec sa)
spi_a_out=$(sed -n 's/.*current outbound spi: 0x\([0-9A-F]*\).*/\1/p' <<<"$ipa")
spi_b_out=$(sed -n 's/.*current outbound spi: 0x\([0-9A-F]*\).*/\1/p' <<<"$ipb")
check "pair: each side's outbound SPI is the other's inbound" \
	'[ -n "$spi_a_out" ] && [ -n "$spi_b_out" ] && grep -q "spi: 0x$spi_a_out" <<<"$ipb" && grep -q "spi: 0x$spi_b_out" <<<"$ipa"' \
	"gA out $spi_a_out, gB out $spi_b_out"
check "show crypto ipsec sa on gA: in use settings ={Transport, } (inbound and outbound)" \
	'[ "$(grep -cF "in use settings ={Transport, }" <<<"$ipa")" -ge 2 ] && ! grep -qF "{Tunnel" <<<"$ipa"' "$ipa"
check "show crypto ipsec sa on gB: in use settings ={Transport, } (inbound and outbound)" \
	'[ "$(grep -cF "in use settings ={Transport, }" <<<"$ipb")" -ge 2 ] && ! grep -qF "{Tunnel" <<<"$ipb"' "$ipb"
check "show crypto ipsec sa: host proxies, peer, transform" \
	'grep -qF "local  ident (addr/mask/prot/port): (192.0.2.1/255.255.255.255/0/0)" <<<"$ipa" &&
	 grep -qF "remote ident (addr/mask/prot/port): (192.0.2.2/255.255.255.255/0/0)" <<<"$ipa" &&
	 grep -qF "current_peer 192.0.2.2 port 500" <<<"$ipa" && grep -qF "transform: esp-aes esp-sha-hmac ," <<<"$ipa" &&
	 grep -qF "local  ident (addr/mask/prot/port): (192.0.2.2/255.255.255.255/0/0)" <<<"$ipb"' "$ipa"
ea=$(sa_count gA "$SA" encaps) da=$(sa_count gA "$SA" decaps)
eb=$(sa_count gB "$SB" encaps) db=$(sa_count gB "$SB" decaps)
check "counters after the pings: encaps and decaps on both, crossed" \
	'[ "$ea" -ge 8 ] && [ "$eb" -ge 8 ] && [ "$ea" = "$db" ] && [ "$eb" = "$da" ]' \
	"gA encaps $ea decaps $da, gB encaps $eb decaps $db"

# 2. TCP between the gateways' addresses, 512 KB each way
head -c 524288 /dev/urandom >"$T/src.bin"
tcp_xfer() { # FROM TO TO-ADDR PORT OUT CONNECT-OPTS
	rm -f "$5"
	nx "$2" socat -u "TCP4-LISTEN:$4,bind=$3,reuseaddr" "OPEN:$5,creat,trunc" &
	local lp=$!
	wait_for "nx $2 ss -ltn | grep -q ':$4 '" 5
	timeout 60 ip netns exec "$NETNS_PREFIX$1" socat -u "OPEN:$T/src.bin" "TCP4:$3:$4$6" || return 1
	wait "$lp" && cmp -s "$T/src.bin" "$5"
}
e0=$ea
check "TCP 512 KB gA -> gB (source bound to 192.0.2.1), cmp" \
	'tcp_xfer gA gB 192.0.2.2 5001 "$T/got-b.bin" ",bind=192.0.2.1"' "$(ls -l "$T"/got-b.bin 2>&1)"
check "TCP 512 KB gB -> gA (source chosen by the kernel), cmp" \
	'tcp_xfer gB gA 192.0.2.1 5002 "$T/got-a.bin" ""' "$(ls -l "$T"/got-a.bin 2>&1)"
sleep 0.5
ea=$(sa_count gA "$SA" encaps) da=$(sa_count gA "$SA" decaps)
eb=$(sa_count gB "$SB" encaps) db=$(sa_count gB "$SB" decaps)
check "counters after TCP: >= 380 more encaps on gA (512 KB / 1360), crossed with gB's decaps" \
	'[ $((ea - e0)) -ge 380 ] && [ "$eb" -ge 380 ] && [ "$ea" = "$db" ] && [ "$eb" = "$da" ]' \
	"gA encaps $ea decaps $da, gB encaps $eb decaps $db"
ipa=$(ctl gA "$SA" show crypto ipsec sa) ipb=$(ctl gB "$SB" show crypto ipsec sa)
check "no send/recv errors on either side" \
	'grep -q "#send errors 0, #recv errors 0" <<<"$ipa" && grep -q "#send errors 0, #recv errors 0" <<<"$ipb" &&
	 ! grep -Eq "errors [1-9]" <<<"$ipa$ipb"' "$(grep errors <<<"$ipa$ipb")"

# 3. the wire
cap_stop "$T/wire.pcap" "esp" "$((ea + eb))"
AB="ip.src == 192.0.2.1 && ip.dst == 192.0.2.2"
BA="ip.src == 192.0.2.2 && ip.dst == 192.0.2.1"
nclear=$(cap_count "$T/wire.pcap" "(icmp || tcp) && !esp && ip.addr == 192.0.2.1 && ip.addr == 192.0.2.2")
check "no cleartext ICMP or TCP between the two addresses on the wire" '[ "$nclear" = 0 ]' \
	"$(tshark -r "$T/wire.pcap" -n -Y "(icmp || tcp) && !esp" 2>/dev/null | head -n 5)"
ike_ab=$(cap_count "$T/wire.pcap" "$AB && udp.srcport == 500 && udp.dstport == 500 && isakmp")
ike_ba=$(cap_count "$T/wire.pcap" "$BA && udp.srcport == 500 && udp.dstport == 500 && isakmp")
ike_qm=$(cap_count "$T/wire.pcap" "udp.port == 500 && isakmp.exchangetype == 32")
check "IKE's UDP 500 is exempt: cleartext ISAKMP both ways (MM1-6, QM1-3) between the same addresses" \
	'[ "$ike_ab" -ge 5 ] && [ "$ike_ba" -ge 4 ] && [ "$ike_qm" -ge 3 ]' "A->B $ike_ab, B->A $ike_ba, quick mode $ike_qm"
esp_ab=$(cap_count "$T/wire.pcap" "$AB && ip.proto == 50")
esp_ba=$(cap_count "$T/wire.pcap" "$BA && ip.proto == 50")
check "ESP on the wire = the sender's encaps = the receiver's decaps, per direction" \
	'[ "$esp_ab" = "$ea" ] && [ "$esp_ab" = "$db" ] && [ "$esp_ba" = "$eb" ] && [ "$esp_ba" = "$da" ]' \
	"wire A->B $esp_ab (gA encaps $ea, gB decaps $db), B->A $esp_ba (gB encaps $eb, gA decaps $da)"
ek=$(keys_esp_check "$T/wire.pcap" "$LA.keys")
check "tshark decrypts every ESP packet, every ICV good" \
	'read -r n g b u <<<"$ek" && [ "$n" = $((esp_ab + esp_ba)) ] && [ "$n" -ge 760 ] && [ "$g" = "$n" ]' \
	"ESP packets, ICV good, bad, undecrypted: $ek (wire $esp_ab + $esp_ba)"
check "gB exported the same keys" 'sort "$LA.keys" | cmp -s - <(sort "$LB.keys")' "$(wc -l "$LA.keys" "$LB.keys" 2>&1)"
keys_tshark_opts "$LA.keys"
dec() { tshark -r "$T/wire.pcap" -n "${KEYS_OPTS[@]}" -Y "$1" 2>/dev/null | wc -l; }
n_icmp=$(dec "esp && icmp && count(ip) == 1")
n_tcp=$(dec "esp && tcp && count(ip) == 1")
n_inner=$(dec "esp && count(ip) != 1")
nh=$(tshark -r "$T/wire.pcap" -n "${KEYS_OPTS[@]}" -Y esp -T fields -e esp.protocol 2>/dev/null | sort -u | tr '\n' ' ')
check "decrypted: the ICMP and TCP directly after ESP, no inner IP header (transport)" \
	'[ "$n_icmp" -ge 16 ] && [ "$n_tcp" -ge 760 ] && [ "$n_inner" = 0 ] && [ $((n_icmp + n_tcp)) = $((esp_ab + esp_ba)) ]' \
	"ICMP $n_icmp, TCP $n_tcp, with an inner IP header $n_inner, ESP $((esp_ab + esp_ba))"
check "ESP next header: only 1 (ICMP) and 6 (TCP), never 4 (IP-in-IP)" \
	'[ "$nh" = "0x01 0x06 " ]' "next headers: $nh"
rq_ab=$(dec "esp && icmp.type == 8 && $AB") rp_ba=$(dec "esp && icmp.type == 0 && $BA")
rq_ba=$(dec "esp && icmp.type == 8 && $BA") rp_ab=$(dec "esp && icmp.type == 0 && $AB")
check "decrypted: echo requests and replies, each ping's (the acquiring one dropped)" \
	'[ "$rq_ab/$rp_ba/$rq_ba/$rp_ab" = "5/5/3/3" ]' "gA requests/gB replies/gB requests/gA replies: $rq_ab/$rp_ba/$rq_ba/$rp_ab"

# 4. exit
check "SIGTERM: both exit 0" 'netns_stop_all' "non-zero exit: $(tail -n 3 "$LA.stderr" "$LB.stderr")"
check "policy rules and routes gone after exit" \
	'! rules gA | grep -q 5886 && ! rules gB | grep -q 5886 && ! rules gA | grep -q 0xe5f0 &&
	 [ -z "$(nx gA ip route show table 58864 2>/dev/null)" ] && [ -z "$(nx gB ip route show table 58864 2>/dev/null)" ]' \
	"$(rules gA; nx gA ip route show table 58864 2>&1)"

echo "ike_transport: $((ncase - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
