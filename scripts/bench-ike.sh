#!/usr/bin/env bash
# bench-ike.sh BUILD [N] — IKEv1 tunnel set-up rate and memory per tunnel
# (issue 6, deliverable 7; method in docs/benchmarks.md, "IKE tunnel set-up").
#
# Two gateways in network namespaces on one veth, initiator bI and responder
# bR.  N tunnels = N ISAKMP SAs (main mode) each with one IPsec SA pair
# (quick mode): tunnel i runs between its own initiator address
# 172.16.X.Y and its own responder address 172.17.X.Y (both /12 on the same
# link), proxies 10.10.X.Y/32 <-> 10.20.X.Y/32.  Phase 1 AES-128/SHA-1/
# group 2 (modp1024) with a pre-shared key, phase 2 ESP AES-128/HMAC-SHA-1
# with PFS group 2.
#
#   espfabd  <-> espfabd : the initiator has one IOS interface + crypto map
#                          per tunnel; `test crypto initiate all`
#                          (--test-hooks) starts all N at once; the responder
#                          answers through a dynamic crypto map.
#   charon   <-> charon  : strongSwan 5.9 with kernel-libipsec, one swanctl
#                          connection per tunnel with start_action = start,
#                          so `swanctl --load-conns` starts all N; the
#                          responder has one connection for any peer.
#
# Time: from just before the trigger command until a poll (every POLL_MS,
# default 20 ms) sees N IPsec SA pairs installed on the responder (which
# installs last, on QM3).  Memory: VmRSS of each daemon (/proc/PID/status)
# after start-up and configuration, and again once the N tunnels are up;
# (after - before) / N.
#
# Prints a table, writes BUILD/bench/ike.json (OUT=DIR: DIR/ike.json) and
# each daemon's log of the last run beside it.  IMPLS="espfabd strongswan"
# chooses the rows (strongswan is skipped with a note when charon is not
# installed), REPEAT (default 3) the runs per row: the median run by time is
# reported, every run's time is in the JSON.  Exit status: 0 when every row completed, 1 when one did not
# (its tunnels never all came up), 2 for bad arguments / no namespaces.
set -uo pipefail

build=${1:?usage: bench-ike.sh BUILD [N]}
N=${2:-${N:-120}}
IMPLS=${IMPLS:-espfabd strongswan}
POLL_MS=${POLL_MS:-20}
REPEAT=${REPEAT:-3}
TIMEOUT=${TIMEOUT:-$((60 + N))}
case $N in '' | *[!0-9]*) echo "bench-ike: N must be a number" >&2; exit 2 ;; esac
if [ "$N" -lt 1 ] || [ "$N" -gt 128 ]; then
	echo "bench-ike: N must be 1..128 (espfabd's sw engine has 256 SA slots: 128 pairs)" >&2
	exit 2
