#!/usr/bin/env bash
# demo-roundtrip.sh BIN_DIR — the first thing to run (`make run`).
#
# One ESP round trip through the model engine (the HLS C kernels that are the
# bit-exact model of the FPGA data path):
#   1. espfab-pcapgen writes a few IPv4 packets (UDP, TCP, ICMP);
#   2. espfab-esp encap applies an AES-128-CBC + HMAC-SHA1-96 tunnel-mode SA;
#   3. tshark, if installed, shows the ESP on the wire and decrypts it with
#      the same SA, checking every ICV independently of espfab;
#   4. espfab-esp decap turns the ESP back into the original packets, and
#      cmp checks that they are byte for byte the input.
# Files are kept in BIN_DIR/../demo for a look in Wireshark.  The keys below
# are public demo keys: never use them for real traffic.
#
# Exit status: 0 when the round trip is exact, 1 otherwise, 2 usage.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -x "$1/espfab-esp" ] || [ ! -x "$1/espfab-pcapgen" ]; then
	echo "usage: $0 BIN_DIR   (the directory holding espfab-esp and espfab-pcapgen; make run does this)" >&2
	exit 2
fi
BIN=$(cd "$1" && pwd)
DEMO=$(cd "$BIN/.." && pwd)/demo
mkdir -p "$DEMO" || exit 1
cd "$DEMO" || exit 1
rm -f plain.pcap esp.pcap back.pcap status-encap.txt status-decap.txt

ENGINE=model
COUNT=8
ENC_KEY=000102030405060708090a0b0c0d0e0f
AUTH_KEY=101112131415161718191a1b1c1d1e1f20212223
SA="src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 mode tunnel
    enc \"cbc(aes)\" 0x$ENC_KEY
    auth-trunc \"hmac(sha1)\" 0x$AUTH_KEY 96"

if [ -t 1 ]; then B=$'\e[1m'; G=$'\e[32m'; R=$'\e[31m'; N=$'\e[0m'; else B= G= R= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
run() { printf '   $ %s\n' "$*" | sed "s|$BIN/||g"; }
indent() { sed 's/^/   /'; }
problems=0

printf '%sespfab demo: an IPsec ESP round trip through the "%s" engine%s\n' "$B" "$ENGINE" "$N"
echo "(the $ENGINE engine runs the HLS C kernels that define what the FPGA computes)"
echo "working directory: $DEMO"

step "1. Generate $COUNT test packets"
run "$BIN/espfab-pcapgen -o plain.pcap -n $COUNT --proto mix --min 64 --max 1400 --seed 2024"
"$BIN/espfab-pcapgen" -o plain.pcap -n $COUNT --proto mix --min 64 --max 1400 --seed 2024 || exit 1
if command -v tshark >/dev/null; then
	tshark -r plain.pcap -n -T fields -e frame.number -e ip.src -e ip.dst -e _ws.col.Protocol -e ip.len \
		2>/dev/null | awk -F'\t' '{ printf "   %2d  %-15s -> %-15s %-5s %5d bytes\n", $1, $2, $3, $4, $5 }'
fi

step "2. The SA, in ip xfrm state syntax (public demo keys; never reuse them)"
echo "$SA" | indent

step "3. Encapsulate on the $ENGINE engine (one status line per packet)"
run "$BIN/espfab-esp encap --engine $ENGINE --sa \"\$SA\" -i plain.pcap -o esp.pcap"
"$BIN/espfab-esp" encap --engine $ENGINE --sa "$SA" -i plain.pcap -o esp.pcap 2>&1 | indent
enc_rc=${PIPESTATUS[0]}
[ "$enc_rc" -eq 0 ] || { echo "   ${R}encap failed (exit $enc_rc)${N}"; problems=$((problems + 1)); }

icv_line="tshark not installed: skipped the independent check"
if command -v tshark >/dev/null && [ -s esp.pcap ]; then
	step "4. On the wire: what anyone on the path sees (tshark, no keys)"
	tshark -r esp.pcap -n 2>/dev/null | indent

	step "5. Wireshark's own ESP code, given the same SA: ICV check and decrypted inner packets"
	tshark -r esp.pcap -n -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
		-o "uat:esp_sa:\"IPv4\",\"10.0.0.1\",\"10.0.0.2\",\"0x00001000\",\"AES-CBC [RFC3602]\",\"0x$ENC_KEY\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x$AUTH_KEY\"" \
		-T fields -E occurrence=l -e frame.number -e esp.sequence -e esp.icv_good -e ip.src -e ip.dst \
		-e _ws.col.Protocol 2>/dev/null >tshark.txt
	awk -F'\t' '{ printf "   %2d  seq %-3s ICV %-4s inner %-15s -> %-15s %s\n", $1, $2,
		($3 == "1" ? "good" : "BAD"), $4, $5, $6 }' tshark.txt
	good=$(awk -F'\t' '$3 == "1"' tshark.txt | wc -l)
	icv_line="tshark verified the ICV of $good of $COUNT packets"
	[ "$good" -eq "$COUNT" ] || problems=$((problems + 1))
	rm -f tshark.txt
fi

step "6. Decapsulate on the $ENGINE engine and compare with the original"
run "$BIN/espfab-esp decap --engine $ENGINE --sa \"\$SA\" -i esp.pcap -o back.pcap"
"$BIN/espfab-esp" decap --engine $ENGINE --sa "$SA" -i esp.pcap -o back.pcap 2>&1 | indent
dec_rc=${PIPESTATUS[0]}
[ "$dec_rc" -eq 0 ] || { echo "   ${R}decap failed (exit $dec_rc)${N}"; problems=$((problems + 1)); }
run "cmp plain.pcap back.pcap"
if cmp -s plain.pcap back.pcap; then
	same="back.pcap is byte for byte plain.pcap"
	echo "   ${G}identical${N}"
else
	same="back.pcap DIFFERS from plain.pcap"
	echo "   ${R}differ${N}"
	problems=$((problems + 1))
fi

step "Summary"
sizes() { stat -c %s "$1" 2>/dev/null || echo 0; }
cat <<EOF
   packets          $COUNT IPv4 packets ($(sizes plain.pcap) bytes of pcap)
   transform        ESP tunnel 10.0.0.1 -> 10.0.0.2, SPI 0x1000, AES-128-CBC + HMAC-SHA1-96
   engine           $ENGINE (HLS C kernels)
   encrypted        esp.pcap ($(sizes esp.pcap) bytes: outer IPv4 + ESP header + IV + padding + ICV)
   independent      $icv_line
   round trip       $same
   files            $DEMO/{plain,esp,back}.pcap
   try next         the same with --engine sw (OpenSSL); bad input: see tests/e2e/esp_cli_errors.sh
EOF
if [ "$problems" -eq 0 ]; then
	printf '\n%sdemo OK%s\n' "$G" "$N"
	exit 0
fi
printf '\n%sdemo FAILED: %d problem(s) above%s\n' "$R" "$problems" "$N"
exit 1
