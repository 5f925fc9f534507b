#!/usr/bin/env bash
# demo-two-site.sh BIN_DIR [ENGINE] — the two-site IPsec demo (`make run`,
# `make run ENGINE=model`, `make run ENGINE=sim`).
#
# Four Linux network namespaces on this machine play two sites joined by
# two espfab gateways:
#
#   host-A 10.10.0.2 ── gateway A (SiteA) 192.0.2.1 ══ IPsec ══ 192.0.2.2 gateway B (SiteB) ── host-B 10.20.0.2
#
# Each gateway is one espfabd configured in IOS syntax
# (tests/configs/site-a.cfg, site-b.cfg), with ESP done by the chosen
# libespfab engine (sw: OpenSSL, model: the HLS C kernels, sim: the
# Verilated RTL behind the ring driver in the SystemC platform
# espfab-simd-iterative, found beside espfabd or through $ESPFAB_SIMD).
# The iterative RTL simulates at about 100 KB/s, so on sim the TCP
# transfer is 256 KB instead of 4 MB (the output says so).  host-A pings
# host-B: the first packet makes gateway A negotiate IKEv1 main mode and
# quick mode with gateway B (that packet is dropped, as IOS drops it), the
# next ones go through the tunnel.  Then a bulk TCP transfer, then the show
# commands an operator would look at on each gateway.  Everything is torn
# down at the end (and on Ctrl-C).
#
# Needs root, iproute2, ping, socat (make run installs them: scripts/deps.sh).
# Exit status: 0 when pings and the TCP transfer passed the tunnel, 1 when
# not, 2 usage / environment.
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -x "$1/espfabd" ] || [ ! -x "$1/espfabctl" ]; then
	echo "usage: $0 BIN_DIR [sw|model|sim]   (BIN_DIR holds espfabd and espfabctl; make run does this)" >&2
	exit 2
fi
BIN=$(cd "$1" && pwd)
ENGINE=${2:-sw}
case $ENGINE in sw | model | sim) ;; *) echo "$0: engine must be sw, model or sim, not '$ENGINE'" >&2; exit 2 ;; esac
if [ "$ENGINE" = sim ] && [ -z "${ESPFAB_SIMD:-}" ] && [ ! -x "$1/espfab-simd-iterative" ] && [ ! -x "$1/espfab-simd" ]; then
	echo "$0: the sim engine needs the SystemC platform: no $1/espfab-simd-iterative (make sim, or make run ENGINE=sim builds it)" >&2
	exit 2
fi
# bytes of the bulk TCP transfer: the iterative RTL simulates at ~100 KB/s
if [ "$ENGINE" = sim ]; then
	TCP_BYTES=262144 TCP_SIZE="256 KB" TCP_WHY=" (256 KB instead of 4 MB: the iterative RTL simulates at about 100 KB/s)"
else
	TCP_BYTES=4000000 TCP_SIZE="4 MB" TCP_WHY=""
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CFG_A=$ROOT/tests/configs/site-a.cfg
CFG_B=$ROOT/tests/configs/site-b.cfg
ESPFABD=$BIN/espfabd
ESPFABCTL=$BIN/espfabctl
NETNS_PREFIX=demo$$
# shellcheck source=../tests/e2e/lib/netns.sh
. "$ROOT/tests/e2e/lib/netns.sh"

T=$(mktemp -d /tmp/espfab-demo.XXXXXX)
cleanup() {
	netns_cleanup
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

START=$SECONDS
if [ -t 1 ]; then B=$'\e[1m' N=$'\e[0m'; else B="" N=""; fi
step() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
die() { printf '\nDEMO FAILED: %s\n' "$*"; [ -s "$T/a.log.stderr" ] && tail -n 5 "$T/a.log.stderr"; exit 1; }

if ! netns_available; then
	echo "$0: needs root and iproute2 (network namespaces); run it as root or through sudo make run" >&2
	exit 2
fi
for tool in ping socat sha256sum; do
	command -v $tool >/dev/null || { echo "$0: $tool is not installed (scripts/deps.sh installs it)" >&2; exit 2; }
done

step "espfab two-site IPsec demo (engine: $ENGINE)"
cat <<EOF
Two sites, each a LAN with one host behind an espfab gateway:

  host-A 10.10.0.2 -- [gateway A  SiteA] 192.0.2.1 ==== IPsec ==== 192.0.2.2 [gateway B  SiteB] -- host-B 10.20.0.2
  (site A: 10.10.0.0/16)                      IKEv1 + ESP                              (site B: 10.20.0.0/16)

Each box is a Linux network namespace; each gateway runs espfabd with an IOS
configuration.  ESP is computed in user space by the '$ENGINE' engine
($(case $ENGINE in
	sw) echo "OpenSSL" ;;
	model) echo "the HLS C kernels, bit-exact model of the FPGA data path" ;;
	sim) echo "the Verilated RTL of the fabric behind the ring driver, in the SystemC platform
espfab-simd-iterative: each gateway runs its own simulated FPGA" ;;
esac)).
EOF

step "The two gateway configurations (IOS syntax, side by side)"
say "tests/configs/site-a.cfg                                       tests/configs/site-b.cfg"
paste -d '\t' <(grep -v '^!' "$CFG_A") <(grep -v '^!' "$CFG_B") | awk -F '\t' '{ printf "%-62s %s\n", $1, $2 }'
say ""
say "Both: IKE policy 10 = AES / SHA / pre-shared key / DH group 14; crypto map SITES 10 sends"
say "traffic matching the ACL (site A <-> site B) to the peer with esp-aes esp-sha-hmac and PFS."

