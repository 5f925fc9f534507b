#!/usr/bin/env bash
# esp_tshark.sh — tshark (Wireshark) as the independent oracle for espfab-esp.
#
# For every transform (DES, 3DES, two-key 3DES, AES-128/192/256 x HMAC-MD5-96,
# HMAC-SHA1-96), every mode (tunnel, transport, tunnel + ESP-in-UDP 4500) and
# every engine this build has (sw, model):
#   * espfab-pcapgen makes 20 packets, espfab-esp encaps them (--iv-seed 7);
#   * one tshark run, with one esp_sa UAT entry per SPI, must report
#     esp.icv_good for every packet, and the decrypted inner packets must
#     show the input's addresses, IP ID, ports and L4 checksums, with every
#     IPv4/UDP/TCP/ICMP checksum verified good (so every payload byte);
#   * sw and model outputs are byte-identical (same IV seed);
#   * decap on the same engine and on the other engine gives the input back
#     byte for byte (cmp).
# Also: random IVs (no --iv-seed) verify too; Ethernet input keeps its L2
# header and verifies; and a flipped ciphertext byte makes tshark's ICV
# check fail (the oracle can fail) and espfab-esp decap report AUTH.
#
# tshark 4.0 dissects UDP port 4500 as UDP-encapsulated ESP by default (no
# -d udp.port==4500,udpencap needed); several esp_sa UAT entries may be given
# as repeated -o options, so one tshark run checks every SA.
#
# Needs $BIN (absolute bin dir).  Pass = exit 0.  Keys here are test keys.
set -euo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
ESP=$BIN/espfab-esp
GEN=$BIN/espfab-pcapgen
command -v tshark >/dev/null || { echo "esp_tshark: tshark not installed (make deps)"; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# --- transforms --------------------------------------------------------------
# name | ip-xfrm algorithm | key | tshark algorithm | tshark key
KD=0123456789abcdef
K16=00112233445566778899aabbccddeeff
K24=${K16}f0e1d2c3b4a59687
K32=${K16}8899aabbccddeeff0011223344556677
ciphers=(
	"des|cbc(des)|$KD|DES-CBC [RFC2405]|$KD"
	"3des|cbc(des3_ede)|$K24|TripleDES-CBC [RFC2451]|$K24"
	"3des2key|cbc(des3_ede)|$K16|TripleDES-CBC [RFC2451]|${K16}${K16:0:16}"
	"aes128|cbc(aes)|$K16|AES-CBC [RFC3602]|$K16"
	"aes192|cbc(aes)|$K24|AES-CBC [RFC3602]|$K24"
	"aes256|cbc(aes)|$K32|AES-CBC [RFC3602]|$K32"
)
KM=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf
KS=b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3
auths=(
	"md5|hmac(md5)|$KM|HMAC-MD5-96 [RFC2403]"
	"sha1|hmac(sha1)|$KS|HMAC-SHA-1-96 [RFC2404]"
)
modes=(tunnel transport udp)

engines=()
for e in sw model; do
	"$GEN" -o "$T/probe.pcap" -n 1
	if "$ESP" encap --engine "$e" --quiet --sa "src 1.1.1.1 dst 2.2.2.2 spi 1 enc cbc(des) 0x$KD auth hmac(md5) 0x$KM" \
		-i "$T/probe.pcap" -o "$T/probe-out.pcap" 2>"$T/probe.err"; then
		engines+=("$e")
	elif grep -q 'unknown engine' "$T/probe.err"; then
		echo "engine $e not in this build; skipped"
	else
		fail "engine $e probe: $(cat "$T/probe.err")"
	fi
done
[ ${#engines[@]} -gt 0 ] || { echo "FAIL: no engine"; exit 1; }

# Inputs: mixed UDP/TCP/ICMP for tunnel and transport; UDP only for UDP
# encapsulation (so that the last UDP header tshark shows is the inner one).
"$GEN" -o "$T/mix.pcap" -n 20 --proto mix --min 40 --max 1400 --seed 11
"$GEN" -o "$T/udp.pcap" -n 20 --proto udp --min 28 --max 1400 --seed 12

sa_string() { # spi mode enc-alg enc-key auth-alg auth-key
	local extra=""
	case $2 in
	tunnel) extra="mode tunnel" ;;
	transport) extra="mode transport" ;;
	udp) extra="mode tunnel encap espinudp 4500 4500 0.0.0.0" ;;
	esac
	printf 'src 10.1.0.1 dst 10.2.0.1 proto esp spi %s %s enc "%s" 0x%s auth-trunc "%s" 0x%s 96 replay-window 64' \
		"$1" "$extra" "$3" "$4" "$5" "$6"
}

uat=()      # tshark -o arguments
manifest=() # spi|engine|name|mode|input
files=()
add_uat() { # spi tshark-enc key tshark-auth key
	uat+=(-o "uat:esp_sa:\"IPv4\",\"*\",\"*\",\"$1\",\"$2\",\"0x$3\",\"$4\",\"0x$5\"")
}

