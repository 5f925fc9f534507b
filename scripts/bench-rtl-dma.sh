#!/usr/bin/env bash
# bench-rtl-dma.sh BUILD [BENCH_ARGS...] — what the DMA and its descriptors
# cost (docs/rtl-dma.md, "Measurement"): builds
# tests/rtl/bench_espfab_dma_top.cpp against rtl/top/espfab_dma_top.v in the
# pipelined (Alveo) configuration of `make bench-rtl` (same -G parameters,
# PIPELINED_PARAMS overrides them), runs it and writes BUILD/bench/rtl-dma.json
# (an array, one object per row) beside bench-rtl's BUILD/bench/rtl.json, which
# supplies the stream-level figures (REF=FILE for another one; without it the
# figures recorded in docs/rtl-bench.md are used).  BENCH_ARGS go to the
# bench (--latencies 0,100,200,300, --packets N, --sas N, --size N, --aes-only).
# Exit status: 0 when every row ran and every completion was checked OK.
set -euo pipefail
build=${1:?usage: bench-rtl-dma.sh BUILD [BENCH_ARGS...]}
shift
here=$(dirname "$0")
PIPELINED_PARAMS=${PIPELINED_PARAMS:--GPIPELINED=1 -GSA_SLOTS=1024 -GN_CTX=64 -GCIPHER_LANES=2 -GSTREAM_BYTES=32}
VFLAGS=${VFLAGS:--MAKEFLAGS OPT_FAST=-O2}
REF=${REF:-$build/bench/rtl.json}
out=$build/bench
dir=$build/rtl/bench-dma-pipelined
mkdir -p "$out"
echo "[bench-rtl-dma] verilating espfab_dma_top (pipelined: $PIPELINED_PARAMS)"
# shellcheck disable=SC2086 # PIPELINED_PARAMS and VFLAGS are lists of options
"$here/verilate-tb.sh" "$build" "$dir" espfab_dma_top tests/rtl/bench_espfab_dma_top.cpp $PIPELINED_PARAMS $VFLAGS \
	-CFLAGS "-DTB_PIPELINED=1"
echo "[bench-rtl-dma] running (stream-level reference: $REF)"
status=0
"$dir/Vtb" --json "$out/rtl-dma.rows" --ref "$REF" --params "$PIPELINED_PARAMS" "$@" || status=1
{
	echo "["
	if [ -s "$out/rtl-dma.rows" ]; then sed -e '$!s/$/,/' -e 's/^/  /' "$out/rtl-dma.rows"; fi
	echo "]"
} > "$out/rtl-dma.json"
rm -f "$out/rtl-dma.rows"
echo "[bench-rtl-dma] $(grep -c '"config"' "$out/rtl-dma.json") rows in $out/rtl-dma.json"
[ $status -eq 0 ] || echo "[bench-rtl-dma] some rows failed (see above)" >&2
exit $status
