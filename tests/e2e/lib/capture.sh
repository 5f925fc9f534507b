# capture.sh — sourced by e2e scripts: packet captures that hold every packet
# the test then counts.
#
#   cap_start PCAP ERRFILE NETNS TSHARK-ARGS...
#       starts `ip netns exec NETNS tshark -n -q -w PCAP TSHARK-ARGS...` in
#       the background (CAP_PID is tshark itself: ip netns exec execs it, so
#       a signal reaches it and not a subshell) and returns once it captures.
#   cap_stop PCAP [DISPLAY-FILTER MIN]
#       stops the capture once PCAP holds at least MIN packets matching
#       DISPLAY-FILTER (if given) and its packet count has stopped growing,
#       or after 8 s.
#
# Why: dumpcap reads the kernel's packet ring in blocks and flushes its file
# on a timer, so a packet that left a moment before the stop can be missing
# from the file; a test that compares wire counts with the gateway's counters
# then fails at random (seen once in CI: 9 of 10 ESP packets).
# Stopping only when the file has caught up removes that race.

cap_start() {
	local pcap=$1 err=$2 ns=$3
	shift 3
	ip netns exec "$ns" tshark -n -q -w "$pcap" "$@" 2>"$err" &
	CAP_PID=$!
	local _
	for _ in $(seq 100); do grep -q Capturing "$err" 2>/dev/null && break; sleep 0.05; done
	sleep 0.5 # "Capturing" is printed a moment before packets are captured
}

cap_count() { # PCAP [DISPLAY-FILTER]
	if [ -n "${2:-}" ]; then
		tshark -r "$1" -n -Y "$2" 2>/dev/null | wc -l
	else
		tshark -r "$1" -n 2>/dev/null | wc -l
	fi
}

cap_stop() {
	local pcap=$1 filter=${2:-} min=${3:-0}
	local last=-1 now i
	for i in $(seq 16); do
		now=$(cap_count "$pcap")
		if [ "$now" = "$last" ] && { [ "$min" -eq 0 ] || [ "$(cap_count "$pcap" "$filter")" -ge "$min" ]; }; then
			break
		fi
		last=$now
		sleep 0.5
	done
	kill "$CAP_PID" 2>/dev/null
	for i in $(seq 50); do kill -0 "$CAP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	return 0
}
