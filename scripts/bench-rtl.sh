#!/usr/bin/env bash
# bench-rtl.sh BUILD [BENCH_ARGS...] — throughput of rtl/esp/esp_engine.v in
# simulated cycles (docs/rtl-bench.md).
#
# Builds tests/rtl/bench_esp_engine.cpp against esp_engine twice, as the
# iterative (PIPELINED=0, Zynq-7000 parameters) and the pipelined
# (PIPELINED=1, Alveo parameters) configuration, runs both, prints their
# tables and writes BUILD/bench/rtl.json (one object per row).  BENCH_ARGS
# go to both runs (e.g. --transforms all, --sizes 64,1400, --scale 0.5).
# Override a configuration's Verilator parameters with ITERATIVE_PARAMS /
# PIPELINED_PARAMS, or run one of them with CONFIGS=pipelined.  VFLAGS are
# extra Verilator options for both builds (default: compile the model with
# -O2 instead of Verilator's -Os, about 1.4x faster simulation).
# Exit status: 0 when every row ran and every completion was checked OK.
set -euo pipefail
build=${1:?usage: bench-rtl.sh BUILD [BENCH_ARGS...]}
shift
here=$(dirname "$0")
# SA_SLOTS=1024 in both so the 256-SA rows fit (inbound and outbound SAs
# take separate slots); it changes the SA table's size, not the datapath.
# The pipelined configuration is the Alveo build: 32-byte request and
# completion streams (STREAM_BYTES=32); the iterative one keeps 16.
ITERATIVE_PARAMS=${ITERATIVE_PARAMS:--GPIPELINED=0 -GSA_SLOTS=1024 -GN_CTX=4 -GCIPHER_LANES=1}
PIPELINED_PARAMS=${PIPELINED_PARAMS:--GPIPELINED=1 -GSA_SLOTS=1024 -GN_CTX=64 -GCIPHER_LANES=2 -GSTREAM_BYTES=32}
CONFIGS=${CONFIGS:-iterative pipelined}
VFLAGS=${VFLAGS:--MAKEFLAGS OPT_FAST=-O2}
out=$build/bench
mkdir -p "$out"
status=0
rows=()
for cfg in $CONFIGS; do
	case $cfg in
	iterative) params=$ITERATIVE_PARAMS p=0 ;;
	pipelined) params=$PIPELINED_PARAMS p=1 ;;
	*) echo "bench-rtl: unknown configuration $cfg" >&2; exit 2 ;;
	esac
	dir=$build/rtl/bench-$cfg
	echo "[bench-rtl] verilating esp_engine ($cfg: $params)"
	# shellcheck disable=SC2086 # params and VFLAGS are lists of options
	"$here/verilate-tb.sh" "$build" "$dir" esp_engine tests/rtl/bench_esp_engine.cpp $params $VFLAGS \
		-CFLAGS "-DTB_PIPELINED=$p"
	echo "[bench-rtl] running $cfg"
	if ! "$dir/Vtb" --config "$cfg" --params "$params" --json "$out/rtl-$cfg.rows" "$@"; then
		echo "[bench-rtl] $cfg: some rows failed (see above)" >&2
		status=1
	fi
	[ -s "$out/rtl-$cfg.rows" ] && rows+=("$out/rtl-$cfg.rows")
done
{
	echo "["
	if [ ${#rows[@]} -gt 0 ]; then cat "${rows[@]}" | sed -e '$!s/$/,/' -e 's/^/  /'; fi
	echo "]"
} > "$out/rtl.json"
rm -f "${rows[@]}"
echo "[bench-rtl] $(grep -c '"config"' "$out/rtl.json") rows in $out/rtl.json (bytes per simulated cycle; see docs/rtl-bench.md)"
exit $status
