#!/usr/bin/env bash
# ted_seed.sh — Tunnel Endpoint Discovery, seed 000/002 (SCENARIOS.md S1,
# issue 7, docs/ted.md) in network namespaces:
#
#   hD (13.13.13.14) --- Daphne (d1 13.13.13.13 | d0 11.11.11.1) ===== Fred (f0 11.11.11.2 | f1 12.12.12.12) --- hF (12.12.12.13)
#
# Both routers run the seed's configurations exactly as seed 000 prints them
# (tests/configs/seed000-daphne.txt / seed000-fred.txt: the `show
# running-config` blocks copied byte for byte, header lines and HTML-
# conversion damage included) with --config-technote, which repairs the
# damage and logs each repair; only the interface names are mapped
# (FastEthernet0/0 and 0/1 with --ifmap).  Neither names the other as a peer.
#   * a ping hD -> hF: Daphne probes (a TED probe from 13.13.13.14 to
#     12.12.12.13, UDP 500), Fred takes it as it passes, answers from
#     11.11.11.2, Daphne runs main mode + quick mode with Fred; the next
#     pings pass;
#   * tshark dissects probe and reply as well-formed ISAKMP (exchange 243,
#     VID, three IDs) and sees the probe addressed to 12.12.12.13;
#   * show crypto isakmp sa (QM_IDLE), show crypto ipsec sa (encaps/decaps,
#     Tunnel, IV size 8, replay Y), show crypto map (tedtag 11 created from
#     ted-map/10, Discover enabled), show crypto engine connections active
#     (HMAC_MD5+DES_56_CB) on both routers;
#   * the seed's debug lines on both sides;
#   * clear crypto sa: the dynamic entry tedtag 11 goes away;
#   * negatives: a probe whose proxies no ACL covers is ignored (no reply);
#     with Fred gone, discovery retries and gives up with a log line;
#     a traffic burst to many destinations is rate-limited; a wrong PSK
#     stops at main mode.
# ENGINES="sw model sim" (default) runs the main flow on each engine; sim is
# the Verilated RTL in the SystemC platform (espfab-simd-iterative, built by
# make sim, which make e2e depends on).
# Needs $BIN, root, iproute2, ping, tshark.  Pass = exit 0.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
D=$BIN/espfabd
C=$BIN/espfabctl
PROBE=$BIN/espfab-ikeprobe
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/capture.sh"
CFGS=$HERE/../configs
ENGINES=${ENGINES:-"sw model sim"}
P=ted$$
T=$(mktemp -d)
PIDS=()
NS=(hD gD gF hF)

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for n in "${NS[@]}"; do
		for p in $(ip netns pids "$P$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$P$n" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && echo "logs kept in $T" || rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "${P}probe" 2>/dev/null; then
	echo "SKIP: network namespaces unavailable (needs root and iproute2)"
	exit 0
fi
ip netns del "${P}probe"
command -v tshark >/dev/null || { echo "FAIL: tshark not installed (scripts/deps.sh)"; exit 1; }

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

for n in "${NS[@]}"; do ip netns add "$P$n" && nx $n ip link set lo up; done
ip link add hd0 netns "${P}hD" type veth peer name d1 netns "${P}gD"
ip link add d0 netns "${P}gD" type veth peer name f0 netns "${P}gF"
ip link add f1 netns "${P}gF" type veth peer name hf0 netns "${P}hF"
nx hD ip addr add 13.13.13.14/24 dev hd0 && nx hD ip link set hd0 up && nx hD ip route add default via 13.13.13.13
nx hF ip addr add 12.12.12.13/24 dev hf0 && nx hF ip link set hf0 up && nx hF ip route add default via 12.12.12.12

start() { # NS SOCK CFG IFOUT IFIN LOG ENGINE [extra]
	local ns=$1 sock=$2 cfg=$3 o=$4 i=$5 log=$6 eng=$7
	shift 7
	ip netns exec "$P$ns" "$D" --config "$cfg" --config-technote --engine "$eng" --socket "$sock" --ifmap "FastEthernet0/0=$o" \
		--ifmap "FastEthernet0/1=$i" --foreground --log "$log" "$@" 2>>"$log.stderr" &
	PIDS+=($!)
	for _ in $(seq 200); do
		[ -S "$sock" ] && nx "$ns" "$C" --socket "$sock" --timeout 2 show version >/dev/null 2>&1 && return 0
		sleep 0.05
	done
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
debug_all() { # NS SOCK
	ctl "$1" "$2" debug crypto isakmp >/dev/null
	ctl "$1" "$2" debug crypto ipsec >/dev/null
	ctl "$1" "$2" debug crypto engine >/dev/null
}

SD=$T/d.sock SF=$T/f.sock

# ---- the seed's flow, per engine -------------------------------------------
for ENG in $ENGINES; do
	LD=$T/d-$ENG.log LF=$T/f-$ENG.log
	rm -f "$SD" "$SF"
	start gD "$SD" "$CFGS/seed000-daphne.txt" d0 d1 "$LD" "$ENG" && start gF "$SF" "$CFGS/seed000-fred.txt" f0 f1 "$LF" "$ENG" ||
		{ echo "FAIL: espfabd did not start: $(cat "$LD.stderr" "$LF.stderr")"; exit 1; }
	check "$ENG: Daphne's repairs are logged (seed000-daphne.txt:30 and :31 rebuild crypto isakmp policy 10)" \
		'grep -q "seed000-daphne.txt:31: warning: technote: cannot start a command; joined to the command on line 30" "$LD"' \
		"$(grep -c technote "$LD") technote lines"
	check "$ENG: Fred's repairs are logged (access-/list split at a hyphen, line 71)" \
		'grep -q "seed000-fred.txt:71: warning: technote: joined to the word split at a hyphen on line 70" "$LF"' \
		"$(grep -c technote "$LF") technote lines"
	debug_all gD "$SD"
	debug_all gF "$SF"
	cap_start "$T/wire-$ENG.pcap" "$T/tshark-$ENG.err" "${P}gD" -i d0

	nx hD ping -c 1 -W 1 12.12.12.13 >/dev/null 2>&1
	wait_for 'ctl gD "$SD" show crypto ipsec sa 2>/dev/null | grep -c "inbound esp sas" >/dev/null' 10
	pout=$(nx hD ping -c 9 -i 0.2 -W 2 12.12.12.13 2>&1)
	check "$ENG: ping 13.13.13.14 -> 12.12.12.13 after discovery" '[[ "$pout" == *" 9 received"* ]]' "$(tail -n 2 <<<"$pout")"
	cap_stop "$T/wire-$ENG.pcap" esp 18

	isa=$(ctl gD "$SD" show crypto isakmp sa)
	# version 12.2 in the seed config: the 12.2 layout, as the seed prints it
	check "$ENG: Daphne show crypto isakmp sa: 12.2 layout, QM_IDLE with 11.11.11.2, conn-id 2, slot 0" '[ "$(head -n 1 <<<"$isa" | tr -s " ")" = "dst src state conn-id slot" ] && grep -Eq "^11\.11\.11\.2 +11\.11\.11\.1 +QM_IDLE +2 +0$" <<<"$isa" && ! grep -q IPv4 <<<"$isa"' "$isa"
	isf=$(ctl gF "$SF" show crypto isakmp sa)
	check "$ENG: Fred show crypto isakmp sa QM_IDLE" 'grep -Eq "^11\.11\.11\.2 +11\.11\.11\.1 +QM_IDLE +2 " <<<"$isf"' "$isf"
	ipsa=$(ctl gD "$SD" show crypto ipsec sa)
	check "$ENG: show crypto ipsec sa: interface, map, proxies, peer" \
		'grep -q "interface: FastEthernet0/0" <<<"$ipsa" && grep -q "Crypto map tag: tedtag, local addr 11.11.11.1" <<<"$ipsa" && grep -q "local  ident (addr/mask/prot/port): (13.13.13.0/255.255.255.0/0/0)" <<<"$ipsa" && grep -q "remote ident (addr/mask/prot/port): (12.12.12.0/255.255.255.0/0/0)" <<<"$ipsa" && grep -q "current_peer 11.11.11.2 port 500" <<<"$ipsa"' "$ipsa"
	check "$ENG: show crypto ipsec sa: encaps/decaps 9" \
		'grep -q "#pkts encaps: 9, #pkts encrypt: 9, #pkts digest: 9" <<<"$ipsa" && grep -q "#pkts decaps: 9, #pkts decrypt: 9, #pkts verify: 9" <<<"$ipsa"' "$ipsa"
	check "$ENG: show crypto ipsec sa: esp-des esp-md5-hmac, Tunnel, IV 8, replay Y" \
		'[ "$(grep -c "transform: esp-des esp-md5-hmac ," <<<"$ipsa")" = 2 ] && [ "$(grep -c "in use settings ={Tunnel, }" <<<"$ipsa")" = 2 ] && [ "$(grep -c "IV size: 8 bytes" <<<"$ipsa")" = 2 ] && [ "$(grep -c "replay detection support: Y" <<<"$ipsa")" = 2 ]' "$ipsa"
	map=$(ctl gD "$SD" show crypto map)
	wantmap='Crypto Map "tedtag" 10 ipsec-isakmp
        Dynamic map template tag: ted-map
        Discover enabled

Crypto Map "tedtag" 11 ipsec-isakmp
        Peer = 11.11.11.2
        Extended IP access list 
            access-list  permit ip 13.13.13.0 0.0.0.255 12.12.12.0 0.0.0.255
            dynamic (created from dynamic map ted-map/10)
        Current peer: 11.11.11.2
        Security association lifetime: 4608000 kilobytes/3600 seconds
        PFS (Y/N): N
        Transform sets={ ted-transforms, }
        Interfaces using crypto map tedtag:
                FastEthernet0/0'
	check "$ENG: Daphne show crypto map: tedtag 11 from ted-map/10, Discover enabled" '[ "$map" = "$wantmap" ]' "$(diff <(echo "$wantmap") <(echo "$map"))"
	mapf=$(ctl gF "$SF" show crypto map)
	check "$ENG: Fred show crypto map: tedtag 11 with peer 11.11.11.1" \
		'grep -q "Crypto Map \"tedtag\" 11 ipsec-isakmp" <<<"$mapf" && grep -q "Peer = 11.11.11.1" <<<"$mapf" && grep -q "permit ip 12.12.12.0 0.0.0.255 13.13.13.0 0.0.0.255" <<<"$mapf" && grep -q "created from dynamic map ted-map/10" <<<"$mapf"' "$mapf"
	eng=$(ctl gD "$SD" show crypto engine connections active)
	check "$ENG: show crypto engine connections active: ISAKMP row 2 <none>, HMAC_MD5+DES_56_CB 9/9" \
		'grep -Eq "^ *2 +<none> +<none> +set +HMAC_SHA\+DES_56_CB +0 +0$" <<<"$eng" && grep -Eq "^ *2000 +FastEthernet0/0 +11\.11\.11\.1 +set +HMAC_MD5\+DES_56_CB +0 +9$" <<<"$eng" && grep -Eq "^ *2001 +FastEthernet0/0 +11\.11\.11\.1 +set +HMAC_MD5\+DES_56_CB +9 +0$" <<<"$eng"' "$eng"

	# the seed's debug lines
	for l in "GOT A PEER DISCOVERY MESSAGE FROM THE SA MANAGER" "beginning peer discovery exchange" \
		"sending packet to 12.12.12.13 (I) PEER_DISCOVERY via FastEthernet0/0" \
		"received packet from 11.11.11.2 (I) PEER_DISCOVERY" "received response to my peer discovery probe!" \
		"ted negotiated proxies" "initiating IKE to 11.11.11.2 in response to probe." \
		"created new SA after peer-discovery with 11.11.11.2" "IPSEC(tunnel discover request)"; do
		check "$ENG: Daphne debug: $l" 'grep -qF "$l" "$LD"' "not in $LD"
	done
	for l in "received packet from 13.13.13.14 (N) NEW SA" "responding to peer discovery probe!" \
		"peer's address is 11.11.11.1" "sending packet to 11.11.11.1 (R) PEER_DISCOVERY"; do
		check "$ENG: Fred debug: $l" 'grep -qF "$l" "$LF"' "not in $LF"
	done

	# tshark: probe and reply are well-formed ISAKMP
	tv=$(tshark -r "$T/wire-$ENG.pcap" -n -V -Y "isakmp.exchangetype == 243" 2>/dev/null)
	tf=$(tshark -r "$T/wire-$ENG.pcap" -n -T fields -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e isakmp.rspi \
		-Y "isakmp.exchangetype == 243" 2>/dev/null)
	probe=$(awk -F'\t' '$5 == "0000000000000000"' <<<"$tf" | head -n 1)
	reply=$(awk -F'\t' '$5 != "0000000000000000"' <<<"$tf" | head -n 1)
	check "$ENG: tshark: the probe goes 13.13.13.14:500 -> 12.12.12.13:500" '[ "$(cut -f1-4 <<<"$probe")" = "$(printf "13.13.13.14\t12.12.12.13\t500\t500")" ]' "$tf"
	check "$ENG: tshark: the reply comes 11.11.11.2:500 -> 11.11.11.1:500" '[ "$(cut -f1-4 <<<"$reply")" = "$(printf "11.11.11.2\t11.11.11.1\t500\t500")" ]' "$tf"
	check "$ENG: tshark: probe and reply well-formed (VID + 3 IDs each, nothing malformed)" \
		'! grep -Eqi "malformed|Expert Info \((Warning|Error)" <<<"$tv" && [ "$(grep -c "Payload: Vendor ID (13)" <<<"$tv")" -eq 2 ] && [ "$(grep -c "Payload: Identification (5)" <<<"$tv")" -eq 6 ] && grep -q "Identification Data:11.11.11.1$" <<<"$tv" && grep -q "Identification Data:11.11.11.2$" <<<"$tv" && [ "$(grep -c "Identification Data:13.13.13.0/255.255.255.0" <<<"$tv")" -eq 2 ] && grep -q "Vendor ID: 11257dd118b31cb5a9507e85eeac7942" <<<"$tv"' "$(head -n 60 <<<"$tv")"

	# the dynamic entry goes with its SAs
	ctl gD "$SD" clear crypto sa >/dev/null
	wait_for '! ctl gD "$SD" show crypto map | grep -c "tedtag\" 11" >/dev/null' 5
	map=$(ctl gD "$SD" show crypto map)
	check "$ENG: clear crypto sa removes tedtag 11" '! grep -q "tedtag\" 11" <<<"$map" && grep -q "Discover enabled" <<<"$map"' "$map"

	stop_all || bad "$ENG: clean exit" "an espfabd exited non-zero"
done

# ---- negatives (sw) -----------------------------------------------------------
# B. nobody answers: Daphne alone (Fred's namespace has no addresses, so
#    probes go nowhere); a burst to one destination makes one discovery of
#    3 probes and one give-up line; a burst to many destinations is limited.
LD=$T/d-neg.log LF=$T/f-neg.log
rm -f "$SD" "$SF"
start gD "$SD" "$CFGS/seed000-daphne.txt" d0 d1 "$LD" sw || { echo "FAIL: espfabd did not start: $(cat "$LD.stderr")"; exit 1; }
debug_all gD "$SD"
nx hD ping -c 20 -i 0.05 -W 0.1 12.12.12.13 >/dev/null 2>&1
wait_for 'grep -q "IKMP_TED_NO_RESPONSE" "$LD"' 12
gl=$(grep "IKMP_TED_NO_RESPONSE" "$LD")
check "nobody answers: give-up log line" '[ "$(wc -l <<<"$gl")" = 1 ] && grep -q "Peer discovery for 13.13.13.14 to 12.12.12.13 (crypto map tedtag 10) got no response to 3 probes: giving up" <<<"$gl"' "$gl"
nb=$(grep -c "beginning peer discovery exchange" "$LD")
ns=$(grep -c "sending packet to 12.12.12.13 (I) PEER_DISCOVERY" "$LD")
check "a 20-packet burst to one destination: one discovery, 3 probes (retries with backoff)" '[ "$nb" = 1 ] && [ "$ns" = 3 ] && grep -q "retransmitting peer discovery probe to 12.12.12.13 (3 of 3)" "$LD"' "begins=$nb probes=$ns"
nx hD bash -c 'for i in $(seq 20 99); do echo x >/dev/udp/12.12.12.$i/9; done' 2>/dev/null
sleep 0.5
nb2=$(($(grep -c "beginning peer discovery exchange" "$LD") - nb))
check "a burst to 80 destinations: at most 10 new discoveries per second, the rest rate-limited" \
	'[ "$nb2" -ge 1 ] && [ "$nb2" -le 20 ] && grep -q "rate-limited" "$LD"' "new discoveries: $nb2"
stop_all || bad "negatives: clean exit" "Daphne exited non-zero"

# A. Fred alone, Daphne's namespace a plain router: hand-built probes
#    (espfab-ikeprobe) from hD.  Covered proxies to Fred itself: answered
#    from 11.11.11.2; proxies no ACL covers, to Fred or through it to hF:
#    ignored, no reply.
nx gD ip addr replace 11.11.11.1/24 dev d0
nx gD ip addr replace 13.13.13.13/24 dev d1
nx gD ip link set d0 up
nx gD ip link set d1 up
nx gD sysctl -qw net.ipv4.ip_forward=1
nx gD ip route replace default via 11.11.11.2
start gF "$SF" "$CFGS/seed000-fred.txt" f0 f1 "$LF" sw || { echo "FAIL: espfabd did not start: $(cat "$LF.stderr")"; exit 1; }
debug_all gF "$SF"
r1=$(nx hD "$PROBE" --to 12.12.12.12 --from 13.13.13.14 --sport 500 --wait 1500 ted 2>&1)
check "hand-built probe with covered proxies: Fred answers from 11.11.11.2" 'grep -q "^reply 11.11.11.2:500 92 exch=243 np=13" <<<"$r1"' "$r1"
r2=$(nx hD "$PROBE" --to 12.12.12.12 --from 13.13.13.14 --sport 500 --wait 1000 ted-uncovered 2>&1)
r3=$(nx hD "$PROBE" --to 12.12.12.13 --from 13.13.13.14 --sport 500 --wait 1000 ted-uncovered 2>&1)
ni=$(grep -c "no crypto map with discover covers it: ignored" "$LF")
check "probes whose proxies no ACL covers are ignored (to Fred and through Fred)" '[ -z "$r2" ] && [ -z "$r3" ] && [ "$ni" = 2 ]' "r2=$r2 r3=$r3 ignored=$ni"
stop_all || bad "negatives: clean exit" "Fred exited non-zero"
nx gD ip addr flush dev d0
nx gD ip addr flush dev d1

# C. wrong pre-shared key on Fred: discovery works, main mode stops
LD=$T/d-psk.log LF=$T/f-psk.log
sed 's/abc123/wrong-key/' "$CFGS/seed000-fred.txt" >"$T/fred-badkey.txt"
rm -f "$SD" "$SF"
start gD "$SD" "$CFGS/seed000-daphne.txt" d0 d1 "$LD" sw && start gF "$SF" "$T/fred-badkey.txt" f0 f1 "$LF" sw ||
	{ echo "FAIL: espfabd did not start: $(cat "$LD.stderr" "$LF.stderr")"; exit 1; }
debug_all gD "$SD"
debug_all gF "$SF"
nx hD ping -c 1 -W 1 12.12.12.13 >/dev/null 2>&1
wait_for 'grep -q "IKMP_BAD_MESSAGE" "$LF"' 8
pout=$(nx hD ping -c 2 -i 0.3 -W 1 12.12.12.13 2>&1)
isa=$(ctl gD "$SD" show crypto isakmp sa)
check "wrong PSK: discovery answered, main mode fails (IKMP_BAD_MESSAGE on Fred), no QM_IDLE, no traffic" \
	'grep -q "received response to my peer discovery probe!" "$LD" && grep -q "IKMP_BAD_MESSAGE" "$LF" && ! grep -q QM_IDLE <<<"$isa" && [[ "$pout" == *" 0 received"* ]] && ! ctl gD "$SD" show crypto ipsec sa | grep -c "inbound esp sas" >/dev/null' \
	"$(grep -h "IKMP_BAD\|BAD_MESSAGE" "$LD" "$LF" | head -n 3) / $isa"
stop_all || bad "wrong PSK: clean exit" "an espfabd exited non-zero"

[ "$fails" -eq 0 ] && echo "ted_seed: $ncase cases passed" || echo "ted_seed: $fails of $ncase cases failed"
[ "$fails" -eq 0 ]
