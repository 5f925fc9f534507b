#!/usr/bin/env bash
# bench-sim.sh BUILD — make bench-sim (docs/benchmarks.md, "Fabric through
# the DMA, in the SystemC platform"):
#
#   1. espfab-bench --engine sim: bytes per fabric cycle through driver ->
#      DMA -> Verilated espfab_dma_top -> DMA -> driver in espfab-simd,
#      projected to Gbps per board with the binding limit; each board is
#      measured on the platform configuration whose Verilated parameters
#      (PIPELINED SA_SLOTS N_CTX CIPHER_LANES STREAM_BYTES N_QUEUES) are its
#      profile's: iterative or pipelined when one matches exactly, else
#      board-NAME (scripts/build-simd.sh, built here on demand); one
#      espfab-bench run per configuration, --params config=CONFIG;
#                                                  BUILD/bench/sim.json
#   2. espfab-bench --engine sw, same sizes and transforms, wall time on
#      this machine;                               BUILD/bench/sim-sw.json
#   3. the DMA + descriptor overhead against the stream-level make bench-rtl
#      figure at 1400 bytes (AES-SHA1 encap, pipelined config);
#   4. BUILD/bench/sim.png: Gbps against packet size, one line per board
#      (projected) and one for sw (measured here), one panel per transform.
#
# Environment: BOARDS (profile names, comma-separated; default all),
# BOARD_CONFIGS (exact: as in 1, the default; named: pipelined=1 ->
# pipelined, else iterative, never a board-NAME build, and a row whose
# board's parameters differ from its configuration's is starred and has
# config_matches_board false), SIZES (default 64,128,256,512,1024,1400),
# TRANSFORMS (aes128-sha1,3des-sha1,des-md5), DIRECTION (encap), PACKETS
# (measured completions per row, 512), STREAM_REF (bench-rtl's AES-SHA1
# 1400-byte encap bytes/cycle, 16 SAs; default 30.435, docs/rtl-bench.md;
# or read from BUILD/bench/rtl.json when that exists), SW_SECONDS (0.3),
# PLOT_ONLY=1 (redo 3 and 4 from the existing JSON), JOBS (build-simd.sh).
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/bin
out=$build/bench
sizes=${SIZES:-64,128,256,512,1024,1400}
xforms=${TRANSFORMS:-aes128-sha1,3des-sha1,des-md5}
direction=${DIRECTION:-encap}
packets=${PACKETS:-512}
export ESPFAB_BOARD_DIR=$root/board/profiles
unset ESPFAB_SIMD ESPFAB_SIM # the boards choose the configuration
simd=$root/scripts/build-simd.sh
mkdir -p "$out"
for t in jq gnuplot; do
	command -v $t >/dev/null || { echo "bench-sim: $t not installed (make deps)" >&2; exit 1; }
done

if [ "${PLOT_ONLY:-0}" != 1 ]; then
# 1. which configuration measures which board
boards=${BOARDS:-all}
boards=${boards,,}
: >"$out/sim.txt"
if [ "$boards" = all ]; then
	boards=$(cd "$ESPFAB_BOARD_DIR" && ls -- *.conf | sed 's/\.conf$//' | paste -sd, -)
fi
declare -A cfg_boards=() # configuration -> its boards, comma-separated
cfgs=()                  # configurations in first-use order
for bd in ${boards//,/ }; do
	bp=$("$simd" --params "board-$bd") # also checks the name and the profile
	case ${BOARD_CONFIGS:-exact} in
	exact)
		cfg=board-$bd
		for named in iterative pipelined; do
			[ "$("$simd" --params "$named")" = "$bp" ] && { cfg=$named; break; }
		done
		;;
	named) [[ $bp == *-GPIPELINED=1* ]] && cfg=pipelined || cfg=iterative ;;
	*) echo "bench-sim: BOARD_CONFIGS=${BOARD_CONFIGS}: expected exact or named" >&2; exit 2 ;;
	esac
	[ -n "${cfg_boards[$cfg]:-}" ] || cfgs+=("$cfg")
	cfg_boards[$cfg]=${cfg_boards[$cfg]:+${cfg_boards[$cfg]},}$bd
	echo "# bench-sim: $bd ($bp) on espfab-simd-$cfg" | tee -a "$out/sim.txt"
done
for cfg in "${cfgs[@]}"; do
	nice "$simd" "$build" "$cfg" # rebuilds only what is stale
done

echo "== espfab-bench --engine sim (fabric cycles; $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
t0=$(date +%s)
parts=()
for cfg in "${cfgs[@]}"; do
	"$bin/espfab-bench" --engine sim --params "config=$cfg" --board "${cfg_boards[$cfg]}" --sizes "$sizes" \
		--transforms "$xforms" --direction "$direction" --packets "$packets" --json "$out/sim-$cfg.json" |
		tee -a "$out/sim.txt"
	parts+=("$out/sim-$cfg.json")
