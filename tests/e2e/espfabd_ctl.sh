#!/usr/bin/env bash
# espfabd_ctl.sh — espfabd and espfabctl end to end, in a private network
# namespace: start-up errors (exit status and one clear line), espfabd in the
# foreground with a TUN device and an --ifmap'd veth, espfabctl commands
# (full, abbreviated, ambiguous, invalid with the marker column, incomplete)
# with their output and exit status, debug switches and `show debugging`,
# the IOS configuration parsed (errors as FILE:LINE, warnings logged) and
# applied to the --ifmap'd interface (address, static routes; --no-apply
# leaves a second interface alone), `espfabctl monitor` receiving debug lines for datagrams sent to UDP 500/4500
# and packets routed into the TUN, the I/O counters in `show version`, clean
# SIGTERM shutdown (exit 0, socket removed, TUN gone, no process left), and
# background mode (returns once serving).
#
# Needs $BIN (absolute bin dir) and root for `ip netns`.  Pass = exit 0.
# Prints SKIP and exits 0 only when network namespaces are unavailable.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
D=$BIN/espfabd
C=$BIN/espfabctl
NS=efd-ctl-$$-$RANDOM
T=$(mktemp -d)
DPID=
MPID=

cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "$NS" 2>/dev/null; then
	echo "SKIP: network namespaces unavailable (needs root and iproute2)"
	exit 0
fi
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
nsx ip link add v0 type veth peer name v1 || { echo "FAIL: cannot create a veth pair"; exit 1; }
nsx ip link add v2 type veth peer name v3
nsx ip link set v1 up
cd "$T" || exit 1
cat >r1.cfg <<'CFG'
hostname R1
!
interface FastEthernet0/0
 ip address 10.8.0.1 255.255.255.0
 duplex auto
!
interface FastEthernet0/1
 ip address 10.6.0.1 255.255.255.0
!
ip route 10.66.0.0 255.255.0.0 10.8.0.2
ip route 10.67.0.0 255.255.0.0 FastEthernet0/1
end
CFG
printf 'hostname R0\nend\n' >ok.cfg
printf 'hostname R2\ninterface FastEthernet0/0\n ip address 10.8.0.300 255.255.255.0\ncrypto isakmp policy 10\n encr rc4\nend\n' >bad.cfg
SOCK=$T/ctl.sock

fails=0
ncase=0
report() { # NAME WHY
	ncase=$((ncase + 1))
	if [ -n "$2" ]; then
		echo "FAIL case $ncase ($1): $2"
		sed 's/^/    stdout: /' out.txt | head -n 8
		sed 's/^/    stderr: /' err.txt | head -n 8
		fails=$((fails + 1))
	else
		echo "ok   case $ncase ($1)"
	fi
}

# ctl NAME RC EXPECTED_STDOUT EXPECTED_STDERR -- words: exact texts ('' = empty)
ctl() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	"$C" --socket "$SOCK" "$@" >out.txt 2>err.txt
	local rc=$? why=""
	[ $rc -eq "$want_rc" ] || why="exit $rc, expected $want_rc"
	[ "$(cat out.txt)" = "$want_out" ] || why="${why:+$why; }stdout differs (expected: $want_out)"
	[ "$(cat err.txt)" = "$want_err" ] || why="${why:+$why; }stderr differs (expected: $want_err)"
	report "$name: $*" "$why"
}

# ctl_has NAME RC PATTERN... -- words: stdout contains each fixed string
ctl_has() {
	local name=$1 want_rc=$2 why="" pats=()
	shift 2
	while [ "$1" != "--" ]; do pats+=("$1"); shift; done
	shift
	"$C" --socket "$SOCK" "$@" >out.txt 2>err.txt
	local rc=$?
	[ $rc -eq "$want_rc" ] || why="exit $rc, expected $want_rc"
	for p in "${pats[@]}"; do grep -qF -- "$p" out.txt || why="${why:+$why; }stdout lacks '$p'"; done
	report "$name: $*" "$why"
}

# start_err NAME RC PATTERN -- args: espfabd refuses to start
start_err() {
	local name=$1 want_rc=$2 pat=$3 why=""
	shift 4
	nsx timeout 10 "$D" "$@" >out.txt 2>err.txt
	local rc=$?
	[ $rc -eq "$want_rc" ] || why="exit $rc, expected $want_rc"
	[ "$(wc -l <err.txt)" -eq 1 ] || why="${why:+$why; }$(wc -l <err.txt) stderr lines, expected 1"
	grep -qF -- "$pat" err.txt || why="${why:+$why; }stderr lacks '$pat'"
	report "$name" "$why"
}