idx=0
for ci in "${ciphers[@]}"; do
	IFS='|' read -r cname calg ckey ctsh ctkey <<<"$ci"
	for au in "${auths[@]}"; do
		IFS='|' read -r aname aalg akey atsh <<<"$au"
		for mode in "${modes[@]}"; do
			idx=$((idx + 1))
			spi=$(printf '0x%08x' $((0x10000 + idx)))
			name="$cname-$aname-$mode"
			in=$T/mix.pcap
			[ "$mode" = udp ] && in=$T/udp.pcap
			sa=$(sa_string "$spi" "$mode" "$calg" "$ckey" "$aalg" "$akey")
			add_uat "$spi" "$ctsh" "$ctkey" "$atsh" "$akey"
			for e in "${engines[@]}"; do
				out=$T/enc-$e-$name.pcap
				if ! "$ESP" encap --engine "$e" --sa "$sa" --iv-seed 7 -i "$in" -o "$out" \
					--status "$T/status-$e-$name.txt" 2>"$T/err.txt"; then
					fail "$e $name: encap failed: $(tail -n 1 "$T/err.txt")"
					continue
				fi
				n=$(grep -c ': OK spi=' "$T/status-$e-$name.txt")
				[ "$n" -eq 20 ] || fail "$e $name: $n of 20 status lines OK"
				# decap on every engine gives the input back
				for d in "${engines[@]}"; do
					if ! "$ESP" decap --engine "$d" --quiet --sa "$sa" -i "$out" -o "$T/dec.pcap" 2>"$T/err.txt"; then
						fail "$e->$d $name: decap failed: $(tail -n 1 "$T/err.txt")"
					elif ! cmp -s "$T/dec.pcap" "$in"; then
						fail "$e->$d $name: decap output differs from the input"
					fi
				done
			done
			# one copy of the ESP per SPI goes to tshark (engines are compared by cmp)
			first=$T/enc-${engines[0]}-$name.pcap
			[ -f "$first" ] && files+=("$first") && manifest+=("$spi|$name|$mode")
			for e in "${engines[@]:1}"; do
				cmp -s "$first" "$T/enc-$e-$name.pcap" ||
					fail "$name: ${engines[0]} and $e outputs differ with --iv-seed 7"
			done
		done
	done
done

# Random IVs (no --iv-seed): still verifies, and differs from the seeded run.
for e in "${engines[@]}"; do
	idx=$((idx + 1))
	spi=$(printf '0x%08x' $((0x10000 + idx)))
	sa=$(sa_string "$spi" tunnel "cbc(aes)" "$K16" "hmac(sha1)" "$KS")
	"$ESP" encap --engine "$e" --quiet --sa "$sa" -i "$T/mix.pcap" -o "$T/rand-$e.pcap" 2>/dev/null ||
		fail "$e random IV: encap failed"
	add_uat "$spi" "AES-CBC [RFC3602]" "$K16" "HMAC-SHA-1-96 [RFC2404]" "$KS"
	files+=("$T/rand-$e.pcap")
	manifest+=("$spi|random-iv-$e|tunnel")
done

# A flipped ciphertext byte in packet 1: tshark must say ICV bad.
FLIP_SPI=0x0000dead
sa=$(sa_string $FLIP_SPI tunnel "cbc(aes)" "$K16" "hmac(sha1)" "$KS")
"$ESP" encap --engine "${engines[0]}" --quiet --sa "$sa" -i "$T/mix.pcap" -o "$T/flip.pcap" 2>/dev/null
# record 1 data starts at 24 + 16; outer IP 20, ESP header 8, IV 16 -> first
# ciphertext byte at 84; flip byte 90
perl -e 'open(F, "+<", $ARGV[0]) or die; binmode F; seek F, 90, 0; read F, $b, 1;
         seek F, 90, 0; print F chr(ord($b) ^ 0x20); close F' "$T/flip.pcap"
add_uat $FLIP_SPI "AES-CBC [RFC3602]" "$K16" "HMAC-SHA-1-96 [RFC2404]" "$KS"
files+=("$T/flip.pcap")
if "$ESP" decap --engine "${engines[0]}" --sa "$sa" -i "$T/flip.pcap" -o "$T/flip-dec.pcap" 2>"$T/flip.err"; then
	fail "espfab-esp decap accepted a flipped byte"
else
	grep -q '^pkt 1: AUTH (ICV check failed)' "$T/flip.err" || fail "decap of flipped packet: $(head -n 1 "$T/flip.err")"
	grep -q 'decap 20 packets: 19 OK, 1 failed' "$T/flip.err" || fail "flip summary: $(tail -n 1 "$T/flip.err")"
fi

# --- one tshark run over the inputs and every ESP file ------------------------
# All files are ours: same 24-byte global header (raw, LE, usec), so they
# concatenate by dropping the header of every file but the first.
{
	cat "$T/mix.pcap"
	tail -c +25 "$T/udp.pcap"
	for f in "${files[@]}"; do tail -c +25 "$f"; done
} >"$T/all.pcap"

