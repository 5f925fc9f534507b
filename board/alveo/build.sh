#!/usr/bin/env bash
# board/alveo/build.sh BUILD BOARD — the Vitis flow for an Alveo profile
# (make board-alveo BOARD=u250|u280; docs/boards.md "Vitis flow"):
#   1. kernel.xml from kernel.xml.in (AXI4 data width from the profile)
#   2. vivado -mode batch -source package_xo.tcl  -> BUILD/board/BOARD/espfab.xo
#   3. v++ --link -t hw --platform PLATFORM --config connectivity-BOARD.cfg
#                                                 -> BUILD/board/BOARD/espfab-BOARD.xclbin
# Without Vitis (v++ and vivado on PATH, e.g. after sourcing settings64.sh)
# it says so, builds nothing and exits 0 (EXIT_NO_TOOL=N to exit N instead).
# PLATFORM overrides the profile's default platform name.
#
# Not run on the development machine (no Vitis there).
set -euo pipefail
build=${1:?usage: build.sh BUILD BOARD}
board=${2:?usage: build.sh BUILD BOARD}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
prof=$root/board/profiles/$board.conf

case $board in
u250) platform=${PLATFORM:-xilinx_u250_gen3x16_xdma_4_1_202210_1} ;;
u280) platform=${PLATFORM:-xilinx_u280_gen3x16_xdma_1_202211_1} ;;
*) echo "board-alveo: '$board' is not an Alveo profile (u250, u280)" >&2; exit 2 ;;
esac
[ -f "$prof" ] || { echo "board-alveo: no profile $prof" >&2; exit 2; }

if ! command -v v++ >/dev/null 2>&1 || ! command -v vivado >/dev/null 2>&1; then
	echo "Vitis not found: nothing built (see docs/boards.md)"
	exit "${EXIT_NO_TOOL:-0}"
fi

val() { sed -n "s/^$1[[:space:]]*=[[:space:]]*\([^#]*\).*/\1/p" "$prof" | sed 's/[[:space:]]*$//'; }
part=$(val part)
stream=$(val stream_bytes)
params="PIPELINED=$(val pipelined) SA_SLOTS=$(val sa_slots) N_CTX=$(val n_ctx) CIPHER_LANES=$(val cipher_lanes)"
params="$params STREAM_BYTES=$stream N_QUEUES=$(val n_queues)"

out=$build/board/$board
mkdir -p "$out"
sed "s/@DATA_WIDTH@/$((8 * stream))/" "$here/kernel.xml.in" > "$out/kernel.xml"
echo "board-alveo: $board part $part platform $platform ($params)"
(cd "$out" && vivado -mode batch -nojournal -log package_xo.log \
	-source "$here/package_xo.tcl" -tclargs "$root" "$out" "$part" "$params" "$build/gen")
(cd "$out" && v++ --link -t hw --platform "$platform" --config "$here/connectivity-$board.cfg" \
	-o "espfab-$board.xclbin" espfab.xo)
echo "board-alveo: $out/espfab-$board.xclbin (open with: --engine xrt, params xclbin=$out/espfab-$board.xclbin)"
