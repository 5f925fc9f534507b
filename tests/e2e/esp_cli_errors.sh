#!/usr/bin/env bash
# esp_cli_errors.sh — espfab-esp and espfab-pcapgen on bad input: each case
# gives the documented exit status (1 file/packet failure, 2 usage/SA error),
# exactly the expected number of stderr lines (one for fatal errors), a
# message naming the problem, no crash (status < 128, no sanitizer report),
# no key material on stderr, and no output file left behind by a fatal error
# (a run that reaches its summary line writes the packets that succeeded).
# Also the per-packet outcomes that are not fatal: oversized, capture-
# truncated and malformed packets fail alone; non-IPv4 frames pass through.
#
# Needs $BIN (absolute bin dir).  Pass = exit 0.
set -uo pipefail

: "${BIN:?set BIN to the espfab bin directory}"
ESP=$BIN/espfab-esp
GEN=$BIN/espfab-pcapgen
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
ncase=0

K16=00112233445566778899aabbccddeeff
K20=0102030405060708090a0b0c0d0e0f1011121314
SA="src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 mode tunnel enc cbc(aes) 0x$K16 auth-trunc hmac(sha1) 0x$K20 96"

# check NAME EXPECT_RC LINES PATTERN -- command...
#   PATTERN: fixed string that must appear on stderr
check() {
	local name=$1 want_rc=$2 want_lines=$3 pat=$4
	shift 5
	ncase=$((ncase + 1))
	rm -f out.pcap
	"$@" >stdout.txt 2>stderr.txt
	local rc=$? lines
	lines=$(wc -l <stderr.txt)
	local why=""
	[ $rc -eq "$want_rc" ] || why="exit $rc, expected $want_rc"
	[ $rc -lt 128 ] || why="killed by signal $((rc - 128))"
	[ "$lines" -eq "$want_lines" ] || why="${why:+$why; }$lines stderr lines, expected $want_lines"
	grep -qF -- "$pat" stderr.txt || why="${why:+$why; }message lacks '$pat'"
	grep -q 'Sanitizer\|runtime error' stderr.txt && why="${why:+$why; }sanitizer report"
	grep -qi "$K16\|$K20\|8899aabb" stderr.txt && why="${why:+$why; }key material on stderr"
	# fatal errors (no summary line) leave no output; runs that got as far
	# as the summary wrote one
	if grep -q ' packets\?: .* OK, .* failed' stderr.txt; then
		[ -e out.pcap ] || [ "$1" != "$ESP" ] || why="${why:+$why; }no output file"
	elif [ "$want_rc" -ne 0 ] && [ -e out.pcap ]; then
		why="${why:+$why; }left an output file behind"
	fi
	if [ -n "$why" ]; then
		echo "FAIL case $ncase ($name): $why"
		sed 's/^/    stderr: /' stderr.txt | head -n 5
		fails=$((fails + 1))
	else
		echo "ok   case $ncase ($name): $(head -n 1 stderr.txt)"
	fi
}

# A tiny independent pcap writer: mkpcap LINKTYPE SPEC... > file, where SPEC
# is IPLEN (a complete IPv4/UDP packet of that total length) or
# IPLEN/CAPLEN (captured only CAPLEN bytes), vIPLEN (Ethernet only: with an
# 802.1Q tag, VLAN 100) or arp (a 42-byte ARP frame, Ethernet only).
mkpcap() {
	perl -e '
		my $lt = shift;
		print pack("VvvVVVV", 0xa1b2c3d4, 2, 4, 0, 0, 65535, $lt);
		my $i = 0;
		for my $spec (@ARGV) {
			my $frame;
			my $vlan = $spec =~ s/^v//;
			my ($len, $cap) = split m{/}, $spec;
			if ($spec eq "arp") {
				$frame = pack("H12H12n", "ffffffffffff", "020000000001", 0x0806) . ("\x01" x 28);
			} else {
				my $ip = pack("CCnnnCCnNN", 0x45, 0, $len, ++$i, 0, 64, 17, 0, 0x0a000001, 0x0a000002);
				my $s = 0; $s += $_ for unpack("n10", $ip);
				$s = ($s & 0xffff) + ($s >> 16) while $s >> 16;
				substr($ip, 10, 2) = pack("n", ~$s & 0xffff);
				$frame = $ip . pack("nnnn", 1234, 5678, $len - 20, 0) . (chr(65 + $i) x ($len - 28));
				$frame = pack("n2", 0x8100, 100) . pack("n", 0x0800) . $frame if $vlan;
				$frame = pack("n", 0x0800) . $frame if $lt == 1 && !$vlan;
				$frame = pack("H12H12", "020000000002", "020000000001") . $frame if $lt == 1;
			}
			my $orig = length $frame;
			$frame = substr($frame, 0, $cap + ($lt == 1 ? 14 : 0)) if defined $cap;
			print pack("VVVV", 1700000000, $i, length $frame, $orig), $frame;
		}' "$@"
}

