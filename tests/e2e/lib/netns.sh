# tests/e2e/lib/netns.sh — network-namespace helpers shared by the two-site
# scripts (sourced, not run).  The topology is the one of
# tests/configs/site-a.cfg / site-b.cfg:
#
#   hA (10.10.0.2) --- gA (a1 | a0 192.0.2.1) ===== gB (b0 192.0.2.2 | b1) --- hB (10.20.0.2)
#
# The gateways' addresses and routes are not set here: espfabd applies them
# from the configurations (--ifmap GigabitEthernet0/0=a0 ...).
#
# Before sourcing set NETNS_PREFIX (unique per run, e.g. "demo$$"); the
# namespaces are ${NETNS_PREFIX}hA, ...gA, ...gB, ...hB (a script with
# other namespaces sets NETNS_NAMES after sourcing).  NETNS_PIDS holds
# the background processes netns_cleanup kills.

NETNS_PIDS=()
NETNS_NAMES=(hA gA gB hB)

# Run a command in namespace N (hA gA gB hB).
nx() { local n=$1; shift; ip netns exec "$NETNS_PREFIX$n" "$@"; }

# 0 if we can create network namespaces (root, iproute2).
netns_available() {
	[ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && ip netns add "${NETNS_PREFIX}probe" 2>/dev/null &&
		ip netns del "${NETNS_PREFIX}probe"
}

# Kill what we started, delete the namespaces (and anything left in them).
netns_cleanup() {
	local p n
	for p in "${NETNS_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for n in "${NETNS_NAMES[@]}"; do
		for p in $(ip netns pids "$NETNS_PREFIX$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$NETNS_PREFIX$n" 2>/dev/null
	done
	return 0
}

# hA, gA, gB, hB joined by veth pairs; hosts addressed with default routes
# to their gateway's inside address.
netns_two_sites() {
	local n
	for n in "${NETNS_NAMES[@]}"; do ip netns add "$NETNS_PREFIX$n" && nx "$n" ip link set lo up || return 1; done
	ip link add ha0 netns "${NETNS_PREFIX}hA" type veth peer name a1 netns "${NETNS_PREFIX}gA" &&
		ip link add a0 netns "${NETNS_PREFIX}gA" type veth peer name b0 netns "${NETNS_PREFIX}gB" &&
		ip link add b1 netns "${NETNS_PREFIX}gB" type veth peer name hb0 netns "${NETNS_PREFIX}hB" &&
		nx hA ip addr add 10.10.0.2/16 dev ha0 && nx hA ip link set ha0 up &&
		nx hA ip route add default via 10.10.0.1 &&
		nx hB ip addr add 10.20.0.2/16 dev hb0 && nx hB ip link set hb0 up &&
		nx hB ip route add default via 10.20.0.1
}

# Wait until COND-STRING (eval'd) holds, polling every 0.1 s for SECONDS.
wait_for() {
	local i
	for i in $(seq $(($2 * 10))); do eval "$1" && return 0; sleep 0.1; done
	return 1
}

# espfabd_start NS SOCK CFG ENGINE IFOUT IFIN LOG [EXTRA-OPTIONS...]
# Starts $ESPFABD (in the foreground, in the background of this shell) in
# namespace NS with GigabitEthernet0/0=IFOUT and GigabitEthernet0/1=IFIN
# (IFIN "-": no inside interface), log in LOG (stderr in LOG.stderr), and waits until espfabctl gets an
# answer (the control socket appears before the loop serves).
espfabd_start() {
	local ns=$1 sock=$2 cfg=$3 eng=$4 ifout=$5 ifin=$6 log=$7
	shift 7
	local inside=(--ifmap "GigabitEthernet0/1=$ifin")
	[ "$ifin" = - ] && inside=()
	ip netns exec "$NETNS_PREFIX$ns" "$ESPFABD" --config "$cfg" --engine "$eng" --socket "$sock" \
		--ifmap "GigabitEthernet0/0=$ifout" "${inside[@]}" --foreground --log "$log" "$@" \
		2>>"$log.stderr" &
	NETNS_PIDS+=($!)
	local i
	for i in $(seq 200); do
		[ -S "$sock" ] && nx "$ns" "$ESPFABCTL" --socket "$sock" --timeout 2 show version >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# SIGTERM every background process; 0 if all exited 0.
netns_stop_all() {
	local p rc=0
	for p in "${NETNS_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" || rc=1
	done
	NETNS_PIDS=()
	return $rc
}

# ctl NS SOCK COMMAND...: espfabctl in namespace NS.
ctl() { local n=$1 s=$2; shift 2; nx "$n" "$ESPFABCTL" --socket "$s" "$@"; }
