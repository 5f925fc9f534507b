#!/usr/bin/env bash
# board/zynq/build.sh BUILD BOARD — the Vivado flow for a Zynq profile
# (make board-zynq BOARD=zcu102|zc706; docs/boards.md "Vivado flow"):
#   vivado -mode batch -source bd.tcl  -> BUILD/board/BOARD/espfab-BOARD.xsa (bitstream inside)
#   dtc (if present) compiles espfab-BOARD.dtso -> BUILD/board/BOARD/espfab.dtbo
# Without Vivado on PATH it says so, builds nothing and exits 0
# (EXIT_NO_TOOL=N to exit N instead).
#
# Not run on the development machine (no Vivado there).
set -euo pipefail
build=${1:?usage: build.sh BUILD BOARD}
board=${2:?usage: build.sh BUILD BOARD}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
prof=$root/board/profiles/$board.conf

case $board in
zcu102|zc706) ;;
*) echo "board-zynq: '$board' is not a Zynq profile (zcu102, zc706)" >&2; exit 2 ;;
esac
[ -f "$prof" ] || { echo "board-zynq: no profile $prof" >&2; exit 2; }

out=$build/board/$board
if command -v dtc >/dev/null 2>&1; then
	mkdir -p "$out"
	dtc -@ -q -I dts -O dtb -o "$out/espfab.dtbo" "$here/espfab-$board.dtso"
	echo "board-zynq: $out/espfab.dtbo (device-tree overlay, dtc)"
fi

if ! command -v vivado >/dev/null 2>&1; then
	echo "Vivado not found: nothing built (see docs/boards.md)"
	exit "${EXIT_NO_TOOL:-0}"
fi

val() { sed -n "s/^$1[[:space:]]*=[[:space:]]*\([^#]*\).*/\1/p" "$prof" | sed 's/[[:space:]]*$//'; }
part=$(val part)
mhz=$(val fabric_clock_mhz)
params="PIPELINED=$(val pipelined) SA_SLOTS=$(val sa_slots) N_CTX=$(val n_ctx) CIPHER_LANES=$(val cipher_lanes)"
params="$params STREAM_BYTES=$(val stream_bytes) N_QUEUES=$(val n_queues)"
mkdir -p "$out"
echo "board-zynq: $board part $part at $mhz MHz ($params)"
(cd "$out" && vivado -mode batch -nojournal -log bd.log -source "$here/bd.tcl" \
	-tclargs "$root" "$out" "$board" "$part" "$mhz" "$params" "$build/gen")
echo "board-zynq: $out/espfab-$board.xsa"
