#!/usr/bin/env bash
# ike_strongswan.sh — the interop oracle: espfabd's IKEv1 against strongSwan
# (charon 5.9 with kernel-libipsec: user-space ESP, UDP-encapsulated only, so
# NAT-T is always exercised — ../shared/notes/strongswan-peer.md), in
# network namespaces:
#
#   hA (10.10.0.2) --- gA espfabd (a1 | a0 192.0.2.1) ==IKE/ESP-in-UDP== sS charon (s0 192.0.2.2, 10.20.0.1 on lo)
#
# For each proposal set (3DES/SHA1/group 2 and AES-128/SHA1/group 14, both
# phases, PFS with the same group) and each role (espfabd initiates,
# strongSwan initiates):
#   * main mode + quick mode complete: `swanctl --list-sas` shows the IKE SA
#     ESTABLISHED and the CHILD_SA INSTALLED, `show crypto isakmp sa` on
#     espfabd shows QM_IDLE, `show crypto ipsec sa` shows the pair with
#     "{Tunnel UDP-Encaps, }";
#   * the side that should have started both phases did: espfabd's states
#     are IKE_I_MM*/IKE_QM_I_* when a ping from hA triggered the acquire,
#     IKE_R_MM*/IKE_QM_R_* after `swanctl --initiate`;
#   * a ping hA -> 10.20.0.1 and a ping started on strongSwan's side
#     (10.20.0.1 -> hA 10.10.0.2; the first traffic through the tunnel when
#     strongSwan initiated) go through the tunnel (ESP in UDP 4500 on the
#     wire), each moving espfabd's encaps and decaps by 4..9;
#   * bulk (3DES with espfabd initiating, AES-128 with strongSwan
#     initiating): 1 MB over TCP hA -> strongSwan and 1 MB strongSwan -> hA,
#     compared with cmp; espfabd's encaps (then decaps) move by at least
#     1 MB / 1460 packets, the ACKs the other way, and strongSwan's CHILD_SA
#     counts >= 1 MB in and out;
#   * espfabd's #send errors and #recv errors stay 0;
#   * tshark dissects the capture's ISAKMP: main mode (exchange 2) on UDP
#     500 and 4500, quick mode (32), NAT-D payloads, no malformed packets;
#   * `clear crypto isakmp` on espfabd: strongSwan receives the delete.
# espfabd initiates through the data path (a ping triggers the acquire).
#
# Needs $BIN, root, iproute2, tshark, ping, socat, and strongSwan (charon,
# swanctl, plugins: scripts/deps.sh).  Pass = exit 0; SKIP when namespaces
# or strongSwan are unavailable.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
D=$BIN/espfabd
C=$BIN/espfabctl
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/keys_tshark.sh"
. "$HERE/lib/capture.sh"
CFGS=$HERE/../configs
CHARON=/usr/lib/ipsec/charon
P=ss$$
T=$(mktemp -d)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for n in hA gA sS; do
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
if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null; then
	echo "SKIP: strongSwan not installed (scripts/deps.sh installs strongswan-charon strongswan-swanctl ...)"
	exit 0
fi
for tool in tshark ping socat; do
	command -v $tool >/dev/null || { echo "FAIL: $tool not installed (scripts/deps.sh)"; exit 1; }
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
nx() { local n=$1; shift; ip netns exec "$P$n" "$@"; }

# --- topology ------------------------------------------------------------------
for n in hA gA sS; do ip netns add "$P$n" && nx $n ip link set lo up; done
ip link add ha0 netns "${P}hA" type veth peer name a1 netns "${P}gA"
ip link add a0 netns "${P}gA" type veth peer name s0 netns "${P}sS"
nx hA ip addr add 10.10.0.2/16 dev ha0 && nx hA ip link set ha0 up && nx hA ip route add default via 10.10.0.1
nx sS ip addr add 192.0.2.2/24 dev s0 && nx sS ip link set s0 up
nx sS ip addr add 10.20.0.1/32 dev lo

PSK=site-ab-secret

