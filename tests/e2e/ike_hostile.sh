#!/usr/bin/env bash
# ike_hostile.sh — hostile ISAKMP against a live espfabd (issue 6, deliverable
# 6; docs/ike.md "Hostile input"):
#
#   hA --- gA (a0 192.0.2.1) ====== gB (b0 192.0.2.2 | b2 198.51.100.1) --- X (198.51.100.2..)
#    \_ 10.10/16                     \_ b1 --- hB 10.20/16
#
# X runs espfab-ikeprobe against gB's UDP 500: a length field beyond the
# datagram, a payload overrunning the message, a zero-length payload (the
# chain that loops), an unknown critical payload, wrong cookies, a 65000-byte
# datagram, a proposal nobody accepts; each must give gB's log line and the
# notification the parser maps it to, on the wire (tshark on b2) and as the
# probe reads it.  Then a notify flood (rate limit), a main-mode flood from
# two addresses (per-peer half-open limit) and from 30 (global limit), with
# the count of SAs in negotiation and gB's memory checked.  Throughout, gA
# (the good peer) negotiates with gB and pings pass; with the global limit
# full of strangers gA builds a new ISAKMP SA (gB evicts a stranger for it).
# Needs $BIN, root, iproute2, ping, tshark.  Pass = exit 0; SKIP without netns.
set -uo pipefail
# With pipefail, `espfabctl … | grep -q` fails when grep quits before a long
# show output is written (SIGPIPE): checks read the whole output (grep -c).

: "${BIN:?set BIN to the espfab bin directory}"
D=$BIN/espfabd
C=$BIN/espfabctl
PROBE=$BIN/espfab-ikeprobe
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/capture.sh"
CFGS=$HERE/../configs
P=ih$$
T=$(mktemp -d)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for n in hA gA gB hB X; do
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
for tool in ping tshark; do command -v $tool >/dev/null || { echo "FAIL: $tool not installed (scripts/deps.sh)"; exit 1; }; done

fails=0
ncase=0
ok() { ncase=$((ncase + 1)); echo "ok   case $ncase ($1)"; }
bad() {
	ncase=$((ncase + 1))
	fails=$((fails + 1))
	echo "FAIL case $ncase ($1): $2"
}
check() { if eval "$2"; then ok "$1"; else bad "$1" "$3"; fi; }
nx() { local n=$1; shift; ip netns exec "$P$n" "$@"; }
wait_for() { local i; for i in $(seq $(($2 * 10))); do eval "$1" && return 0; sleep 0.1; done; return 1; }

for n in hA gA gB hB X; do ip netns add "$P$n" && nx $n ip link set lo up; done
ip link add ha0 netns "${P}hA" type veth peer name a1 netns "${P}gA"
ip link add a0 netns "${P}gA" type veth peer name b0 netns "${P}gB"
ip link add b1 netns "${P}gB" type veth peer name hb0 netns "${P}hB"
ip link add b2 netns "${P}gB" type veth peer name x0 netns "${P}X"
nx hA ip addr add 10.10.0.2/16 dev ha0 && nx hA ip link set ha0 up && nx hA ip route add default via 10.10.0.1
nx hB ip addr add 10.20.0.2/16 dev hb0 && nx hB ip link set hb0 up && nx hB ip route add default via 10.20.0.1
nx gB ip addr add 198.51.100.1/24 dev b2 && nx gB ip link set b2 up
nx X ip link set x0 up
XADDR=()
for i in $(seq 2 31); do nx X ip addr add 198.51.100.$i/24 dev x0; XADDR+=(198.51.100.$i); done

start() { # NS SOCK CFG IFOUT IFIN LOG
	ip netns exec "$P$1" "$D" --config "$3" --engine sw --socket "$2" --ifmap "GigabitEthernet0/0=$4" \
		--ifmap "GigabitEthernet0/1=$5" --test-hooks --foreground --log "$6" 2>>"$6.stderr" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$2" ] && return 0; sleep 0.05; done
	return 1
}
ctl() { local n=$1 s=$2; shift 2; nx "$n" "$C" --socket "$s" "$@"; }
probe() { nx X "$PROBE" --to 198.51.100.1 "$@"; }

