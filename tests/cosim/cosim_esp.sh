#!/usr/bin/env bash
# cosim_esp.sh — espfab-esp --engine sim (driver -> DMA -> Verilated RTL in
# espfab-simd -> DMA -> driver) gives the same bytes as --engine sw and
# --engine model on pcaps.
#
# For four transforms (AES-128/SHA1 tunnel, 3DES/MD5 transport, AES-256/SHA1
# tunnel + ESP-in-UDP, DES/MD5 tunnel), each on its own pcap of mixed
# UDP/TCP/ICMP packets (28..1400 bytes):
#   * encap with --iv-seed 7 on sw, model and sim: the three pcaps are
#     byte-identical (cmp);
#   * decap of sim's ESP on sim gives the input back byte for byte, and the
#     same bytes as decap on sw;
# each run with different ring and moderation settings (ESPFAB_SIM:
# ring_log2 3..10, interrupt per completion / count / timer / polling),
# so wrap-around and back-pressure happen in every run.  Then one run on
# espfab-simd --device model (the platform's C-model mode), if it opens.
#
# Needs $BIN (absolute bin dir with espfab-esp, espfab-pcapgen and
# espfab-simd-iterative).  Pass = exit 0.  Keys here are test keys.
set -euo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
ESP=$BIN/espfab-esp
GEN=$BIN/espfab-pcapgen
N=${COSIM_N:-300}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

K16=00112233445566778899aabbccddeeff
K24=${K16}f0e1d2c3b4a59687
K32=${K16}8899aabbccddeeff0011223344556677
KD=0123456789abcdef
KM=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf
KS=b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3
# name | SA (ip xfrm state syntax) | ESPFAB_SIM driver settings
cases=(
	"aes128-sha1-tunnel|src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 mode tunnel enc cbc(aes) 0x$K16 auth-trunc hmac(sha1) 0x$KS 96|ring_log2=3"
	"3des-md5-transport|src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1002 mode transport enc cbc(des3_ede) 0x$K24 auth-trunc hmac(md5) 0x$KM 96|ring_log2=5,irq_count=8,irq_timer=2000"
	"aes256-sha1-udp|src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1003 mode tunnel enc cbc(aes) 0x$K32 auth-trunc hmac(sha1) 0x$KS 96 encap espinudp 4500 4500 0.0.0.0|ring_log2=10,irq=0"
	"des-md5-tunnel|src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1004 mode tunnel enc cbc(des) 0x$KD auth-trunc hmac(md5) 0x$KM 96|ring_log2=4,irq_timer=500"
)

seed=20
for c in "${cases[@]}"; do
	IFS='|' read -r name sa drv <<<"$c"
	seed=$((seed + 1))
	proto=mix
	case $name in *udp*) proto=udp ;; esac
	"$GEN" -o "$T/$name.pcap" -n "$N" --proto "$proto" --min 28 --max 1400 --seed "$seed" >/dev/null
	for e in sw model sim; do
		if ! ESPFAB_SIM="device=rtl,$drv" "$ESP" encap --engine "$e" --quiet --iv-seed 7 --sa "$sa" \
			-i "$T/$name.pcap" -o "$T/$name-$e.esp.pcap" 2>"$T/$name-$e.err"; then
			fail "$name: encap on $e: $(cat "$T/$name-$e.err")"
		fi
	done
	cmp -s "$T/$name-sw.esp.pcap" "$T/$name-sim.esp.pcap" || fail "$name: sim encap differs from sw"
	cmp -s "$T/$name-model.esp.pcap" "$T/$name-sim.esp.pcap" || fail "$name: sim encap differs from model"
	ESPFAB_SIM="device=rtl,$drv" "$ESP" decap --engine sim --quiet --sa "$sa" \
		-i "$T/$name-sim.esp.pcap" -o "$T/$name-sim.back.pcap" 2>"$T/$name-dec.err" ||
		fail "$name: decap on sim: $(cat "$T/$name-dec.err")"
	"$ESP" decap --engine sw --quiet --sa "$sa" -i "$T/$name-sim.esp.pcap" -o "$T/$name-sw.back.pcap" 2>/dev/null ||
		fail "$name: decap on sw"
	cmp -s "$T/$name.pcap" "$T/$name-sim.back.pcap" || fail "$name: sim decap does not give the input back"
	cmp -s "$T/$name-sw.back.pcap" "$T/$name-sim.back.pcap" || fail "$name: sim decap differs from sw"
	echo "$name ($drv): $N packets encap + decap on sim (RTL) identical to sw and model"
done

# The platform's C-model mode (espfab-simd --device model), when it has one.
name=aes128-sha1-tunnel
IFS='|' read -r _ sa _ <<<"${cases[0]}"
if ESPFAB_SIM=device=model "$ESP" encap --engine sim --quiet --iv-seed 7 --sa "$sa" \
	-i "$T/$name.pcap" -o "$T/$name-simmodel.esp.pcap" 2>"$T/simmodel.err"; then
	cmp -s "$T/$name-sw.esp.pcap" "$T/$name-simmodel.esp.pcap" || fail "device=model encap differs from sw"
	echo "$name: $N packets on espfab-simd --device model identical to sw"
else
	fail "espfab-simd --device model: $(cat "$T/simmodel.err")"
fi

# An engine parameter error is reported, not ignored.
if ESPFAB_SIM=device=fpga "$ESP" encap --engine sim --quiet --sa "$sa" -i "$T/$name.pcap" -o "$T/x.pcap" 2>"$T/bad.err"; then
	fail "ESPFAB_SIM=device=fpga accepted"
else
	grep -q 'device=fpga' "$T/bad.err" || fail "ESPFAB_SIM=device=fpga: unclear error: $(cat "$T/bad.err")"
fi

if [ "$fails" -ne 0 ]; then
	echo "cosim_esp: $fails failures"
	exit 1
fi
echo "cosim_esp: 4 transforms x $N packets: sim (RTL) = sw = model, decap round trips exact"
