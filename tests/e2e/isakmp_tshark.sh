#!/usr/bin/env bash
# isakmp_tshark.sh — tshark (Wireshark) as the independent decoder of the
# ISAKMP messages ike/ builds.
#
# espfab-isakmpgen writes a fixed corpus (main mode 1/2/3, encrypted main
# mode 5 on UDP 4500 with the non-ESP marker, aggressive mode with XAUTH and
# KEY_ID, quick mode with ESP proposals and NAT-OA, DPD, INITIAL-CONTACT,
# RESPONDER-LIFETIME, deletes, an error notify, a mode-config request, every
# ID type, CERT/CR/SIG), after parsing every message back with isakmp_parse.
# Then:
#   * tshark -V reports no malformed packet and no expert warning or error;
#   * for every frame, the payload types tshark finds (proposals/transforms
#     aside) are those isakmp_parse listed, in order;
#   * the fields below have the values the generator put in: exchange types,
#     flags, cookies, message IDs, SA attributes (phase 1 and 2, TV and TLV),
#     transform IDs, SPIs, IDs, NAT-D, NAT-OA, notify types and data, delete
#     SPIs, mode-config attributes, and the vendor ID names tshark knows.
#
# Needs $BIN (absolute bin dir).  Pass = exit 0.
set -euo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
GEN=$BIN/espfab-isakmpgen
command -v tshark >/dev/null || { echo "isakmp_tshark: tshark not installed (make deps)"; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
checks=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$GEN" -o "$T/ike.pcap" --list >"$T/list.txt" || { echo "FAIL: espfab-isakmpgen"; exit 1; }
NFRAMES=12
[ "$(wc -l <"$T/list.txt")" -eq $NFRAMES ] || fail "generator listed $(wc -l <"$T/list.txt") frames, expected $NFRAMES"

# --- 1. nothing malformed ------------------------------------------------------
tshark -r "$T/ike.pcap" -n -V >"$T/v.txt" 2>"$T/v.err" || fail "tshark -V failed: $(head -n 3 "$T/v.err")"
n=$(grep -c '^Frame [0-9]*:' "$T/v.txt" || true)
[ "$n" -eq $NFRAMES ] || fail "tshark saw $n frames, expected $NFRAMES"
n=$(grep -c '^Internet Security Association and Key Management Protocol' "$T/v.txt" || true)
[ "$n" -eq $NFRAMES ] || fail "tshark dissected ISAKMP in $n frames, expected $NFRAMES"
if grep -E -i 'malformed|Expert Info \((Warning|Error)|bogus|\[Packet size limited' "$T/v.txt" >"$T/bad.txt"; then
	fail "tshark reports problems:"
	head -n 10 "$T/bad.txt"
fi

# --- 2. payload chains agree with isakmp_parse ----------------------------------
tshark -r "$T/ike.pcap" -n -T fields -E occurrence=a -E aggregator=' ' \
	-e frame.number -e udp.dstport -e isakmp.exchangetype -e isakmp.flag_e -e isakmp.typepayload \
	>"$T/chain.txt" 2>/dev/null
while read -r fno port exch rest; do
	enc=0
	set -- $rest
	if [ "${1:-}" = E ]; then enc=1; shift; fi
	ours="$*"
	line=$(awk -F'\t' -v f="$fno" '$1 == f' "$T/chain.txt")
	IFS=$'\t' read -r tf tport texch tenc tpl <<<"$line"
	theirs=$(for t in $tpl; do [ "$t" = 2 ] || [ "$t" = 3 ] || printf '%s ' "$t"; done | sed 's/ $//')
	checks=$((checks + 1))
	[ "$tport" = "$port" ] && [ "$texch" = "$exch" ] && [ "$tenc" = "$enc" ] && [ "$theirs" = "$ours" ] ||
		fail "frame $fno: isakmp_parse says port $port exch $exch enc $enc payloads [$ours]," \
			"tshark says port $tport exch $texch enc $tenc payloads [$theirs]"
done <"$T/list.txt"

# --- 3. field values ---------------------------------------------------------------
FIELDS=(
	isakmp.ispi isakmp.rspi isakmp.messageid isakmp.length isakmp.flag_e udpencap.non_esp_marker
	isakmp.sa.doi isakmp.prop.number isakmp.prop.protoid isakmp.spisize isakmp.spi isakmp.prop.transforms
	isakmp.trans.number isakmp.trans.id
	isakmp.ike.attr.encryption_algorithm isakmp.ike.attr.key_length isakmp.ike.attr.hash_algorithm
	isakmp.ike.attr.authentication_method isakmp.ike.attr.group_description isakmp.ike.attr.life_type
	isakmp.ike.attr.life_duration
	isakmp.ipsec.attr.life_type isakmp.ipsec.attr.life_duration isakmp.ipsec.attr.encap_mode
	isakmp.ipsec.attr.auth_algorithm isakmp.ipsec.attr.key_length isakmp.ipsec.attr.group_description
	isakmp.key_exchange.data isakmp.nonce isakmp.hash isakmp.sig isakmp.ike.nat_hash
	isakmp.ike.nat_original_address_ipv4
	isakmp.id.type isakmp.id.protoid isakmp.id.port isakmp.id.data.ipv4_addr isakmp.id.data.ipv4_subnet
	isakmp.id.data.ipv4_range_start isakmp.id.data.ipv4_range_end isakmp.id.data.fqdn isakmp.id.data.user_fqdn
	isakmp.id.data.key_id isakmp.cert.encoding isakmp.certreq.type
	isakmp.notify.doi isakmp.notify.protoid isakmp.notify.msgtype isakmp.notify.data
	isakmp.notify.data.dpd.are_you_there isakmp.notify.data.dpd.are_you_there_ack
	isakmp.notify.data.resp_lifetime.ipsec.attr.life_duration
	isakmp.delete.protoid isakmp.spinum isakmp.delete.spi
	isakmp.vid_string isakmp.vid_bytes
	isakmp.cfg.type isakmp.cfg.identifier isakmp.cfg.attr.type isakmp.cfg.attr.application_version
)
targs=()
for f in "${FIELDS[@]}"; do targs+=(-e "$f"); done
tshark -r "$T/ike.pcap" -n -T fields -E occurrence=a -E aggregator=, "${targs[@]}" >"$T/f.txt" 2>"$T/f.err" ||
	fail "tshark -T fields failed: $(head -n 3 "$T/f.err")"
declare -A col
for i in "${!FIELDS[@]}"; do col[${FIELDS[$i]}]=$((i + 1)); done

# want FRAME FIELD VALUE  (the field's values in the frame, comma-separated)
want() {
	local c=${col[$2]:-}
	checks=$((checks + 1))
	[ -n "$c" ] || { fail "script: no column for $2"; return; }
	local got
	got=$(sed -n "${1}p" "$T/f.txt" | cut -f "$c")
	[ "$got" = "$3" ] || fail "frame $1 $2: got '$got', want '$3'"
}
# want_len FRAME FIELD BYTES  (hex field, one value)
want_len() {
	local got
	got=$(sed -n "${1}p" "$T/f.txt" | cut -f "${col[$2]}")
	checks=$((checks + 1))
	[ "${#got}" -eq $(($3 * 2)) ] || fail "frame $1 $2: ${#got} hex digits, want $(($3 * 2))"
}

# the generator's filler bytes: byte i of its pattern is (7 i + 3) mod 256
pat() { local i; for ((i = $1; i < $1 + $2; i++)); do printf '%02x' $(((i * 7 + 3) & 255)); done; }

CI=d56197780d7be3e5
CR=1b301d2de710eda0
# 1: main mode 1 — the IOS-style proposal, every VID the seeds show
want 1 isakmp.ispi $CI
want 1 isakmp.rspi 0000000000000000
want 1 isakmp.sa.doi 1
want 1 isakmp.prop.protoid 1
want 1 isakmp.prop.transforms 2
want 1 isakmp.trans.number 1,2
want 1 isakmp.trans.id 1,1
want 1 isakmp.ike.attr.encryption_algorithm 7,5
want 1 isakmp.ike.attr.key_length 128
want 1 isakmp.ike.attr.hash_algorithm 2,1
want 1 isakmp.ike.attr.authentication_method 1,1
want 1 isakmp.ike.attr.group_description 14,2
want 1 isakmp.ike.attr.life_type 1,1
want 1 isakmp.ike.attr.life_duration 86400,28800
want 1 isakmp.vid_string "RFC 3947 Negotiation of NAT-Traversal in the IKE,draft-ietf-ipsec-nat-t-ike-07,draft-ietf-ipsec-nat-t-ike-03,draft-ietf-ipsec-nat-t-ike-02\\n,draft-ietf-ipsec-nat-t-ike-02,RFC 3706 DPD (Dead Peer Detection),CISCO-UNITY,XAUTH,Cisco Fragmentation,Unknown Vendor ID,CISCO-CONCENTRATOR,strongSwan"
want 1 isakmp.vid_bytes 4a131c81070358455c5728f20e95452f,439b59f8ba676c4c7737ae22eab8f582,7d9419a65310ca6f2c179d9215529d56,90cb80913ebb696e086381b5ec427b1f,cd60464335df21f87cfdb2fc68b6a448,afcad71368a1f1c96b8696fc77570100,12f5f28c457168a9702d9fe274cc0100,09002689dfd6b712,4048b7d56ebce88525e7de7f00d6c2d380000000,3e984048101e66cc659fd002b0ed3655,1f07f70eaa6514d3b0fa96542a500100,882fe56d6fd20dbc2251613b2ebe5beb
# 2: main mode 2 — one transform chosen
want 2 isakmp.rspi $CR
want 2 isakmp.ike.attr.encryption_algorithm 7
want 2 isakmp.ike.attr.group_description 14
want 2 isakmp.vid_string "RFC 3947 Negotiation of NAT-Traversal in the IKE,RFC 3706 DPD (Dead Peer Detection)"
# 3: main mode 3 — KE (group 14), nonce, two NAT-D
want_len 3 isakmp.key_exchange.data 256
want_len 3 isakmp.nonce 20
want 3 isakmp.nonce "$(pat 256 20)"
want 3 isakmp.ike.nat_hash "$(pat 300 20),$(pat 320 20)"
# 4: encrypted main mode 5 on 4500
want 4 udpencap.non_esp_marker 1
want 4 isakmp.flag_e 1
want 4 isakmp.length 76
# 5: aggressive mode with XAUTH and a group name
want 5 isakmp.ike.attr.authentication_method 65001
want 5 isakmp.ike.attr.encryption_algorithm 5
want 5 isakmp.ike.attr.group_description 2
want_len 5 isakmp.key_exchange.data 128
want 5 isakmp.id.type 11
want 5 isakmp.id.protoid 17
want 5 isakmp.id.port 500
want 5 isakmp.id.data.key_id 7465737467726f7570
want 5 isakmp.vid_string "XAUTH,RFC 3706 DPD (Dead Peer Detection),Cisco Fragmentation,draft-ietf-ipsec-nat-t-ike-02\\n,CISCO-UNITY"
# 6: quick mode on 4500 — two ESP proposals, NAT-T encapsulation modes
want 6 udpencap.non_esp_marker 1
want 6 isakmp.messageid 0x18673f28
want 6 isakmp.prop.number 1,2
want 6 isakmp.prop.protoid 3,3
want 6 isakmp.spisize 4,4
want 6 isakmp.spi a4790fa0,f800d61f
want 6 isakmp.trans.id 12,3,2
want 6 isakmp.ipsec.attr.life_type 1,2
want 6 isakmp.ipsec.attr.life_duration 3600,4608000
want 6 isakmp.ipsec.attr.encap_mode 3,61444,61444
want 6 isakmp.ipsec.attr.auth_algorithm 2,1,1
want 6 isakmp.ipsec.attr.key_length 256
want 6 isakmp.ipsec.attr.group_description 2
want 6 isakmp.id.type 4,7,1 # the third is NAT-OA's ID type (tshark uses the same field)
want 6 isakmp.id.data.ipv4_addr 13.13.13.0
want 6 isakmp.id.data.ipv4_subnet 255.255.255.0
want 6 isakmp.id.data.ipv4_range_start 12.12.12.1
want 6 isakmp.id.data.ipv4_range_end 12.12.12.99
want 6 isakmp.ike.nat_original_address_ipv4 192.168.1.5
want 6 isakmp.hash "$(pat 0 20)"
# 7, 8: DPD (RFC 3706), SPI = the cookies, sequence number as data
want 7 isakmp.notify.msgtype 36136
want 7 isakmp.notify.protoid 1
want 7 isakmp.spi $CI$CR
want 7 isakmp.notify.data.dpd.are_you_there 1515847681
want 8 isakmp.notify.msgtype 36137
want 8 isakmp.notify.data.dpd.are_you_there_ack 1515847681
# 9: INITIAL-CONTACT, RESPONDER-LIFETIME, deletes
want 9 isakmp.notify.msgtype 24578,24576
want 9 isakmp.notify.protoid 1,3
want 9 isakmp.notify.data.resp_lifetime.ipsec.attr.life_duration 3600
want 9 isakmp.delete.protoid 3,1
want 9 isakmp.spinum 2,1
want 9 isakmp.delete.spi a4790fa0,f800d61f,$CI$CR
# 10: an error notify sent before the responder cookie exists
want 10 isakmp.rspi 0000000000000000
want 10 isakmp.notify.msgtype 1
want 10 isakmp.notify.data 63
# 11: mode-config request on 4500
want 11 isakmp.cfg.type 1
want 11 isakmp.cfg.identifier 20257 # 0x4f21
want 11 isakmp.cfg.attr.type 1,2,3,4,28674,28676,28679,7
want 11 isakmp.cfg.attr.application_version "Cisco Systems VPN Client 5.0.07.0290:WinNT"
# 12: FQDN / USER_FQDN identities, CERT, CR, SIG, INITIAL-CONTACT
want 12 isakmp.id.type 2,3
want 12 isakmp.id.data.fqdn vpn.example.com
want 12 isakmp.id.data.user_fqdn user@example.com
want 12 isakmp.cert.encoding 4
want 12 isakmp.certreq.type 4
want_len 12 isakmp.sig 64
want 12 isakmp.notify.msgtype 24578
grep -q 'Certificate Data (id-at-commonName=espfab-test)' "$T/v.txt" || fail "frame 12: certificate not decoded"
checks=$((checks + 1))

echo "isakmp_tshark: $NFRAMES frames, $checks checks against tshark; $fails failures"
[ "$fails" -eq 0 ]