# gB also has a wildcard key, so that strangers get as far as main mode
{ grep -v '^end' "$CFGS/site-b.cfg"; echo "crypto isakmp key hostile-secret address 0.0.0.0 0.0.0.0"; echo end; } >"$T/b.cfg"
SA=$T/a.sock SB=$T/b.sock LA=$T/a.log LB=$T/b.log
start gA "$SA" "$CFGS/site-a.cfg" a0 a1 "$LA" && start gB "$SB" "$T/b.cfg" b0 b1 "$LB" ||
	{ echo "FAIL: espfabd did not start: $(cat "$LA.stderr" "$LB.stderr")"; exit 1; }
BPID=${PIDS[1]}
ctl gB "$SB" debug crypto isakmp >/dev/null

cap_start "$T/x.pcap" "$T/tshark-cap.err" "${P}gB" -i b2 -f "udp port 500"

good_peer() { # TAG: gA negotiates (if needed) and a ping passes
	local pout
	nx hA ping -c 1 -W 1 10.20.0.2 >/dev/null 2>&1
	wait_for 'ctl gB "$SB" show crypto ipsec sa 2>/dev/null | grep -c "inbound esp sas" >/dev/null' 10
	pout=$(nx hA ping -c 3 -i 0.2 -W 2 10.20.0.2 2>&1)
	check "$1: the good peer passes traffic" '[[ "$pout" == *"3 received"* ]] && kill -0 $BPID' "$(tail -n 2 <<<"$pout")"
}
good_peer "before"

# --- malformed datagrams: log line + notify (type) ---------------------------------
# CASE NOTIFY(0 = none) LOG-TEXT
one() {
	local c=$1 want=$2 text=$3 sport=$4 out
	local n0
	n0=$(grep -c "IKMP_BAD_MESSAGE\|IKMP_MODE_FAILURE\|$text" "$LB")
	out=$(probe --sport "$sport" --wait 500 "$c")
	wait_for '[ "$(grep -c "IKMP_BAD_MESSAGE\|IKMP_MODE_FAILURE\|$text" "$LB")" -gt "$n0" ]' 3
	local got=0
	[ -n "$out" ] && got=$(sed -n 's/.*notify=\([0-9]*\).*/\1/p' <<<"$out" | head -n1)
	check "$c: notify $want, log '$text'" '[ "$got" = "$want" ] && grep -q -- "$text" "$LB"' \
		"probe saw: [$out]; log: $(grep -- "198.51.100.2" "$LB" | tail -n 2)"
	sleep 0.1
}
one badlen 30 "LEN_EXCEEDS" 41000                    # UNEQUAL-PAYLOAD-LENGTHS
one overrun 16 "PAYLOAD_OVERRUN" 41001               # PAYLOAD-MALFORMED
one loop 16 "PAYLOAD_LEN" 41002                      # PAYLOAD-MALFORMED
one critical 1 "CRITICAL_PAYLOAD" 41003              # INVALID-PAYLOAD-TYPE
one cookie 4 "no SA for these cookies" 41004         # INVALID-COOKIE
one oversize 0 "OVERSIZED" 41005                     # no notify for a datagram we cannot read
one mismatch 14 "phase 1 SA policy not acceptable" 41006 # NO-PROPOSAL-CHOSEN
check "every bad datagram logged %CRYPTO-4-IKMP_BAD_MESSAGE from the sender" \
	'[ "$(grep -c "IKMP_BAD_MESSAGE: IKE message from 198.51.100.2 failed its sanity check or is malformed" "$LB")" -ge 5 ]' \
	"$(grep -c IKMP_BAD_MESSAGE "$LB")"
good_peer "after malformed input"

# --- notify rate limit: 200 wrong-cookie datagrams at once --------------------------
out=$(probe --sport 42000 --count 200 --wait 1500 cookie)
nrep=$(grep -c "notify=4" <<<"$out")
check "notify flood: at most 20 INVALID-COOKIE a second answered" '[ "$nrep" -ge 1 ] && [ "$nrep" -le 41 ]' "$nrep replies"