"$GEN" -o good.pcap -n 5 --sizes 100,200,300,400,500 || { echo "FAIL: pcapgen"; exit 1; }
size=$(stat -c %s good.pcap)   # 24 + 5 * 16 + 1500 = 1604

# --- damaged files: exit 1, one line naming packet and offset -----------------
head -c 0 good.pcap >cut0.pcap
check "empty file" 1 1 "cut0.pcap: byte offset 0: empty file" -- "$ESP" encap --sa "$SA" -i cut0.pcap -o out.pcap
head -c 10 good.pcap >cut10.pcap
check "cut in global header" 1 1 "byte offset 0: global header truncated (10 of 24 bytes)" -- \
	"$ESP" encap --sa "$SA" -i cut10.pcap -o out.pcap
head -c 30 good.pcap >cut30.pcap
check "cut in record header 1" 1 1 "packet 1 at byte offset 24: record header truncated (6 of 16 bytes)" -- \
	"$ESP" encap --sa "$SA" -i cut30.pcap -o out.pcap
head -c 200 good.pcap >cut200.pcap
check "cut in packet 2 data" 1 1 "packet 2 at byte offset 140: record data truncated (44 of 200 bytes)" -- \
	"$ESP" encap --sa "$SA" -i cut200.pcap -o out.pcap
head -c $((size - 1)) good.pcap >cutlast.pcap
check "cut one byte short" 1 1 "packet 5 at byte offset 1088: record data truncated (499 of 500 bytes)" -- \
	"$ESP" encap --sa "$SA" -i cutlast.pcap -o out.pcap
# through a pipe (not seekable): detected while processing, still one line
# with --quiet and no summary
check "cut, read from a pipe" 1 1 "packet 2 at byte offset 140: record data truncated" -- \
	bash -c "cat cut200.pcap | '$ESP' encap --quiet --sa '$SA' -i /dev/stdin -o out.pcap"
{ head -c 24 good.pcap; perl -e 'print pack("VVVV", 0, 0, 300000, 300000)'; } >huge.pcap
check "incl_len above 262144" 1 1 "packet 1 at byte offset 24: incl_len 300000 exceeds the 262144-byte bound" -- \
	"$ESP" encap --sa "$SA" -i huge.pcap -o out.pcap
printf '\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a\x01\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x1c\x00\x00\x00' >ng.pcapng
check "pcapng" 1 1 "pcapng not supported; convert with editcap -F pcap" -- \
	"$ESP" encap --sa "$SA" -i ng.pcapng -o out.pcap
perl -e 'print pack("VvvVVVV", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105)' >wifi.pcap
check "unsupported linktype" 1 1 "linktype 105 not supported" -- "$ESP" encap --sa "$SA" -i wifi.pcap -o out.pcap
echo "hello, world, this is text" >text.pcap
check "not a pcap" 1 1 "not a pcap file" -- "$ESP" encap --sa "$SA" -i text.pcap -o out.pcap

# --- files that cannot be opened ----------------------------------------------
check "nonexistent input" 1 1 "nosuch.pcap: No such file or directory" -- \
	"$ESP" encap --sa "$SA" -i nosuch.pcap -o out.pcap
check "output in a missing directory" 1 1 "nodir/out.pcap: No such file or directory" -- \
	"$ESP" encap --sa "$SA" -i good.pcap -o nodir/out.pcap
mkdir -p adir
check "output is a directory" 1 1 "adir: Is a directory" -- "$ESP" encap --sa "$SA" -i good.pcap -o adir
cp good.pcap same.pcap
check "output is the input" 2 1 "-o: same.pcap is the input file" -- "$ESP" encap --sa "$SA" -i same.pcap -o same.pcap
cmp -s same.pcap good.pcap || { echo "FAIL: input damaged by -o = -i"; fails=$((fails + 1)); }
check "status file unwritable" 1 1 "--status nodir/s.txt: No such file or directory" -- \
	"$ESP" encap --sa "$SA" -i good.pcap -o out.pcap --status nodir/s.txt