fi
BIN=$(cd "$build/bin" 2>/dev/null && pwd) || { echo "bench-ike: no $build/bin (make BUILD=$build all)" >&2; exit 2; }
out=$(mkdir -p "${OUT:-$build/bench}" && cd "${OUT:-$build/bench}" && pwd)
D=$BIN/espfabd
C=$BIN/espfabctl
CHARON=/usr/lib/ipsec/charon
P=bk$$
T=$(mktemp -d)
PIDS=()
PSK=bench-ike-secret

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for n in I R; do
		for p in $(ip netns pids "$P$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$P$n" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && echo "bench-ike: kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "${P}probe" 2>/dev/null; then
	echo "bench-ike: network namespaces unavailable (needs root and iproute2)" >&2
	exit 2
fi
ip netns del "${P}probe"

nx() { local n=$1; shift; ip netns exec "$P$n" "$@"; }
now() { date +%s.%N; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# tunnel I (1..N) -> "X.Y" of its addresses
xy() { echo "$(($1 / 200)).$(($1 % 200 + 1))"; }

topology() {
	for n in I R; do ip netns add "$P$n" && nx $n ip link set lo up; done
	ip link add i0 netns "${P}I" type veth peer name r0 netns "${P}R"
	{
		for i in $(seq "$N"); do echo "addr add 172.16.$(xy "$i")/12 dev i0"; done
		# the protected addresses, so kernel-libipsec finds a source for its routes
		for i in $(seq "$N"); do echo "addr add 10.10.$(xy "$i")/32 dev lo"; done
		echo "link set i0 up"
	} | nx I ip -batch -
	{
		echo "addr add 172.31.255.254/12 dev r0"
		for i in $(seq "$N"); do echo "addr add 172.17.$(xy "$i")/12 dev r0"; done
		for i in $(seq "$N"); do echo "addr add 10.20.$(xy "$i")/32 dev lo"; done
		echo "link set r0 up"
	} | nx R ip -batch -
	# wait until duplicate address detection and the link are settled
	for _ in $(seq 50); do nx I ping -c 1 -W 1 172.17.$(xy "$N") >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
teardown() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PIDS=()
	for n in I R; do
		for p in $(ip netns pids "$P$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$P$n" 2>/dev/null
	done
}

# wait_up COUNT-COMMAND: poll until it prints >= N; sets T_END, UP
wait_up() {
	local deadline
	deadline=$(echo "$(now) + $TIMEOUT" | bc)
	UP=0
	while :; do
		UP=$(eval "$1" 2>/dev/null)
		UP=${UP:-0}
		T_END=$(now)
		[ "$UP" -ge "$N" ] && return 0
		[ "$(echo "$T_END > $deadline" | bc)" = 1 ] && return 1
		sleep "$(echo "scale=3; $POLL_MS / 1000" | bc)"
	done
}

ROWS=()
TABLE=()
status=0
TICK=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime + stime, all threads
# row IMPL SECONDS TRIGGER_S RSS_I0 RSS_I1 RSS_R0 RSS_R1 COMPLETED TRANSFORM NOTE (CPU_I, CPU_R: ticks)
# sets RUN_JSON, RUN_LINE, RUN_SECS for this run
row() {
	local impl=$1 secs=$2 trig=$3 i0=$4 i1=$5 r0=$6 r1=$7 ok=$8 tf=$9 note=${10}
	local tps kr ki ms
	tps=$(awk -v n="$N" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')
	kr=$(awk -v n="$N" -v a="$r0" -v b="$r1" 'BEGIN { printf "%.1f", (b - a) / n }')
	ki=$(awk -v n="$N" -v a="$i0" -v b="$i1" 'BEGIN { printf "%.1f", (b - a) / n }')
	ms=$(awk -v n="$N" -v a="$CPU_I" -v b="$CPU_R" -v t="$TICK" 'BEGIN { printf "%.2f", (a + b) * 1000 / t / n }')
	RUN_SECS=$secs
	RUN_JSON=$(printf '"implementation":"%s","tunnels":%d,"completed":%s,"seconds":%.3f,"trigger_seconds":%.3f,"tunnels_per_second":%s,"rss_kib_per_tunnel":%s,"rss_kib_per_tunnel_initiator":%s,"rss_kib_before":%d,"rss_kib_after":%d,"rss_kib_before_initiator":%d,"rss_kib_after_initiator":%d,"cpu_ms_per_tunnel":%s,"cpu_ms_initiator":%d,"cpu_ms_responder":%d,"group":2,"transform":"%s","poll_ms":%d,"note":"%s"' \
		"$impl" "$N" "$ok" "$secs" "$trig" "$tps" "$kr" "$ki" "$r0" "$r1" "$i0" "$i1" "$ms" \
		$((CPU_I * 1000 / TICK)) $((CPU_R * 1000 / TICK)) "$tf" "$POLL_MS" "$note")
	RUN_LINE=$(printf '%-18s %7d %8.3f %9.1f %8s %10s %10s  %s' "$impl" "$N" "$secs" "$tps" "$ms" "$kr" "$ki" "$note")
}

# ---- espfabd <-> espfabd -------------------------------------------------------
bench_espfabd() {
	local ci=$T/i.cfg cr=$T/r.cfg si=$T/i.sock sr=$T/r.sock i
	rm -f "$si" "$sr" "$T/i.pid" "$T/r.pid" "$T/i.log" "$T/r.log"
	{
		cat <<EOF
hostname BenchI
crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group 2
crypto isakmp key $PSK address 0.0.0.0 0.0.0.0
crypto ipsec transform-set AES-SHA esp-aes esp-sha-hmac
EOF
		for i in $(seq "$N"); do
			cat <<EOF
ip access-list extended T$i
 permit ip host 10.10.$(xy "$i") host 10.20.$(xy "$i")
crypto map B$i 10 ipsec-isakmp
 set peer 172.17.$(xy "$i")
 set transform-set AES-SHA
 set pfs group2
 match address T$i
interface GigabitEthernet1/$i
 ip address 172.16.$(xy "$i") 255.240.0.0
 crypto map B$i
EOF
		done
		echo end
	} >"$ci"
	cat >"$cr" <<EOF
hostname BenchR
crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group 2
crypto isakmp key $PSK address 0.0.0.0 0.0.0.0
crypto ipsec transform-set AES-SHA esp-aes esp-sha-hmac
crypto dynamic-map DYN 10
 set transform-set AES-SHA
 set pfs group2
crypto map BENCH 10 ipsec-isakmp dynamic DYN
interface GigabitEthernet0/0
 ip address 172.31.255.254 255.240.0.0
 crypto map BENCH
end
EOF
	local pi pr
	# sh -c 'exec' so the PID file holds espfabd's own PID (ip netns exec forks)
	nx R sh -c 'echo $$ >"$0"; exec "$@"' "$T/r.pid" "$D" --config "$cr" --engine sw --socket "$sr" \
		--ifmap GigabitEthernet0/0=r0 --no-apply --foreground --log "$T/r.log" 2>>"$T/r.stderr" &
	PIDS+=($!)
	nx I sh -c 'echo $$ >"$0"; exec "$@"' "$T/i.pid" "$D" --config "$ci" --engine sw --socket "$si" \
		--no-apply --test-hooks --foreground --log "$T/i.log" 2>>"$T/i.stderr" &
	PIDS+=($!)
	for _ in $(seq 200); do [ -S "$si" ] && [ -S "$sr" ] && break; sleep 0.05; done
	pi=$(cat "$T/i.pid" 2>/dev/null) pr=$(cat "$T/r.pid" 2>/dev/null)
	if ! [ -S "$si" ] || ! [ -S "$sr" ] || [ -z "$pi" ] || [ -z "$pr" ]; then
		echo "bench-ike: espfabd did not start: $(tail -n 5 "$T/i.stderr" "$T/r.stderr")" >&2
		return 1
	fi
	sleep 0.5
	local ri0 rr0 ri1 rr1 t0 t1 trig ok=true
	ri0=$(rss $pi) rr0=$(rss $pr)
	local ci0 cr0
	ci0=$(cpu $pi) cr0=$(cpu $pr)
	t0=$(now)
	nx I "$C" --socket "$si" test crypto initiate all >"$T/trigger.out" 2>&1 || {
		echo "bench-ike: test crypto initiate all: $(cat "$T/trigger.out")" >&2
		return 1
	}
	t1=$(now)
	trig=$(echo "$t1 - $t0" | bc)
	# the responder installs its pair last (on QM3)
	# (two rows per pair: inbound and outbound)
	if ! wait_up "nx R \"$C\" --socket \"$sr\" show crypto engine connections active | awk '\$1 >= 2000 && /HMAC_SHA\\+AES/ { n++ } END { print int(n / 2) }'"; then
		ok=false
		echo "bench-ike: espfabd: only $UP of $N tunnels up after ${TIMEOUT}s" >&2
	fi
	local secs
	secs=$(echo "$T_END - $t0" | bc)
	sleep 0.2
	ri1=$(rss $pi) rr1=$(rss $pr)
	CPU_I=$(($(cpu $pi) - ci0)) CPU_R=$(($(cpu $pr) - cr0))
	local isa_i isa_r
	isa_i=$(nx I "$C" --socket "$si" show crypto isakmp sa | grep -c QM_IDLE)
	isa_r=$(nx R "$C" --socket "$sr" show crypto isakmp sa | grep -c QM_IDLE)
	if [ "$isa_i" != "$N" ] || [ "$isa_r" != "$N" ]; then
		ok=false
		echo "bench-ike: espfabd: ISAKMP SAs in QM_IDLE: initiator $isa_i, responder $isa_r (want $N)" >&2
	fi
	cp "$T/i.log" "$out/ike-espfabd-initiator.log" 2>/dev/null
	cp "$T/r.log" "$out/ike-espfabd-responder.log" 2>/dev/null
	row espfabd "$secs" "$trig" "$ri0" "$ri1" "$rr0" "$rr1" "$ok" \
		"aes-128 sha1 modp1024 / esp-aes esp-sha-hmac pfs group2" "ISAKMP SAs $isa_i/$isa_r"
	$ok
}

# ---- charon <-> charon ---------------------------------------------------------
swan_conf() { # DIR
	mkdir -p "$1/run"
	cat >"$1/strongswan.conf" <<EOF
charon {
	load = random nonce openssl pem pkcs1 hmac kdf kernel-libipsec kernel-netlink socket-default vici
	install_routes = no
	install_virtual_ip = no
	plugins {
		vici { socket = unix://$1/run/charon.vici }
	}
	filelog {
		swan { path = $1/charon.log
		       time_format = %H:%M:%S
		       flush_line = yes
		       default = 0
		       ike = 1
		       chd = 1
		       knl = ${SWAN_KNL_LOG:-0} }
	}
}
swanctl {
	socket = unix://$1/run/charon.vici
}
EOF
}
start_charon() { # NS DIR -> PID in CHARON_PID
	local ns=$1 dir=$2
	nx "$ns" unshare --mount --propagation private sh -c \
		"mount --bind '$dir/run' /run && STRONGSWAN_CONF='$dir/strongswan.conf' exec $CHARON" \
		>"$dir/charon.out" 2>&1 &
	CHARON_PID=$!
	PIDS+=($CHARON_PID)
	for _ in $(seq 100); do [ -S "$dir/run/charon.vici" ] && return 0; sleep 0.1; done
	return 1
}
sw() { local ns=$1 dir=$2; shift 2; STRONGSWAN_CONF="$dir/strongswan.conf" nx "$ns" swanctl "$@"; }

bench_strongswan() {
	local di=$T/swi dr=$T/swr i
	rm -rf "$di" "$dr" # a stale vici socket of the previous run
	swan_conf "$di"
	swan_conf "$dr"
	{
		echo "connections {"
		for i in $(seq "$N"); do
			cat <<EOF
	c$i {
		version = 1
		local_addrs = 172.16.$(xy "$i")
		remote_addrs = 172.17.$(xy "$i")
		proposals = aes128-sha1-modp1024
		rekey_time = 0
		local { auth = psk
			id = 172.16.$(xy "$i") }
		remote { auth = psk
			id = 172.17.$(xy "$i") }
		children {
			t$i {
				local_ts = 10.10.$(xy "$i")/32
				remote_ts = 10.20.$(xy "$i")/32
				esp_proposals = aes128-sha1-modp1024
				mode = tunnel
				rekey_time = 0
				start_action = start
			}
		}
	}
EOF
		done
		echo "}"
		echo "secrets { ike-any { secret = \"$PSK\" } }"
	} >"$di/swanctl.conf"
	cat >"$dr/swanctl.conf" <<EOF
connections {
	resp {
		version = 1
		local_addrs = 172.16.0.0/12
		remote_addrs = 172.16.0.0/12
		proposals = aes128-sha1-modp1024
		rekey_time = 0
		local { auth = psk }
		remote { auth = psk }
		children {
			t {
				local_ts = 10.20.0.0/16
				remote_ts = 10.10.0.0/16
				esp_proposals = aes128-sha1-modp1024
				mode = tunnel
				rekey_time = 0
			}
		}
	}
}
secrets { ike-any { secret = "$PSK" } }
EOF
	local pi pr
	start_charon R "$dr" || { echo "bench-ike: responder charon did not start: $(cat "$dr/charon.out")" >&2; return 1; }
	start_charon I "$di" || { echo "bench-ike: initiator charon did not start: $(cat "$di/charon.out")" >&2; return 1; }
	# charon's own PID (its pid file is in the instance's /run)
	pi=$(cat "$di/run/charon.pid") pr=$(cat "$dr/run/charon.pid")
	sw R "$dr" --load-all --file "$dr/swanctl.conf" >"$dr/load.out" 2>&1 ||
		{ echo "bench-ike: responder swanctl --load-all: $(cat "$dr/load.out")" >&2; return 1; }
	# the initiator's secret first, so --load-conns (which starts the
	# tunnels) is the only step left
	sw I "$di" --load-creds --file "$di/swanctl.conf" >"$di/load.out" 2>&1 ||
		{ echo "bench-ike: initiator swanctl --load-creds: $(cat "$di/load.out")" >&2; return 1; }
	sleep 0.5
	local ri0 rr0 ri1 rr1 t0 t1 trig ok=true
	ri0=$(rss $pi) rr0=$(rss $pr)
	local ci0 cr0
	ci0=$(cpu $pi) cr0=$(cpu $pr)
	t0=$(now)
	sw I "$di" --load-conns --file "$di/swanctl.conf" >>"$di/load.out" 2>&1 ||
		{ echo "bench-ike: initiator swanctl --load-conns: $(tail -n 3 "$di/load.out")" >&2; return 1; }
	t1=$(now)
	trig=$(echo "$t1 - $t0" | bc)
	# the responder's "CHILD_SA t{n} established" (filelog, flushed per line)
	if ! wait_up "grep -c 'CHILD_SA t{[0-9]*} established' \"$dr/charon.log\""; then
		ok=false
		echo "bench-ike: strongSwan: only $UP of $N tunnels up after ${TIMEOUT}s" >&2
	fi
	local secs
	secs=$(echo "$T_END - $t0" | bc)
	sleep 0.2
	ri1=$(rss $pi) rr1=$(rss $pr)
	CPU_I=$(($(cpu $pi) - ci0)) CPU_R=$(($(cpu $pr) - cr0))
	local isa_i isa_r
	isa_i=$(sw I "$di" --list-sas 2>/dev/null | grep -c 'INSTALLED')
	isa_r=$(sw R "$dr" --list-sas 2>/dev/null | grep -c 'INSTALLED')
	if [ "$isa_i" != "$N" ] || [ "$isa_r" != "$N" ]; then
		ok=false
		echo "bench-ike: strongSwan: CHILD_SAs INSTALLED: initiator $isa_i, responder $isa_r (want $N)" >&2
	fi
	cp "$di/charon.log" "$out/ike-strongswan-initiator.log" 2>/dev/null
	cp "$dr/charon.log" "$out/ike-strongswan-responder.log" 2>/dev/null
	row "strongswan-$($CHARON --version 2>/dev/null | awk '{ print $NF }' | head -n 1)" "$secs" "$trig" \
		"$ri0" "$ri1" "$rr0" "$rr1" "$ok" "aes128-sha1-modp1024 / esp aes128-sha1-modp1024" "CHILD_SAs $isa_i/$isa_r"
	$ok
}

command -v bc >/dev/null || { echo "bench-ike: bc not installed" >&2; exit 2; }
hdr="# bench-ike $(date -u '+%Y-%m-%d %H:%M UTC'), $N tunnels (MM+QM, PSK, group 2 both phases), poll ${POLL_MS} ms
# CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) ($(nproc) online), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for impl in $IMPLS; do
	case $impl in
	espfabd) fn=bench_espfabd ;;
	strongswan)
		if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null; then
			echo "# note: strongSwan not installed (scripts/deps.sh), its row is left out" >&2
			continue
		fi
		fn=bench_strongswan
		;;
	*) echo "bench-ike: unknown implementation $impl" >&2; exit 2 ;;
	esac
	runs=() lines=() jsons=()
	for r in $(seq "$REPEAT"); do
		if ! topology; then
			echo "bench-ike: $impl: the namespaces' link did not come up" >&2
			status=1
			teardown
			continue
		fi
		RUN_SECS=
		$fn || status=1
		teardown
		[ -n "$RUN_SECS" ] || continue
		runs+=("$RUN_SECS $r") lines+=("$RUN_LINE") jsons+=("$RUN_JSON")
		echo "# $impl run $r: $RUN_LINE" >&2
	done
	[ ${#runs[@]} -gt 0 ] || continue
	# the median run by seconds (the lower middle one for an even count)
	m=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((${#runs[@]} + 1) / 2))p" | cut -d' ' -f2)
	all=$(printf '%s\n' "${runs[@]}" | sort -k2n | awk '{ printf "%s%.3f", (NR > 1 ? "," : ""), $1 }')
	for k in "${!runs[@]}"; do
		[ "${runs[$k]#* }" = "$m" ] || continue
		TABLE+=("${lines[$k]}")
		ROWS+=("{${jsons[$k]},\"runs\":${#runs[@]},\"runs_seconds\":[$all]}")
	done
done

echo "$hdr"
echo "# seconds: trigger until the responder has N pairs (median of $REPEAT runs); CPU ms/t: both daemons' CPU time / N;"
echo "# KiB/t: VmRSS after - before, / N (responder, initiator)"
printf '%-18s %7s %8s %9s %8s %10s %10s  %s\n' implementation tunnels seconds tunnels/s "CPU ms/t" "KiB/t resp" "KiB/t init" check
for l in "${TABLE[@]}"; do echo "$l"; done
{
	echo "["
	for i in "${!ROWS[@]}"; do
		sep=,
		[ "$i" -eq $((${#ROWS[@]} - 1)) ] && sep=
		echo "  ${ROWS[$i]}$sep"
	done
	echo "]"
} >"$out/ike.json"
echo "# JSON: $out/ike.json"
exit $status