step "Starting the network namespaces and the two espfabd"
netns_two_sites || die "could not build the namespaces"
espfabd_start gA "$T/a.sock" "$CFG_A" "$ENGINE" a0 a1 "$T/a.log" ||
	die "espfabd on gateway A did not start: $(cat "$T/a.log.stderr")"
espfabd_start gB "$T/b.sock" "$CFG_B" "$ENGINE" b0 b1 "$T/b.log" ||
	die "espfabd on gateway B did not start: $(cat "$T/b.log.stderr")"
say "  ip netns exec ${NETNS_PREFIX}gA espfabd --config site-a.cfg --engine $ENGINE --socket a.sock \\"
say "        --ifmap GigabitEthernet0/0=a0 --ifmap GigabitEthernet0/1=a1 --foreground --log a.log"
say "  (and the same for gateway B): both up, no SA yet:"
say ""
say "SiteA#show crypto isakmp sa"
ctl gA "$T/a.sock" show crypto isakmp sa

step "host-A pings host-B (the first ping starts IKE)"
say "As on IOS, traffic that matches the crypto ACL while no SA exists is dropped and"
say "starts the negotiation (main mode, then quick mode), so the first ping may be lost."
say ""
say "host-A\$ ping -c 5 10.20.0.2"
nx hA ping -c 5 -i 0.3 -W 1 10.20.0.2 2>&1 | sed 's/^/  /'
wait_for 'ctl gA "$T/a.sock" show crypto ipsec sa 2>/dev/null | grep -q "current outbound spi: 0x[1-9A-F]"' 10 ||
	die "no IPsec SA on gateway A after 10 s (see the show output below)"
say ""
say "Now the tunnel is up; again:"
say "host-A\$ ping -c 5 10.20.0.2"
pout=$(nx hA ping -c 5 -i 0.2 -W 2 10.20.0.2 2>&1)
printf '%s\n' "$pout" | sed 's/^/  /'
PING_OK=0
[[ "$pout" == *" 5 received"* ]] && PING_OK=1

step "A bulk TCP transfer host-A -> host-B through the tunnel (socat, $TCP_SIZE)"
[ -n "$TCP_WHY" ] && say "  on the sim engine$TCP_WHY"
head -c $TCP_BYTES /dev/urandom >"$T/big.bin"
nx hB socat -u TCP-LISTEN:5001,reuseaddr "OPEN:$T/recv.bin,creat,trunc" &
NETNS_PIDS+=($!)
SOCAT=$!
wait_for 'nx hB ss -ltn 2>/dev/null | grep -q ":5001"' 5
t0=$(date +%s.%N)
nx hA timeout 60 socat -u "OPEN:$T/big.bin" TCP:10.20.0.2:5001
wait "$SOCAT" 2>/dev/null
t1=$(date +%s.%N)
TCP_OK=0
if [ -f "$T/recv.bin" ] && [ "$(sha256sum <"$T/big.bin")" = "$(sha256sum <"$T/recv.bin")" ]; then
	TCP_OK=1
	say "  $TCP_BYTES bytes arrived intact (SHA-256 equal) in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
else
	say "  the transfer did NOT arrive intact ($(stat -c %s "$T/recv.bin" 2>/dev/null || echo 0) bytes received)"
fi

show() { # NS SOCK WHY COMMAND...
	local n=$1 s=$2 why=$3 name
	shift 3
	name=$([ "$n" = gA ] && echo SiteA || echo SiteB)
	printf '\n%s# %s%s\n' "$B" "$why" "$N"
	printf '%s#%s\n' "$name" "$*"
	ctl "$n" "$s" "$@"
}
for g in gA gB; do
	s=$T/a.sock
	[ $g = gB ] && s=$T/b.sock
	step "What the operator sees on gateway $([ $g = gA ] && echo "A (SiteA)" || echo "B (SiteB)")"
	show $g "$s" "Phase 1: the ISAKMP SA with the peer; QM_IDLE means authenticated and ready for quick modes" \
		show crypto isakmp sa
	show $g "$s" "Phase 2: the IPsec SA pair, its proxies, SPIs, transform and IOS's packet counters" \
		show crypto ipsec sa
	show $g "$s" "The configured crypto map: peer, ACL, lifetimes, PFS, transform sets, and the current peer" \
		show crypto map
	show $g "$s" "One line per peer: is the session up, which IKE SA and which IPsec flows" \
		show crypto session
	[ $g = gB ] && show $g "$s" "The same with uptime, IKE capabilities and lifetime, per-direction packet and drop counts" \
		show crypto session detail
	show $g "$s" "The engine's view: one connection per SA and direction with its packet counts" \
		show crypto engine connections active
done

step "Tearing down"
netns_stop_all && say "  both espfabd stopped cleanly (SIGTERM, exit 0)" || say "  an espfabd did not exit cleanly"
netns_cleanup
say "  namespaces removed"

step "Result"
say "  ping through the tunnel:  $([ $PING_OK = 1 ] && echo "5 of 5 replies" || echo FAILED)"
say "  bulk TCP transfer:        $([ $TCP_OK = 1 ] && echo "intact" || echo FAILED)"
say "  demo took $((SECONDS - START)) s"
[ $PING_OK = 1 ] && [ $TCP_OK = 1 ] || { say "DEMO FAILED"; exit 1; }
say "DEMO PASSED"