# espfabd's configuration: site-a.cfg reduced to one proposal set.
# $1 = 3des|aes, $2 = DH group
espfab_cfg() {
	local encr=$1 grp=$2 ts
	[ "$encr" = aes ] && ts=AES-SHA || ts=3DES-SHA
	cat <<EOF
hostname SiteA
crypto isakmp policy 10
 encr $encr
 hash sha
 authentication pre-share
 group $grp
 lifetime 28800
crypto isakmp key $PSK address 192.0.2.2
crypto ipsec transform-set AES-SHA esp-aes esp-sha-hmac
crypto ipsec transform-set 3DES-SHA esp-3des esp-sha-hmac
crypto map SITES 10 ipsec-isakmp
 set peer 192.0.2.2
 set transform-set $ts
 set pfs group$grp
 match address TO-SITE-B
ip access-list extended TO-SITE-B
 permit ip 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 no shutdown
 crypto map SITES
interface GigabitEthernet0/1
 ip address 10.10.0.1 255.255.0.0
 no shutdown
ip route 10.20.0.0 255.255.0.0 GigabitEthernet0/0 192.0.2.2
end
EOF
}

# strongSwan: $1 = IKE proposal, $2 = ESP proposal, $3 = dir, $4 = extra child lines
swan_cfg() {
	local ike=$1 esp=$2 dir=$3 child=${4:-}
	mkdir -p "$dir/run"
	cat >"$dir/strongswan.conf" <<EOF
charon {
	load = random nonce openssl pem pkcs1 hmac kdf kernel-libipsec kernel-netlink socket-default vici
	install_routes = yes
	retransmit_tries = 3
	plugins {
		vici { socket = unix://$dir/run/charon.vici }
	}
	filelog {
		swan { path = $dir/charon.log
		       default = 1
		       ike = 2
		       cfg = 2
		       enc = 1
		       knl = 1
		       net = 1 }
	}
}
swanctl {
	socket = unix://$dir/run/charon.vici
}
EOF
	cat >"$dir/swanctl.conf" <<EOF
connections {
	sa {
		version = 1
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = $ike
		rekey_time = 0
		local { auth = psk
			id = 192.0.2.2 }
		remote { auth = psk
			id = 192.0.2.1 }
		children {
			net {
				local_ts = 10.20.0.0/16
				remote_ts = 10.10.0.0/16
				esp_proposals = $esp
				mode = tunnel
				start_action = none
				$child
			}
		}
	}
}
secrets {
	ike-ab {
		id-a = 192.0.2.1
		id-b = 192.0.2.2
		secret = "$PSK"
	}
}
EOF
}

start_charon() { # DIR
	local dir=$1
	nx sS unshare --mount --propagation private sh -c \
		"mount --bind '$dir/run' /run && STRONGSWAN_CONF='$dir/strongswan.conf' exec $CHARON" \
		>"$dir/charon.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$dir/run/charon.vici" ] && break; sleep 0.1; done
	sw "$dir" --load-all --file "$dir/swanctl.conf" >"$dir/load.out" 2>&1
}
sw() { local dir=$1; shift; STRONGSWAN_CONF="$dir/strongswan.conf" nx sS swanctl "$@"; }

start_espfabd() { # CFG SOCK LOG
	ip netns exec "${P}gA" "$D" --config "$1" --engine sw --socket "$2" --ifmap "GigabitEthernet0/0=a0" \
		--ifmap "GigabitEthernet0/1=a1" --test-hooks --debug-keys "$3.keys" --foreground --log "$3" 2>>"$3.stderr" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -S "$2" ] && return 0; sleep 0.05; done
	return 1
}
ctl() { local s=$1; shift; nx gA "$C" --socket "$s" "$@"; }

stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PIDS=()
	for p in $(ip netns pids "${P}sS" 2>/dev/null) $(ip netns pids "${P}gA" 2>/dev/null); do kill "$p" 2>/dev/null; done
	sleep 0.2
}

wait_for() { # COND-STRING SECONDS
	local i
	for i in $(seq $(($2 * 10))); do eval "$1" && return 0; sleep 0.1; done
	return 1
}

# espfabd's ESP counters summed over its SAs: "ENCAPS DECAPS SEND-ERRORS RECV-ERRORS"
ipsec_ctr() {
	ctl "$1" show crypto ipsec sa | awk '
		/#pkts encaps:/ { sub(",", "", $3); e += $3 }
		/#pkts decaps:/ { sub(",", "", $3); d += $3 }
		/#send errors/  { sub(",", "", $3); s += $3; r += $6 }
		END { print e + 0, d + 0, s + 0, r + 0 }'
}
delta_in() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; } # N MIN MAX

# a ping started on strongSwan's side: its protected address (on lo) to the host behind espfabd
swan_ping() { # TAG
	local pout
	pout=$(nx sS ping -c 4 -i 0.2 -W 2 -I 10.20.0.1 10.10.0.2 2>&1)
	check "$1 ping from strongSwan's side (10.20.0.1 -> hA 10.10.0.2)" '[[ "$pout" == *"4 received"* ]]' "$(tail -n 2 <<<"$pout")"
}

