#!/usr/bin/env bash
# synth.sh BUILD [TOP...] — Yosys synth_xilinx resource estimates (no timing).
#
# Synthesizes each top in two builds (docs/rtl-esp-engine.md, "Parameters"):
#   iterative  Zynq-7000 profile: -family xc7,  PIPELINED=0 SA_SLOTS=64   N_CTX=4  CIPHER_LANES=1
#   pipelined  Alveo profile:     -family xcup, PIPELINED=1 SA_SLOTS=1024 N_CTX=64 CIPHER_LANES=2 STREAM_BYTES=32
#              (the parameters of `make bench-rtl`, docs/rtl-bench.md)
# A top gets only the parameters it declares.  Default tops: the crypto
# cores (aes_core, des_core, sha1_core, md5_core), the CSR block (esp_csr)
# and the DMA (esp_dma) alone, the fabric without DMA (esp_fabric: CSR block
# + ESP engine, stream ports) and with it (espfab_dma_top: CSR block + DMA +
# ESP engine, what a board instantiates).
#
# Per run: synth_xilinx -flatten -noiopad (out of context: no I/O buffers),
# then the kept hierarchy (AES S-boxes) is flattened too, and `stat` counts
# LUTs (LUT1..6), inverters (INV cells Yosys leaves, often between two
# flip-flops; Vivado makes each a LUT1 unless it can fold it into a
# neighbour, so the LUT need is between LUT and LUT + INV), LUTs used as distributed
# RAM or shift registers (in LUT equivalents), flip-flops, block RAM (in
# RAMB36 equivalents: RAMB18 counts one half), UltraRAM, DSPs, and `ltp`
# the longest path of LUT, MUXF and CARRY cells between flip-flops, RAMs
# and ports ("levels": a logic-depth hint, not a timing figure).
#
# Writes BUILD/synth/TOP-BUILD.log (yosys log), .stat, .row (the figures),
# and after every run
# BUILD/synth/synth.md (table) and BUILD/synth/synth.json (one object per
# .row present, so re-running a subset of tops or builds updates only those
# rows).  These are pre-place-and-route estimates from Yosys; no timing is
# closed here (no Vivado).
#
# Environment: CONFIGS (default "iterative pipelined"), ITERATIVE_PARAMS /
# PIPELINED_PARAMS (NAME=VALUE lists), ITERATIVE_FAMILY / PIPELINED_FAMILY,
# SYNTH_TIMEOUT (seconds per run; 0 = none; a run that times out is
# recorded with null figures), ITERATIVE_KEEP / PIPELINED_KEEP (below).
#
# Units: flattening the whole pipelined fabric makes Yosys need more than
# 15 GB (it ran out of memory after 28 minutes here), so in the pipelined
# build the modules named in PIPELINED_KEEP (default: every esp_* module
# and the four crypto cores) are synthesized as units: each is flat inside,
# each distinct parameterization is synthesized once (the two cipher lanes
# share their cores), and nothing is optimized across a unit's ports.  The
# table's "units" column says which runs did that; set PIPELINED_KEEP= to
# flatten everything.
set -euo pipefail
build=${1:?usage: synth.sh BUILD [TOP...]}
shift
out=$build/synth
[ -f "$build/gen/espfab_contract.vh" ] || { echo "synth: no $build/gen/espfab_contract.vh (make BUILD=$build gen)" >&2; exit 2; }
mkdir -p "$out"
CONFIGS=${CONFIGS:-iterative pipelined}
ITERATIVE_PARAMS=${ITERATIVE_PARAMS:-PIPELINED=0 SA_SLOTS=64 N_CTX=4 CIPHER_LANES=1}
PIPELINED_PARAMS=${PIPELINED_PARAMS:-PIPELINED=1 SA_SLOTS=1024 N_CTX=64 CIPHER_LANES=2 STREAM_BYTES=32}
ITERATIVE_FAMILY=${ITERATIVE_FAMILY:-xc7}
PIPELINED_FAMILY=${PIPELINED_FAMILY:-xcup}
SYNTH_TIMEOUT=${SYNTH_TIMEOUT:-0}
ITERATIVE_KEEP=${ITERATIVE_KEEP-}
PIPELINED_KEEP=${PIPELINED_KEEP-esp_* aes_core des_core sha1_core md5_core}
tops=("$@")
[ ${#tops[@]} -gt 0 ] || tops=(aes_core des_core sha1_core md5_core esp_csr esp_dma esp_fabric espfab_dma_top)

files=$(find rtl -name '*.v' | sort | tr '\n' ' ')
incs=$(find rtl -name '*.v' -printf '-I%h\n' | sort -u | tr '\n' ' ')
yver=$(yosys -V | awk '{print $2}')
rows="$out/synth.rows"

# LUT equivalents of distributed-RAM and shift-register cells (7-series and UltraScale+)
lutram_awk='
BEGIN { w["RAM32X1S"]=1; w["RAM64X1S"]=1; w["RAM128X1S"]=2; w["RAM256X1S"]=4; w["RAM512X1S"]=8;
        w["RAM32X1D"]=2; w["RAM64X1D"]=2; w["RAM128X1D"]=4; w["RAM256X1D"]=8;
        w["RAM32M"]=4; w["RAM64M"]=4; w["RAM32M16"]=8; w["RAM64M8"]=8;
        w["SRL16E"]=1; w["SRLC16E"]=1; w["SRLC32E"]=1 }
$1 in w && $2 ~ /^[0-9]+$/ { s += w[$1] * $2 }
END { print s + 0 }'

emit() {
	# synth.md and synth.json from every run's row so far (BUILD/synth/TOP-BUILD.row,
	# kept across invocations, so a subset can be re-run): builds in the order
	# iterative, pipelined; tops in the default order, others after them
	: > "$rows"
	for c in iterative pipelined; do
		for t in aes_core des_core sha1_core md5_core esp_csr esp_dma esp_fabric espfab_dma_top; do
			if [ -f "$out/$t-$c.row" ]; then cat "$out/$t-$c.row" >> "$rows"; fi
		done
		for f in "$out"/*-"$c".row; do
			[ -f "$f" ] || continue
			case " aes_core des_core sha1_core md5_core esp_csr esp_dma esp_fabric espfab_dma_top " in
			*" $(basename "$f" "-$c.row") "*) ;;
			*) cat "$f" >> "$rows" ;;
			esac
		done
	done
	{
		echo "Yosys $yver \`synth_xilinx -flatten -noiopad\`, $(date -u +%Y-%m-%d). Pre-place-and-route estimates; no timing closed."
		echo
		echo "| module | build | family | parameters | units | LUT | INV | LUTRAM/SRL (LUTs) | FF | BRAM (36k) | URAM | DSP | levels | yosys s |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
		awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1,$2,$3,($4==""?"-":$4),$16,$5,$15,$6,$7,$8,$9,$10,$11,$12 }' "$rows"
	} > "$out/synth.md"
	{
		echo "["
		awk -F'\t' -v yv="$yver" '
			function num(x) { return (x == "?" || x == "") ? "null" : x }
			{ printf "%s  {\"module\":\"%s\",\"config\":\"%s\",\"family\":\"%s\",\"params\":\"%s\",\"units\":\"%s\",\"lut\":%s,\"inv\":%s,\"lutram_luts\":%s,\"ff\":%s,\"bram36\":%s,\"ramb36\":%s,\"ramb18\":%s,\"uram\":%s,\"dsp\":%s,\"levels\":%s,\"seconds\":%s,\"yosys\":\"%s\"}",
				(NR > 1 ? ",\n" : ""), $1,$2,$3,$4,$16,num($5),num($15),num($6),num($7),num($8),num($13),num($14),num($9),num($10),num($11),num($12),yv }
			END { if (NR) printf "\n" }' "$rows"
		echo "]"
	} > "$out/synth.json"
}

printf '%-12s %-10s %-5s %9s %7s %9s %9s %7s %5s %5s %7s %8s\n' module build fam LUT INV LUTRAM FF BRAM36 URAM DSP levels seconds
for cfg in $CONFIGS; do
	case $cfg in
	iterative) params=$ITERATIVE_PARAMS fam=$ITERATIVE_FAMILY keep=$ITERATIVE_KEEP ;;
	pipelined) params=$PIPELINED_PARAMS fam=$PIPELINED_FAMILY keep=$PIPELINED_KEEP ;;
	*) echo "synth: unknown configuration $cfg" >&2; exit 2 ;;
	esac
	for top in "${tops[@]}"; do
		src=$(find rtl -name "$top.v" | head -n 1)
		[ -n "$src" ] || { echo "synth: no rtl/**/$top.v" >&2; exit 2; }
		chp="" used=""
		for kv in $params; do
			grep -qE "parameter +${kv%%=*}\b" "$src" || continue
			chp+="-set ${kv%%=*} ${kv#*=} "
			used+="${used:+ }$kv"
		done
		# units: modules matching the keep list below the top (the table says "flat" when none is)
		name=$top-$cfg
		keepcmd=""
		if [ -n "$keep" ]; then
			pats=""
			for k in $keep; do pats+="*$k* "; done
			keepcmd="hierarchy -top $top; setattr -mod -set keep_hierarchy 1 $pats; setattr -mod -unset keep_hierarchy $top; \
				tee -q -o $out/$name.units ls $pats; "
		fi
		log=$out/$name.log
		stat=$out/$name.stat
		rm -f "$stat" "$log.stderr" "$out/$name.units" "$out/$name.row"
		t0=$(date +%s)
		status=0
		timeout "$SYNTH_TIMEOUT" yosys -q -l "$log" -p "read_verilog $incs -I$build/gen $files; \
			${chp:+chparam $chp$top; }${keepcmd}synth_xilinx -top $top -family $fam -flatten -noiopad; \
			setattr -mod -unset keep_hierarchy; flatten; opt_clean; tee -q -o $stat stat; \
			ltp w:* t:LUT* t:MUXF* t:CARRY*" > /dev/null 2> "$log.stderr" || status=$?
		secs=$(( $(date +%s) - t0 ))
		units=flat
		if [ -s "$out/$name.units" ] && grep -E '^  ' "$out/$name.units" | grep -qvE "^  $top\$"; then
			units="kept: $keep"
		fi
		if [ $status -ne 0 ] || [ ! -s "$stat" ]; then
			why=$([ $status -eq 124 ] && echo "timed out after ${secs}s" || echo "failed (exit $status, see $log)")
			echo "synth: $name $why" >&2
			printf '%s\t%s\t%s\t%s\t?\t?\t?\t?\t?\t?\t?\t%s\t?\t?\t?\t%s\n' "$top" "$cfg" "$fam" "$used" "$secs" "$units" > "$out/$name.row"
			emit
			continue
		fi
		cells() { awk -v re="^($1)\$" '$1 ~ re && $2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }' "$stat"; }
		lut=$(cells 'LUT[1-6]')
		inv=$(cells 'INV')
		ff=$(cells 'FD[A-Z]*')
		r36=$(cells 'RAMB36E[12]')
		r18=$(cells 'RAMB18E[12]')
		bram=$(awk -v a="$r36" -v b="$r18" 'BEGIN { v = a + b / 2; printf (v == int(v) ? "%d" : "%.1f"), v }')
		uram=$(cells 'URAM288(_BASE)?')
		dsp=$(cells 'DSP48E[12]')
		lutram=$(awk "$lutram_awk" "$stat")
		levels=$(grep -oE 'Longest topological path in .* \(length=[0-9]+\)' "$log" | tail -n 1 | grep -oE '[0-9]+\)$' | tr -d ')')
		printf '%-12s %-10s %-5s %9s %7s %9s %9s %7s %5s %5s %7s %8s\n' "$top" "$cfg" "$fam" "$lut" "$inv" "$lutram" "$ff" "$bram" "$uram" "$dsp" "${levels:-?}" "$secs"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$top" "$cfg" "$fam" "$used" "$lut" "$lutram" "$ff" "$bram" \
			"$uram" "$dsp" "${levels:-?}" "$secs" "$r36" "$r18" "$inv" "$units" > "$out/$name.row"
		emit
	done
done
rm -f "$rows"
echo "written: $out/synth.md, $out/synth.json (yosys $yver synth_xilinx; estimates, timing not closed)"