# ---- start-up errors ----
start_err "no --config" 2 "--config FILE is required" -- --engine sw --socket "$SOCK"
start_err "unknown engine" 2 "--engine 'nope': not an engine of this build (one of: sw, model" -- \
	--config r1.cfg --engine nope --socket "$SOCK"
start_err "no --socket" 2 "--socket PATH is required" -- --config r1.cfg --engine sw
start_err "bad --ifmap" 2 "--ifmap 'Fa0/0': expected IOSNAME=LINUXIF" -- \
	--config r1.cfg --engine sw --socket "$SOCK" --ifmap Fa0/0
start_err "--ifmap twice" 2 "--ifmap: IOS interface 'fa0/0' is mapped twice" -- \
	--config r1.cfg --engine sw --socket "$SOCK" --ifmap Fa0/0=v0 --ifmap fa0/0=v1
start_err "unknown option" 2 "unknown option '--bogus'" -- --config r1.cfg --engine sw --socket "$SOCK" --bogus
start_err "missing interface" 1 "--ifmap FastEthernet0/0=nosuch0: no Linux interface 'nosuch0'" -- \
	--config ok.cfg --engine sw --socket "$SOCK" --ifmap FastEthernet0/0=nosuch0 --foreground
nsx timeout 10 "$D" --config nonexistent.cfg --engine sw --socket "$SOCK" --foreground >out.txt 2>err.txt
rc=$?
why=""
[ $rc -eq 1 ] || why="exit $rc, expected 1"
[ "$(cat err.txt)" = "nonexistent.cfg: cannot open: No such file or directory
espfabd: nonexistent.cfg: configuration not loaded (1 error), not started" ] || why="${why:+$why; }stderr differs"
report "missing config" "$why"
nsx timeout 10 "$D" --config bad.cfg --engine sw --socket "$SOCK" --foreground >out.txt 2>err.txt
rc=$?
why=""
[ $rc -eq 1 ] || why="exit $rc, expected 1"
grep -q '^bad.cfg:3: ' err.txt || why="${why:+$why; }no bad.cfg:3 diagnostic"
grep -q '^bad.cfg:4: ' err.txt || why="${why:+$why; }no bad.cfg:4 diagnostic"
grep -q "^bad.cfg:5: .*got 'rc4'" err.txt || why="${why:+$why; }no bad.cfg:5 diagnostic"
grep -q "^espfabd: bad.cfg: configuration not loaded (3 errors), not started" err.txt ||
	why="${why:+$why; }no summary line"
report "configuration errors" "$why"
[ -e "$SOCK" ] && { echo "FAIL: a refused start left $SOCK behind"; fails=$((fails + 1)); }

# ---- espfabd in the foreground ----
# (not through the nsx function: `&` on a function would give the pid of a
# subshell; `ip netns exec` execs espfabd itself)
ip netns exec "$NS" "$D" --config r1.cfg --engine sw --socket "$SOCK" --tun efdt0 --ifmap Fa0/0=v0 \
	--foreground >daemon.log 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
if [ ! -S "$SOCK" ]; then
	echo "FAIL: espfabd did not create $SOCK"; cat daemon.log; exit 1
fi
ncase=$((ncase + 1))
if [ "$(stat -c %a "$SOCK")" = 600 ]; then echo "ok   case $ncase (socket mode 0600)"
else echo "FAIL case $ncase: socket mode $(stat -c %a "$SOCK")"; fails=$((fails + 1)); fi
nsx ip link show efdt0 >/dev/null 2>&1 || { echo "FAIL: TUN efdt0 not there"; fails=$((fails + 1)); }
# the configuration applied: v0 up with its address, the routes it can have
why=""
nsx ip -4 addr show dev v0 | grep -q 'inet 10.8.0.1/24' || why="no 10.8.0.1/24 on v0"
nsx ip link show dev v0 | grep -q '[<,]UP[,>]' || why="${why:+$why; }v0 not up"
nsx ip route show 10.66.0.0/16 | grep -q 'via 10.8.0.2 dev v0 proto static' || why="${why:+$why; }no route to 10.66.0.0/16"
nsx ip route show 10.67.0.0/16 | grep -q . && why="${why:+$why; }route via an unmapped interface installed"
for p in "%LINK-3-UPDOWN: Interface FastEthernet0/0, changed state to up" \
	"%ESPFABD-4-CONFIG: r1.cfg:5: warning: interface FastEthernet0/0: duplex" \
	"%ESPFABD-4-CONFIG: r1.cfg:7: interface FastEthernet0/1 is not mapped to a Linux interface (--ifmap): not applied" \
	"%ESPFABD-4-ROUTE: r1.cfg:11: ip route 10.67.0.0 255.255.0.0 FastEthernet0/1 not installed: its interface is not mapped"; do
	grep -qF -- "$p" daemon.log || why="${why:+$why; }log lacks '$p'"
done
cp daemon.log out.txt; : >err.txt
report "configuration applied" "$why"
start_err "socket in use" 1 "is in use by a running daemon" -- \
	--config ok.cfg --engine sw --socket "$SOCK" --tun efdt1 --foreground

ctl_has "show version" 0 "espfab Software (espfabd), Version" "Engine: sw, 256 SA slots" "R1 uptime is 0 minutes" \
	"control socket $SOCK" "Configuration: r1.cfg, 2 interfaces, 2 routes, 1 warning" "Interface map: Fa0/0=v0" \
	"TUN efdt0: 0 packets in" -- show version
ctl_has "abbreviated" 0 "espfab Software (espfabd)" -- sh ver
ctl_has "upper case" 0 "espfab Software (espfabd)" -- SH VER
ctl "show debugging, all off" 0 "" "" -- show debugging
ctl "debug" 0 "Crypto ISAKMP debugging is on" "" -- debug crypto isakmp
ctl "abbreviated debug" 0 "Crypto Engine debugging is on" "" -- deb cry eng
ctl "ambiguous" 1 "" '% Ambiguous command:  "debug crypto i"' -- debug crypto i
ctl "abbreviated debug ipsec" 0 "Crypto IPSEC debugging is on" "" -- deb cry ips
ctl "show debugging" 0 "Cryptographic Subsystem:
  Crypto ISAKMP debugging is on
  Crypto Engine debugging is on
  Crypto IPSEC debugging is on" "" -- sh debug
ctl "no debug one" 0 "Crypto Engine debugging is off" "" -- no debug crypto engine
ctl "undebug one" 0 "Crypto IPSEC debugging is off" "" -- undebug crypto ipsec
ctl "show debugging, one left" 0 "Cryptographic Subsystem:
  Crypto ISAKMP debugging is on" "" -- show debugging
ctl "undebug all" 0 "All possible debugging has been turned off" "" -- u all
ctl "show debugging after undebug all" 0 "" "" -- sh deb
ctl "no debug all" 0 "All possible debugging has been turned off" "" -- no deb al
# "clx" shares its "cl" with "clock": the marker goes under the "x"
ctl "invalid word" 1 "" "show clx
       ^
% Invalid input detected at '^' marker." -- show clx
ctl "invalid inside a word" 1 "" "sh verx
      ^
% Invalid input detected at '^' marker." -- sh verx
ctl "invalid first word" 1 "" "foo
^
% Invalid input detected at '^' marker." -- foo
ctl "extra word" 1 "" "show version detail
             ^
% Invalid input detected at '^' marker." -- show version detail
ctl "incomplete" 1 "" "% Incomplete command." -- debug crypto
ctl "incomplete show" 1 "" "% Incomplete command." -- show
ctl_has "show clock" 0 " UTC " -- sh clock

# espfabctl's own errors
"$C" >out.txt 2>err.txt; rc=$?
report "espfabctl without --socket" "$([ $rc -eq 2 ] && grep -q -- '--socket PATH is required' err.txt || echo "exit $rc")"
"$C" --socket "$T/none.sock" sh ver >out.txt 2>err.txt; rc=$?
report "espfabctl, no daemon" "$([ $rc -eq 2 ] && grep -q 'cannot connect to espfabd' err.txt || echo "exit $rc")"
"$C" --socket "$SOCK" >out.txt 2>err.txt; rc=$?
report "espfabctl without a command" "$([ $rc -eq 2 ] && grep -q 'no command given' err.txt || echo "exit $rc")"

# ---- monitor: debug lines for traffic the daemon receives ----
nsx ip addr add 10.9.0.1/24 dev efdt0
nsx ip route add 10.77.0.0/16 dev efdt0
ctl "debug isakmp again" 0 "Crypto ISAKMP debugging is on" "" -- debug crypto isakmp
ctl "debug ipsec again" 0 "Crypto IPSEC debugging is on" "" -- debug crypto ipsec
"$C" --socket "$SOCK" monitor >mon.txt 2>mon.err &
MPID=$!
sleep 0.3
nsx bash -c "printf 'x%.0s' {1..40} > /dev/udp/10.9.0.1/500"                # IKE on 500
nsx bash -c "printf '\\xff' > /dev/udp/10.9.0.1/4500"                      # NAT keepalive
nsx bash -c "printf '\\x00\\x00\\x10\\x00\\x00\\x00\\x00\\x01' > /dev/udp/10.9.0.1/4500"  # ESP in UDP
nsx bash -c "printf 'hello' > /dev/udp/10.77.1.1/9"                         # routed into the TUN
for _ in $(seq 30); do [ "$(wc -l <mon.txt)" -ge 4 ] && break; sleep 0.1; done
kill -INT "$MPID"; wait "$MPID"; mrc=$?; MPID=
why=""
[ $mrc -eq 0 ] || why="monitor exit $mrc"
for p in "ISAKMP: received packet from 10.9.0.1 dport 500 sport" "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 10.9.0.1 failed its sanity check or is malformed" \
	"ISAKMP: NAT keepalive from 10.9.0.1:" "IPSEC: UDP-encapsulated ESP from 10.9.0.1:" "SPI 0x00001000, 8 bytes" \
	"IPSEC: packet from 10.9.0.1 to 10.77.1.1, proto 17, 33 bytes: dropped, not covered by any crypto map ACL"; do
	grep -qF -- "$p" mon.txt || why="${why:+$why; }monitor lacks '$p'"
done
grep -qE '^\*?[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}: ISAKMP' mon.txt ||
	why="${why:+$why; }no IOS timestamp on the debug lines"
cp mon.txt out.txt; cp mon.err err.txt
report "monitor streams debug lines" "$why"
ctl_has "counters" 0 "TUN efdt0: 1 packets in, 0 out, 0 dropped" \
	"IKE UDP 500: 1 datagrams in," \
	"NAT-T UDP 4500: 0 IKE in, 0 out, 0 dropped; 1 ESP in, 0 dropped; 1 keepalives; 0 malformed" -- show version
# the data path counts what it dropped, with the reason
ctl_has "data path drops" 0 "dropped, routed into the TUN but no crypto ACL covers it   1" \
	"dropped, unknown SPI (invalid sa)                          1" -- show crypto datapath
ctl "undebug all" 0 "All possible debugging has been turned off" "" -- undebug all

# ---- SIGTERM: clean shutdown ----
kill -TERM "$DPID"
for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
wait "$DPID"; drc=$?; DPID=
why=""
[ $drc -eq 0 ] || why="espfabd exit $drc"
[ -e "$SOCK" ] && why="${why:+$why; }socket left behind"
nsx ip link show efdt0 >/dev/null 2>&1 && why="${why:+$why; }TUN efdt0 left behind"
[ -n "$(ip netns pids "$NS")" ] && why="${why:+$why; }processes left in the namespace"
grep -q '%ESPFABD-5-STOP: espfabd stopping on Terminated' daemon.log || why="${why:+$why; }no STOP line"
grep -q 'Sanitizer\|runtime error' daemon.log && why="${why:+$why; }sanitizer report"
cp daemon.log out.txt; : >err.txt
report "SIGTERM shutdown" "$why"

# ---- background mode: espfabd returns once the socket is served ----
nsx "$D" --config r1.cfg --engine model --socket "$SOCK" --tun efdt0 --log "$T/bg.log" --ifmap FastEthernet0/0=v2 \
	--no-apply >out.txt 2>&1
brc=$?
report "background start" "$([ $brc -eq 0 ] && [ -S "$SOCK" ] || echo "exit $brc")"
ctl_has "background show version" 0 "Engine: model" "Interface map: FastEthernet0/0=v2 (--no-apply" -- show version
report "--no-apply leaves v2 alone" "$(nsx ip -4 addr show dev v2 | grep -q inet && echo "v2 got an address")"
BPID=$(sed -n 's/^espfabd process \([0-9]*\),.*/\1/p' out.txt)
if [ -n "$BPID" ]; then
	kill -TERM "$BPID"
	for _ in $(seq 50); do kill -0 "$BPID" 2>/dev/null || break; sleep 0.1; done
fi
why=""
[ -n "$BPID" ] || why="no pid in show version"
[ -e "$SOCK" ] && why="${why:+$why; }socket left behind"
[ -n "$(ip netns pids "$NS")" ] && why="${why:+$why; }processes left in the namespace"
grep -q '%ESPFABD-5-START' "$T/bg.log" && grep -q '%ESPFABD-5-STOP' "$T/bg.log" || why="${why:+$why; }log file lacks START/STOP"
cp "$T/bg.log" out.txt
report "background SIGTERM" "$why"

echo "espfabd_ctl: $((ncase - fails))/$ncase cases passed"
[ "$fails" -eq 0 ]
