#!/usr/bin/env bash
# synth.sh BUILD [TOP...] — Yosys synth_xilinx resource estimate per RTL core.
#
# For each top (default: every rtl/**/*.v module that has a PIPELINED
# parameter and is not instantiated by another file), synthesize the
# iterative and the pipelined build for UltraScale+ (-family xcup) and
# record LUTs, flip-flops, BRAMs, DSPs and the longest combinational path in
# 6-input LUT levels (yosys `ltp -noff` after a generic `abc -lut 6`
# mapping).  Writes BUILD/synth/TOP-pN.log, BUILD/synth/synth.json and prints a
# table.  This is an estimate: timing is not closed without Vivado.
set -euo pipefail
build=$1; shift
out=$build/synth
mkdir -p "$out"
files=$(find rtl -name '*.v' | sort | tr '\n' ' ')
tops=("$@")
if [ ${#tops[@]} -eq 0 ]; then
	for f in $files; do
		m=$(basename "$f" .v)
		grep -q 'parameter *PIPELINED' "$f" || continue
		# skip modules instantiated elsewhere (they are synthesized inside their parent)
		grep -lE "^\s*$m\b" $files | grep -qv "^$f$" && continue
		tops+=("$m")
	done
fi
json="$out/synth.json"
echo "[" > "$json"
first=1
printf '%-22s %-10s %9s %9s %6s %5s %10s\n' module build LUT FF BRAM DSP depth
for top in "${tops[@]}"; do
	for p in 0 1; do
		log="$out/$top-p$p.log"
		incs=$(find rtl -name '*.v' -printf '-I%h ' | tr ' ' '\n' | sort -u | tr '\n' ' ')
		yosys -q -l "$log" -p "read_verilog $incs -I$build/gen $files; chparam -set PIPELINED $p $top; synth_xilinx -top $top -family xcup -flatten; stat" > /dev/null 2> "$log.stderr"
		# Logic depth: generic 6-LUT mapping, where ltp -noff can tell
		# flip-flops from logic (it cannot see through Xilinx FD* cells).
		yosys -q -l "$log.depth" -p "read_verilog $incs -I$build/gen $files; chparam -set PIPELINED $p $top; synth -flatten -top $top; abc -lut 6; opt_clean; ltp -noff" > /dev/null 2>> "$log.stderr"
		cells() { grep -E "^\s+$1\s+[0-9]+" "$log" | awk '{s+=$2} END {print s+0}'; }
		lut=$(grep -E '^\s+LUT[1-6]\s+[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
		ff=$(grep -E '^\s+FD[A-Z]*\s+[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
		bram=$(grep -E '^\s+RAMB(18|36)E2\s+[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
		dsp=$(cells DSP48E2)
		depth=$(grep -oE 'Longest topological path in .* \(length=[0-9]+\)' "$log.depth" | tail -n 1 | grep -oE '[0-9]+\)$' | tr -d ')')
		build_name=$([ $p = 1 ] && echo pipelined || echo iterative)
		printf '%-22s %-10s %9s %9s %6s %5s %10s\n' "$top" "$build_name" "$lut" "$ff" "$bram" "$dsp" "${depth:-?}"
		[ $first = 1 ] || echo "," >> "$json"; first=0
		printf '  {"module":"%s","config":"%s","lut":%s,"ff":%s,"bram":%s,"dsp":%s,"lut_levels":%s}' \
			"$top" "$build_name" "$lut" "$ff" "$bram" "$dsp" "${depth:-null}" >> "$json"
	done
done
printf '\n]\n' >> "$json"
echo "written: $json (yosys $(yosys -V | awk '{print $2}'), synth_xilinx -family xcup; timing not closed)"