# 1 MB over TCP each way between hA and strongSwan's 10.20.0.1, compared with
# cmp; espfabd's encaps/decaps and strongSwan's CHILD_SA byte counters follow.
BULK=1048576
head -c $BULK /dev/urandom >"$T/bulk.bin"
listening() { nx "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q .; } # NS PORT
bulk_tcp() { # TAG DIR SOCK
	local tag=$1 dir=$2 S=$3 e0 d0 e1 d1 e2 d2 lp sin sout
	local minpk=$((BULK / 1460)) # full-sized segments, at least
	read -r e0 d0 _ _ <<<"$(ipsec_ctr "$S")"
	# hA -> strongSwan
	nx sS timeout 60 socat -u TCP-LISTEN:5001,bind=10.20.0.1,reuseaddr "OPEN:$dir/recv-sw.bin,creat,trunc" &
	lp=$!
	wait_for 'listening sS 5001' 5
	nx hA timeout 60 socat -u "OPEN:$T/bulk.bin" TCP:10.20.0.1:5001
	wait $lp
	check "$tag bulk TCP 1 MB hA -> strongSwan intact" 'cmp -s "$T/bulk.bin" "$dir/recv-sw.bin"' \
		"received $(stat -c %s "$dir/recv-sw.bin" 2>/dev/null) bytes, differs"
	read -r e1 d1 _ _ <<<"$(ipsec_ctr "$S")"
	check "$tag espfabd encapsulated the 1 MB, decapsulated the ACKs" '[ $((e1 - e0)) -ge $minpk ] && [ $((d1 - d0)) -ge 1 ]' \
		"encaps +$((e1 - e0)) (want >= $minpk), decaps +$((d1 - d0))"
	# strongSwan -> hA, started on strongSwan's side
	nx hA timeout 60 socat -u TCP-LISTEN:5002,reuseaddr "OPEN:$dir/recv-ha.bin,creat,trunc" &
	lp=$!
	wait_for 'listening hA 5002' 5
	nx sS timeout 60 socat -u "OPEN:$T/bulk.bin" TCP:10.10.0.2:5002,bind=10.20.0.1
	wait $lp
	check "$tag bulk TCP 1 MB strongSwan -> hA intact" 'cmp -s "$T/bulk.bin" "$dir/recv-ha.bin"' \
		"received $(stat -c %s "$dir/recv-ha.bin" 2>/dev/null) bytes, differs"
	read -r e2 d2 _ _ <<<"$(ipsec_ctr "$S")"
	check "$tag espfabd decapsulated the 1 MB, encapsulated the ACKs" '[ $((d2 - d1)) -ge $minpk ] && [ $((e2 - e1)) -ge 1 ]' \
		"decaps +$((d2 - d1)) (want >= $minpk), encaps +$((e2 - e1))"
	# strongSwan's view: "in  SPI,  N bytes,  M packets" on its CHILD_SA
	read -r sin sout <<<"$(sw "$dir" --list-sas 2>/dev/null | awk '
		$1 == "in"  { for (i = 2; i < NF; i++) if ($(i + 1) ~ /^bytes/) { x = $i; gsub(",", "", x); bi += x } }
		$1 == "out" { for (i = 2; i < NF; i++) if ($(i + 1) ~ /^bytes/) { x = $i; gsub(",", "", x); bo += x } }
		END { print bi + 0, bo + 0 }')"
	check "$tag strongSwan counted >= 1 MB in and out on its CHILD_SA" '[ "$sin" -ge $BULK ] && [ "$sout" -ge $BULK ]' \
		"strongSwan in $sin bytes, out $sout bytes"
}

run() { # NAME ENCR GROUP IKE-PROPOSAL ESP-PROPOSAL ROLE(espfabd|swan) [bulk]
	local name=$1 encr=$2 grp=$3 ikep=$4 espp=$5 role=$6 bulk=${7:-no}
	local tag="$name/$role-initiates"
	local dir=$T/$name-$role S=$T/$name-$role/a.sock L=$T/$name-$role/a.log
	mkdir -p "$dir"
	espfab_cfg "$encr" "$grp" >"$dir/a.cfg"
	swan_cfg "$ikep" "$espp" "$dir"
	start_charon "$dir"
	check "$tag charon up" 'grep -q "loaded connection .sa." "$dir/load.out"' "$(cat "$dir/load.out" "$dir/charon.out" 2>/dev/null | tail -5)"
	start_espfabd "$dir/a.cfg" "$S" "$L" || { bad "$tag espfabd" "$(cat "$L.stderr")"; stop_all; return; }
	ctl "$S" debug crypto isakmp >/dev/null

	cap_start "$dir/wire.pcap" "$dir/tshark-cap.err" "${P}gA" -i a0

	if [ "$role" = espfabd ]; then
		# the first packet finds no SA: the data path asks IKE (acquire) and drops it, as IOS does
		nx hA ping -c 1 -W 1 10.20.0.1 >/dev/null 2>&1
	else
		sw "$dir" --initiate --child net --timeout 20 >"$dir/initiate.out" 2>&1 &
	fi
	wait_for 'sw "$dir" --list-sas 2>/dev/null | grep -q INSTALLED' 20
	local sas isa
	sas=$(sw "$dir" --list-sas 2>&1)
	isa=$(ctl "$S" show crypto isakmp sa)
	check "$tag strongSwan IKE SA ESTABLISHED" 'grep -q "ESTABLISHED" <<<"$sas"' "$sas"
	check "$tag strongSwan CHILD_SA INSTALLED" 'grep -q "net: #.*INSTALLED, TUNNEL-in-UDP" <<<"$sas"' "$sas"
	wait_for 'ctl "$S" show crypto ipsec sa 2>/dev/null | grep -c "inbound esp sas" >/dev/null' 5
	isa=$(ctl "$S" show crypto isakmp sa)
	check "$tag espfabd QM_IDLE" 'grep -Eq "^192\.0\.2\.[12] +192\.0\.2\.[12] +QM_IDLE +[0-9]+ ACTIVE$" <<<"$isa"' "$isa"
	local ipsec
	ipsec=$(ctl "$S" show crypto ipsec sa)
	check "$tag espfabd pair installed" 'grep -qF "in use settings ={Tunnel UDP-Encaps, }" <<<"$ipsec" && grep -qF "current_peer 192.0.2.2 port 4500" <<<"$ipsec"' "$ipsec"
	local want_t="esp-3des esp-sha-hmac"
	[ "$encr" = aes ] && want_t="esp-aes esp-sha-hmac"
	check "$tag transform $want_t, PFS group $grp" 'grep -qF "transform: $want_t ," <<<"$ipsec" && grep -qF "DH group: group$grp" <<<"$ipsec"' \
		"$(grep -E "transform|PFS" <<<"$ipsec")"
	# SPIs agree: strongSwan's in = espfabd's out
	local sw_in sw_out
	sw_in=$(sed -n 's/.*INSTALLED.*//; s/^ *in  *\([0-9a-f]*\).*/\1/p' <<<"$sas" | head -n1)
	sw_out=$(sed -n 's/^ *out  *\([0-9a-f]*\).*/\1/p' <<<"$sas" | head -n1)
	sw_in=${sw_in#"${sw_in%%[!0]*}"} sw_out=${sw_out#"${sw_out%%[!0]*}"} # IOS prints no leading zeros
	check "$tag SPIs agree" 'grep -qi "current outbound spi: 0x$sw_in" <<<"$ipsec" && grep -qi "spi: 0x$sw_out" <<<"$ipsec"' \
		"strongSwan in=$sw_in out=$sw_out; espfabd: $(grep -i spi <<<"$ipsec" | tr '\n' ' ')"

	# who started the negotiation: espfabd's states say which side it played
	if [ "$role" = espfabd ]; then
		check "$tag espfabd initiated both phases (data path acquire)" \
			'grep -q "New State = IKE_I_MM1" "$L" && grep -q "New State = IKE_QM_I_QM1" "$L" && ! grep -q "New State = IKE_R_MM" "$L"' \
			"$(grep "New State" "$L" | head -4)"
	else
		check "$tag strongSwan initiated both phases (swanctl --initiate)" \
			'grep -q "New State = IKE_R_MM1" "$L" && grep -q "New State = IKE_QM_R_QM" "$L" && ! grep -q "New State = IKE_I_MM" "$L"' \
			"$(grep "New State" "$L" | head -4)"
	fi

	# traffic through the tunnel, started from each side; where strongSwan
	# initiated, its own ping is the first thing through the tunnel
	local pout e0 d0 e1 d1 e2 d2
	read -r e0 d0 _ _ <<<"$(ipsec_ctr "$S")"
	if [ "$role" = swan ]; then
		swan_ping "$tag"
		read -r e1 d1 _ _ <<<"$(ipsec_ctr "$S")"
		check "$tag espfabd counted strongSwan's ping" 'delta_in $((e1 - e0)) 4 9 && delta_in $((d1 - d0)) 4 9' \
			"encaps +$((e1 - e0)), decaps +$((d1 - d0))"
		e0=$e1 d0=$d1
	fi
	pout=$(nx hA ping -c 4 -i 0.2 -W 2 10.20.0.1 2>&1)
	check "$tag ping through the tunnel" '[[ "$pout" == *"4 received"* ]]' "$(tail -n 2 <<<"$pout")"
	read -r e1 d1 _ _ <<<"$(ipsec_ctr "$S")"
	ipsec=$(ctl "$S" show crypto ipsec sa)
	check "$tag espfabd counted the ESP" 'delta_in $((e1 - e0)) 4 9 && delta_in $((d1 - d0)) 4 9' \
		"encaps +$((e1 - e0)), decaps +$((d1 - d0)); $(grep pkts <<<"$ipsec" | head -2)"
	if [ "$role" = espfabd ]; then
		swan_ping "$tag"
		read -r e2 d2 _ _ <<<"$(ipsec_ctr "$S")"
		check "$tag espfabd counted strongSwan's ping" 'delta_in $((e2 - e1)) 4 9 && delta_in $((d2 - d1)) 4 9' \
			"encaps +$((e2 - e1)), decaps +$((d2 - d1))"
	fi
	[ "$bulk" = bulk ] && bulk_tcp "$tag" "$dir" "$S"
	local se re
	read -r _ _ se re <<<"$(ipsec_ctr "$S")"
	check "$tag espfabd: no send/recv errors" '[ "$se $re" = "0 0" ]' "#send errors $se, #recv errors $re"

	# clear crypto isakmp: strongSwan hears the delete
	ctl "$S" clear crypto isakmp >/dev/null
	wait_for '! sw "$dir" --list-sas 2>/dev/null | grep -q ESTABLISHED' 5
	check "$tag clear crypto isakmp reaches strongSwan" '! sw "$dir" --list-sas 2>/dev/null | grep -q ESTABLISHED' \
		"$(sw "$dir" --list-sas 2>&1 | head -3)"

	cap_stop "$dir/wire.pcap" esp 8
	local dis
	dis=$(tshark -r "$dir/wire.pcap" -n -Y isakmp -T fields -e udp.dstport -e isakmp.exchangetype -e isakmp.nextpayload 2>/dev/null)
	check "$tag tshark: main mode on 500 and 4500, quick mode, NAT-D" \
		'grep -Eq "^500	2	1," <<<"$dis" && grep -Eq "^4500	2	5" <<<"$dis" && grep -Eq "^4500	32	8" <<<"$dis" &&
		 tshark -r "$dir/wire.pcap" -n -Y "isakmp.nextpayload == 20 || isakmp.typepayload == 20" 2>/dev/null | grep -q .' \
		"$(head -n 12 <<<"$dis")"
	check "$tag tshark: nothing malformed" '! tshark -r "$dir/wire.pcap" -n -Y "_ws.malformed || _ws.expert.severity >= error" 2>/dev/null | grep -q .' \
		"$(tshark -r "$dir/wire.pcap" -n -Y "_ws.malformed" 2>/dev/null | head -3)"
	# the keys espfabd exported (--debug-keys, test oracle) decrypt the capture
	local ek ik
	ek=$(keys_esp_check "$dir/wire.pcap" "$L.keys")
	ik=$(keys_isakmp_check "$dir/wire.pcap" "$L.keys")
	check "$tag tshark decrypts the UDP-encapsulated ESP, every ICV good" 'read -r n g b u <<<"$ek" && [ "$n" -ge 8 ] && [ "$g" = "$n" ]' \
		"ESP packets, ICV good, bad, undecrypted: $ek"
	check "$tag tshark decrypts MM5/MM6, quick mode, informational" 'read -r n d <<<"$ik" && [ "$n" -ge 5 ] && [ "$d" = "$n" ]' \
		"encrypted ISAKMP, decrypted: $ik"
	check "$tag keys never in the log" '! grep -qi "$(awk '"'"'$1 == "ikev1" { split($2, a, ","); print a[2]; exit }'"'"' "$L.keys")" "$L"' "key text found in $L"
	check "$tag debug trace reads like IOS" 'grep -q "Old State = IKE_[IR]_MM[0-9] New State" "$L" && grep -q "SA has been authenticated with 192.0.2.2" "$L" && grep -q "IKE_QM_PHASE2_COMPLETE" "$L"' \
		"$(grep ISAKMP "$L" | tail -5)"
	if [ "$fails" -ne 0 ] && [ -n "${KEEP:-}" ]; then cp -r "$dir" "/tmp/ike-strongswan-$name-$role"; fi
	stop_all
}

run 3des-g2 3des 2 3des-sha1-modp1024 3des-sha1-modp1024 espfabd bulk
run 3des-g2 3des 2 3des-sha1-modp1024 3des-sha1-modp1024 swan
run aes128-g14 aes 14 aes128-sha1-modp2048 aes128-sha1-modp2048 espfabd
run aes128-g14 aes 14 aes128-sha1-modp2048 aes128-sha1-modp2048 swan bulk

# strongSwan rekeys its CHILD_SA (a second quick mode on the same ISAKMP SA)
# and, when the old one expires, deletes it (a delete payload espfabd acts on).
rekey() {
	local tag=rekey dir=$T/rekey S=$T/rekey/a.sock L=$T/rekey/a.log
	mkdir -p "$dir"
	# NAT keepalives every 5 s (RFC 3948; NAT-T is always in use with strongSwan)
	espfab_cfg aes 14 | sed 's/^end$/crypto isakmp nat keepalive 5\nend/' >"$dir/a.cfg"
	swan_cfg aes128-sha1-modp2048 aes128-sha1-modp2048 "$dir" "rekey_time = 4s
				life_time = 9s
				rand_time = 0"
	start_charon "$dir"
	start_espfabd "$dir/a.cfg" "$S" "$L" || { bad "$tag espfabd" "$(cat "$L.stderr")"; stop_all; return; }
	ctl "$S" debug crypto isakmp >/dev/null
	cap_start "$dir/wire.pcap" "$dir/tshark-cap.err" "${P}gA" -i a0 -f "udp port 4500"
	sw "$dir" --initiate --child net --timeout 20 >"$dir/initiate.out" 2>&1
	local first
	first=$(sw "$dir" --list-sas 2>/dev/null | sed -n 's/^ *in  *\([0-9a-f]*\).*/\1/p' | head -n1)
	wait_for 'grep -q "processing delete for ESP spi" "$L"' 15
	local sas
	sas=$(sw "$dir" --list-sas 2>&1)
	check "$tag strongSwan rekeyed its CHILD_SA" 'grep -q "INSTALLED" <<<"$sas" && ! grep -q "in  *$first" <<<"$sas"' "$sas"
	check "$tag espfabd answered the second quick mode and acted on the delete" \
		'[ "$(grep -c "IKE_QM_R_QM2 New State = IKE_QM_PHASE2_COMPLETE" "$L")" -ge 2 ] && grep -q "processing delete for ESP spi" "$L"' \
		"$(grep -E "PHASE2_COMPLETE|delete" "$L" | tail -5)"
	local pout
	pout=$(nx hA ping -c 3 -i 0.2 -W 2 10.20.0.1 2>&1)
	check "$tag ping through the rekeyed tunnel" '[[ "$pout" == *"3 received"* ]]' "$(tail -n 2 <<<"$pout")"
	wait_for 'grep -q "NAT keepalive sent to 192.0.2.2:4500" "$L"' 8
	sleep 0.3
	cap_stop "$dir/wire.pcap"
	local ka ver
	ka=$(tshark -r "$dir/wire.pcap" -n -Y "udpencap.nat_keepalive && ip.src == 192.0.2.1 && udp.srcport == 4500 && udp.dstport == 4500 && udp.length == 9" \
		-T fields -e frame.time_relative 2>/dev/null)
	ver=$(ctl "$S" show version)
	check "$tag NAT keepalive (0xFF on UDP 4500) on the wire, counted" '[ -n "$ka" ] && grep -Eq "^NAT-T keepalives sent: [1-9]" <<<"$ver"' \
		"keepalive frames: [$ka]; $(grep -i keepalive <<<"$ver")"
	check "$tag strongSwan still up after keepalives" 'sw "$dir" --list-sas 2>/dev/null | grep -q ESTABLISHED' "$(sw "$dir" --list-sas 2>&1 | head -3)"
	stop_all
}
rekey

echo "ike_strongswan: $((ncase - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