FIELDS=(ip.src ip.dst ip.id ip.checksum.status udp.srcport udp.dstport udp.length udp.checksum
	udp.checksum.status tcp.srcport tcp.dstport tcp.checksum tcp.checksum.status icmp.type icmp.seq
	icmp.checksum icmp.checksum.status)
targs=()
for f in "${FIELDS[@]}"; do targs+=(-e "$f"); done
tshark -r "$T/all.pcap" -n -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
	-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE "${uat[@]}" \
	-T fields -E occurrence=l -e esp.spi -e esp.icv_good -e esp.icv_bad "${targs[@]}" \
	>"$T/tshark.txt" 2>"$T/tshark.err" || { cat "$T/tshark.err"; fail "tshark failed"; }

total=$(wc -l <"$T/tshark.txt")
want=$((40 + 20 * ${#files[@]}))
[ "$total" -eq "$want" ] || fail "tshark saw $total packets, expected $want"

# Expected inner view: the inputs' own fields (first 40 lines).
sed -n '1,20p' "$T/tshark.txt" | cut -f4- >"$T/want-mix.txt"
sed -n '21,40p' "$T/tshark.txt" | cut -f4- >"$T/want-udp.txt"
# sanity: the inputs' checksums are all good and not empty
for w in mix udp; do
	[ "$(wc -l <"$T/want-$w.txt")" -eq 20 ] || fail "input $w: tshark lines"
	awk -F'\t' '$1 == "" || $4 != "1" { bad = 1 } END { exit bad }' "$T/want-$w.txt" ||
		fail "input $w: tshark does not see valid IPv4"
done

checked=0
for m in "${manifest[@]}"; do
	IFS='|' read -r spi name mode <<<"$m"
	awk -F'\t' -v s="$spi" '$1 == s' "$T/tshark.txt" >"$T/got.txt"
	n=$(wc -l <"$T/got.txt")
	[ "$n" -eq 20 ] || { fail "$name ($spi): tshark shows $n packets, expected 20"; continue; }
	good=$(awk -F'\t' '$2 == "1" && $3 == "0"' "$T/got.txt" | wc -l)
	[ "$good" -eq 20 ] || { fail "$name ($spi): ICV good on $good of 20 packets"; continue; }
	w=$T/want-mix.txt
	[ "$mode" = udp ] && w=$T/want-udp.txt
	if ! cut -f4- "$T/got.txt" | cmp -s - "$w"; then
		fail "$name ($spi): decrypted inner packets differ from the input"
		cut -f4- "$T/got.txt" | diff "$w" - | head -n 6
		continue
	fi
	checked=$((checked + 1))
done

# The flipped packet: exactly packet 1 bad, the other 19 good.
awk -F'\t' -v s="$FLIP_SPI" '$1 == s { print $2 $3 }' "$T/tshark.txt" >"$T/flip.txt"
[ "$(head -n 1 "$T/flip.txt")" = "01" ] || fail "tshark did not flag the flipped packet's ICV as bad"
[ "$(tail -n +2 "$T/flip.txt" | grep -c '^10$')" -eq 19 ] || fail "flip file: other packets not ICV good"

# --- Ethernet (with the L2 header kept) in its own tshark run ------------------
"$GEN" -o "$T/eth.pcap" -n 20 --proto mix --min 40 --max 1400 --seed 13 --linktype ether
sa=$(sa_string 0x00000e1e udp "cbc(aes)" "$K32" "hmac(md5)" "$KM")
for e in "${engines[@]}"; do
	"$ESP" encap --engine "$e" --quiet --iv-seed 7 --sa "$sa" -i "$T/eth.pcap" -o "$T/eth-$e.pcap" 2>/dev/null ||
		fail "$e ethernet: encap failed"
	"$ESP" decap --engine "$e" --quiet --sa "$sa" -i "$T/eth-$e.pcap" -o "$T/eth-dec.pcap" 2>/dev/null ||
		fail "$e ethernet: decap failed"
	cmp -s "$T/eth-dec.pcap" "$T/eth.pcap" || fail "$e ethernet: decap output differs from the input"
done
tshark -r "$T/eth-${engines[0]}.pcap" -n -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
	-o "uat:esp_sa:\"IPv4\",\"10.1.0.1\",\"10.2.0.1\",\"0x00000e1e\",\"AES-CBC [RFC3602]\",\"0x$K32\",\"HMAC-MD5-96 [RFC2403]\",\"0x$KM\"" \
	-T fields -E occurrence=f -e eth.src -e eth.type -e udp.dstport -e esp.icv_good >"$T/eth.txt" 2>/dev/null ||
	fail "tshark failed on the Ethernet file"
good=$(grep -c $'^02:00:00:00:00:01\t0x0800\t4500\t1$' "$T/eth.txt" || true)
[ "$good" -eq 20 ] || fail "ethernet: $good of 20 frames with L2 kept, UDP 4500 and ICV good"

echo "esp_tshark: engines ${engines[*]}; $checked SAs x 20 packets verified by tshark" \
	"($idx SPIs incl. random IV), round trips and cross-engine cmp; $fails failures"
[ "$fails" -eq 0 ]