# --- usage and SA errors: exit 2, one line -------------------------------------
check "missing -i" 2 1 "espfab-esp: -i: missing input pcap" -- "$ESP" encap --sa "$SA" -o out.pcap
check "missing -o" 2 1 "espfab-esp: -o: missing output pcap" -- "$ESP" encap --sa "$SA" -i good.pcap
check "missing --sa" 2 1 "espfab-esp: --sa: missing" -- "$ESP" encap -i good.pcap -o out.pcap
check "missing verb" 2 1 "missing verb encap or decap" -- "$ESP" --sa "$SA" -i good.pcap -o out.pcap
check "unknown verb" 2 1 "encrypt: unknown verb" -- "$ESP" encrypt --sa "$SA" -i good.pcap -o out.pcap
check "unknown option" 2 1 "--fast: unknown option" -- "$ESP" encap --fast --sa "$SA" -i good.pcap -o out.pcap
check "option without value" 2 1 "--engine: missing value" -- "$ESP" encap --sa "$SA" -i good.pcap -o out.pcap --engine
check "unknown engine" 2 1 "--engine: fpga9: unknown engine (this build has: sw" -- \
	"$ESP" encap --engine fpga9 --sa "$SA" -i good.pcap -o out.pcap
check "bad --iv-seed" 2 1 "--iv-seed: seven: expected a number" -- \
	"$ESP" encap --iv-seed seven --sa "$SA" -i good.pcap -o out.pcap
check "wrong AES key length" 2 1 "espfab-esp: --sa: cbc(aes) key: 20 bytes; cbc(aes) takes 16, 24 or 32 bytes" -- \
	"$ESP" encap --sa "${SA/0x$K16/0x$K20}" -i good.pcap -o out.pcap
check "wrong SHA1 key length" 2 1 "espfab-esp: --sa: hmac(sha1) key: 16 bytes; hmac(sha1) takes 20 bytes" -- \
	"$ESP" encap --sa "${SA/0x$K20/0x$K16}" -i good.pcap -o out.pcap
check "wrong DES key length" 2 1 "espfab-esp: --sa: cbc(des) key: 16 bytes; cbc(des) takes 8 bytes" -- \
	"$ESP" encap --sa "${SA/cbc(aes)/cbc(des)}" -i good.pcap -o out.pcap
check "unknown cipher" 2 1 "espfab-esp: --sa: cbc(twofish): unknown enc algorithm" -- \
	"$ESP" encap --sa "${SA/cbc(aes)/cbc(twofish)}" -i good.pcap -o out.pcap
check "unknown auth" 2 1 "espfab-esp: --sa: hmac(sha512): unknown auth-trunc algorithm" -- \
	"$ESP" encap --sa "${SA/hmac(sha1)/hmac(sha512)}" -i good.pcap -o out.pcap
check "odd hex" 2 1 "espfab-esp: --sa: cbc(aes) key: odd number of hex digits (31)" -- \
	"$ESP" encap --sa "${SA/0x$K16/0x${K16:1}}" -i good.pcap -o out.pcap
check "proto ah" 2 1 "espfab-esp: --sa: ah: unsupported proto (expected esp)" -- \
	"$ESP" encap --sa "${SA/proto esp/proto ah}" -i good.pcap -o out.pcap
check "unknown token" 2 1 "espfab-esp: --sa: sel: unknown token" -- \
	"$ESP" encap --sa "$SA sel src 0.0.0.0/0" -i good.pcap -o out.pcap
check "truncation 128" 2 1 "espfab-esp: --sa: 128: unsupported truncation length (expected 96)" -- \
	"$ESP" encap --sa "${SA/% 96/ 128}" -i good.pcap -o out.pcap
check "missing spi value" 2 1 "espfab-esp: --sa: spi: missing value" -- \
	"$ESP" encap --sa "src 10.0.0.1 dst 10.0.0.2 enc cbc(aes) 0x$K16 auth hmac(sha1) 0x$K20 spi" -i good.pcap -o out.pcap

# --- per-packet failures: not fatal, exit 1 ------------------------------------
mkpcap 101 100 3000 200 >big.pcap
check "oversized packet, --quiet" 1 1 "encap 3 packets: 2 OK, 1 failed (engine sw)" -- \
	"$ESP" encap --quiet --sa "$SA" -i big.pcap -o out.pcap
check "oversized packet, status lines" 1 4 "pkt 2: TOO_BIG (IPv4 packet of 3000 bytes exceeds ESPFAB_MAX_FRAME 2048)" -- \
	"$ESP" encap --sa "$SA" -i big.pcap -o out.pcap
n=$(tshark -r out.pcap 2>/dev/null | wc -l)
[ "$n" -eq 2 ] || { echo "FAIL: oversized: output has $n packets, expected the 2 good ones"; fails=$((fails + 1)); }
mkpcap 101 3000 3000 >allbig.pcap
check "only oversized packets" 1 1 "encap 2 packets: 0 OK, 2 failed" -- \
	"$ESP" encap --quiet --sa "$SA" -i allbig.pcap -o out.pcap
mkpcap 101 2040 >near.pcap
check "result above MAX_FRAME (engine TOO_BIG)" 1 2 "pkt 1: TOO_BIG (result would exceed the output buffer or MAX_FRAME)" -- \
	"$ESP" encap --sa "$SA" -i near.pcap -o out.pcap