# --- main-mode flood ---------------------------------------------------------------
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$BPID/status"; }
halfopen() { ctl gB "$SB" show crypto isakmp sa | grep -cE "MM_NO_STATE|MM_SA_SETUP|MM_KEY_EXCH"; }
rss0=$(rss)
probe --from 198.51.100.2,198.51.100.3 --sport 43000 --count 80 --wait 200 mm1 >"$T/flood1.out"
n=$(halfopen)
check "MM flood from 2 addresses: at most 16 half-open per peer" '[ "$n" -le 32 ] && [ "$n" -ge 20 ] && grep -q "IKMP_HALF_OPEN_LIMIT" "$LB"' \
	"$n half-open; $(grep HALF_OPEN "$LB" | tail -n1)"
good_peer "during the 2-address flood"
probe --from "$(IFS=,; echo "${XADDR[*]}")" --sport 44000 --count 900 --wait 200 mm1 >/dev/null
n=$(halfopen)
check "MM flood from 30 addresses: at most 256 half-open" '[ "$n" -le 256 ] && [ "$n" -ge 200 ]' "$n half-open"
# the global budget is full of strangers (for 94 s): gA, a configured peer,
# needs a NEW ISAKMP SA now; gB drops the oldest stranger's half-open SA
# for it (docs/ike.md Hostile input)
ctl gA "$SA" clear crypto isakmp >/dev/null
ctl gA "$SA" clear crypto sa >/dev/null
wait_for '! ctl gB "$SB" show crypto isakmp sa | grep -c "QM_IDLE" >/dev/null' 3
nev0=$(grep -c "IKMP_HALF_OPEN_EVICT" "$LB")
good_peer "new ISAKMP SA during the 30-address flood"
check "gB made room for the configured peer (IKMP_HALF_OPEN_EVICT), still at most 256 half-open" \
	'[ "$(grep -c "IKMP_HALF_OPEN_EVICT: main mode from configured peer 192.0.2.1" "$LB")" -gt "$nev0" ] && ctl gB "$SB" show crypto isakmp sa | grep -c "QM_IDLE" >/dev/null && [ "$(halfopen)" -le 256 ]' \
	"$(grep -E "HALF_OPEN" "$LB" | tail -n 2); $(ctl gB "$SB" show crypto isakmp sa | grep -v -E "MM_" | head)"
rss1=$(rss)
probe --from "$(IFS=,; echo "${XADDR[*]}")" --sport 46000 --count 900 --wait 200 mm1 >/dev/null
rss2=$(rss)
check "memory bounded under the flood (RSS ${rss0} -> ${rss1} -> ${rss2} kB)" '[ $((rss2 - rss1)) -lt 2048 ] && [ $((rss1 - rss0)) -lt 16384 ]' \
	"RSS ${rss0} ${rss1} ${rss2} kB"
check "daemon alive, commands answer" 'kill -0 $BPID && ctl gB "$SB" show crypto isakmp sa | grep -c "IPv4 Crypto ISAKMP SA" >/dev/null' "gB gone"

sleep 0.3
cap_stop "$T/x.pcap"
ntypes=$(tshark -r "$T/x.pcap" -n -Y "isakmp.typepayload == 11 && ip.src == 198.51.100.1" -T fields -e isakmp.notify.msgtype 2>/dev/null | sort -un | tr '\n' ' ')
check "tshark: gB's notifies on the wire (1 4 14 16 30)" '[[ " $ntypes" == *" 1 "* && " $ntypes" == *" 4 "* && " $ntypes" == *" 14 "* && " $ntypes" == *" 16 "* && " $ntypes" == *" 30 "* ]]' \
	"types seen: $ntypes"
check "tshark: no notify for the oversized datagram, nothing malformed from gB" \
	'! tshark -r "$T/x.pcap" -n -Y "ip.src == 198.51.100.1 && _ws.malformed" 2>/dev/null | grep -q .' "malformed replies"

# the good peer after all of it
ctl gA "$SA" clear crypto sa >/dev/null
sleep 0.5
good_peer "after the floods"

for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PIDS=()
echo "ike_hostile: $((ncase - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