done
jq -s 'add' "${parts[@]}" >"$out/sim.json"
rm -f "${parts[@]}"
echo "# $(($(date +%s) - t0)) s of simulation"
echo
echo "== espfab-bench --engine sw (wall time on this machine)"
"$bin/espfab-bench" --engine sw --no-openssl --seconds "${SW_SECONDS:-0.3}" --sizes "$sizes" \
	--transforms "$xforms" --direction "$direction" --json "$out/sim-sw.json" | tee "$out/sim-sw.txt"
fi

# 3. overhead against the stream-level figure
ref=${STREAM_REF:-}
if [ -z "$ref" ] && [ -s "$out/rtl.json" ]; then
	ref=$(jq -r '[.[] | select(.config == "pipelined" and .transform == "esp-aes esp-sha-hmac" and
		.size == 1400 and .direction == "encap" and .sas == 16) | .bytes_per_cycle] | first // empty' "$out/rtl.json" 2>/dev/null || true)
fi
ref=${ref:-30.435}
echo
echo "== DMA + descriptors against make bench-rtl (stream level, AES-SHA1 1400 B encap: $ref bytes/cycle)"
jq -r --argjson ref "$ref" '
	[.[] | select(.config == "pipelined" and .transform == "esp-aes esp-sha-hmac" and .size == 1400 and
		.direction == "encap")] | first |
	if . == null then "no pipelined AES-SHA1 1400-byte encap row"
	else "through the DMA: \(.bytes_per_cycle) bytes/cycle (cold \(.bytes_per_cycle_cold)); overhead " +
		"\((1 - .bytes_per_cycle / $ref) * 1000 | round / 10) % (target < 10 %)" end' "$out/sim.json" |
	tee "$out/sim-overhead.txt"

# 4. the plot
dat=$out/sim-plot
rm -rf "$dat" && mkdir -p "$dat"
mapfile -t tfs < <(jq -r '[.[].transform] | unique |
	sort_by(if startswith("esp-aes") then 0 elif startswith("esp-3des") then 1 else 2 end) | .[]' "$out/sim.json")
mapfile -t boards < <(jq -r '[.[] | .board] | unique | .[]' "$out/sim.json")
plots=()
pdir=encap
[ "$direction" = decap ] && pdir=decap
term=pngcairo
gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 || term=png
for i in "${!tfs[@]}"; do
	tf=${tfs[$i]}
	cmds=()
	for bd in "${boards[@]}"; do
		f=$dat/$i-$bd.dat
		jq -r --arg tf "$tf" --arg bd "$bd" --arg dir "$pdir" \
			'.[] | select(.transform == $tf and .board == $bd and .direction == $dir) | "\(.size) \(.projected_gbps)"' \
			"$out/sim.json" | sort -n >"$f"
		cfg=$(jq -r --arg bd "$bd" '[.[] | select(.board == $bd)][0] | .config + (if .config_matches_board then "" else "*" end)' \
			"$out/sim.json")
		[ -s "$f" ] && cmds+=("'$f' using 1:2 with linespoints lw 1.5 title '$bd projected ($cfg)'")
	done
	f=$dat/$i-sw.dat
	jq -r --arg tf "$tf" --arg dir "$pdir" '.[] | select(.transform == $tf and .direction == $dir) | "\(.size) \(.gbps)"' \
		"$out/sim-sw.json" | sort -n >"$f"
	[ -s "$f" ] && cmds+=("'$f' using 1:2 with linespoints dashtype 2 lw 2 lc rgb 'black' title 'sw measured here'")
	plots+=("set title '$tf $pdir'; plot $(IFS=,; echo "${cmds[*]}")")
done
n=${#plots[@]}
{
	echo "set terminal $term size $((520 * n)),480 noenhanced"
	echo "set output '$out/sim.png'"
	echo "set multiplot layout 1,$n title 'espfab: fabric through the DMA (espfab-simd, projected per board) vs sw measured here; * = board parameters differ from the config'"
	echo "set logscale y; set grid; set yrange [0.005:300]; set key bottom right; set xlabel 'IPv4 packet size (bytes)'; set ylabel 'Gbps (plaintext)'"
	for p in "${plots[@]}"; do echo "$p"; done
	echo "unset multiplot"
} >"$dat/plot.gp"
gnuplot "$dat/plot.gp"
echo
echo "bench-sim: $out/sim.json, $out/sim-sw.json, $out/sim.png"