mkpcap 101 100 500/60 >trunc.pcap
check "capture-truncated packet" 1 3 "pkt 2: TRUNCATED (captured 60 of 500 bytes; not processed)" -- \
	"$ESP" encap --sa "$SA" -i trunc.pcap -o out.pcap
check "plain packets given to decap, --status" 1 1 "decap 5 packets: 0 OK, 5 failed (engine sw)" -- \
	"$ESP" decap --sa "$SA" -i good.pcap -o out.pcap --status st.txt
ncase=$((ncase + 1))
if [ "$(grep -c '^pkt [1-5]: PROTO (not the expected protocol' st.txt)" -ne 5 ]; then
	echo "FAIL case $ncase: status file: $(head -n 1 st.txt)"; fails=$((fails + 1))
fi
check "--quiet with --status still fills the file" 1 1 "decap 5 packets" -- \
	"$ESP" decap --quiet --sa "$SA" -i good.pcap -o out.pcap --status st2.txt
ncase=$((ncase + 1))
cmp -s st.txt st2.txt || { echo "FAIL case $ncase: --quiet --status file differs"; fails=$((fails + 1)); }

# --- non-IPv4 frames pass through unchanged -----------------------------------
mkpcap 1 arp 100 arp >eth.pcap
check "ARP frames skipped" 0 4 "encap 3 packets: 1 OK, 0 failed, 2 skipped (engine sw)" -- \
	"$ESP" encap --sa "$SA" -i eth.pcap -o out.pcap
grep -q '^pkt 1: skipped (not IPv4: ethertype 0x0806)' stderr.txt ||
	{ echo "FAIL: ARP skip line: $(head -n 1 stderr.txt)"; fails=$((fails + 1)); }
"$ESP" decap --quiet --sa "$SA" -i out.pcap -o back.pcap 2>/dev/null && cmp -s back.pcap eth.pcap ||
	{ echo "FAIL: Ethernet with ARP: decap does not give the input back"; fails=$((fails + 1)); }

# --- other linktypes: 802.1Q-tagged Ethernet and LINKTYPE_IPV4 (228) ---------
mkpcap 1 v100 200 v300 >vlan.pcap
check "802.1Q frames" 0 4 "encap 3 packets: 3 OK, 0 failed (engine sw)" -- \
	"$ESP" encap --sa "$SA" -i vlan.pcap -o out.pcap
ncase=$((ncase + 1))
"$ESP" decap --quiet --sa "$SA" -i out.pcap -o back.pcap 2>/dev/null && cmp -s back.pcap vlan.pcap ||
	{ echo "FAIL case $ncase: 802.1Q round trip"; fails=$((fails + 1)); }
tags=$(tshark -r out.pcap -T fields -e vlan.id -e esp.spi 2>/dev/null | grep -c $'^100\t0x00001000$')
[ "$tags" -eq 2 ] || { echo "FAIL case $ncase: 802.1Q tag not kept on ESP output ($tags)"; fails=$((fails + 1)); }
mkpcap 228 100 1500 >v4.pcap
check "linktype ipv4 (228)" 0 3 "encap 2 packets: 2 OK" -- "$ESP" encap --sa "$SA" -i v4.pcap -o out.pcap
ncase=$((ncase + 1))
"$ESP" decap --quiet --sa "$SA" -i out.pcap -o back.pcap 2>/dev/null && cmp -s back.pcap v4.pcap ||
	{ echo "FAIL case $ncase: linktype 228 round trip"; fails=$((fails + 1)); }
cmp -s -n 24 out.pcap v4.pcap || { echo "FAIL case $ncase: global header not kept"; fails=$((fails + 1)); }

# --- espfab-pcapgen usage errors -----------------------------------------------
check "pcapgen size below 28" 2 1 "--sizes: 20: expected a size 28..65535" -- "$GEN" -o out.pcap --sizes 64,20
check "pcapgen tcp too small" 2 1 "tcp needs sizes of at least 40" -- "$GEN" -o out.pcap --proto tcp --min 28 --max 50
check "pcapgen bad prefix" 2 1 "--src: 10.0.0.0/33: expected A.B.C.D/NN" -- "$GEN" -o out.pcap --src 10.0.0.0/33
check "pcapgen sizes and min" 2 1 "use either --sizes or --min/--max" -- "$GEN" -o out.pcap --sizes 64 --min 30
check "pcapgen missing -o" 2 1 "-o: missing output pcap" -- "$GEN" -n 3
check "pcapgen unwritable" 1 1 "nodir/x.pcap: No such file or directory" -- "$GEN" -o nodir/x.pcap

[ -z "$(find . -name 'core*' -print -quit)" ] || { echo "FAIL: core file"; fails=$((fails + 1)); }
echo "esp_cli_errors: $ncase cases, $fails failures"
[ "$fails" -eq 0 ]
