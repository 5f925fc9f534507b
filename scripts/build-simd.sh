#!/usr/bin/env bash
# build-simd.sh BUILD CONFIG — Verilate espfab_dma_top with `verilator --sc`
# in one named configuration and link the SystemC virtual platform
# espfab-simd around it (docs/sim.md).
#
#   BUILD/sim/CONFIG/obj/     Verilator output (Vespfab_dma_top__ALL.a, ...)
#   BUILD/sim/CONFIG/*.o      the platform's own C++ (sim/*.cpp), -Wall -Werror
#   BUILD/bin/espfab-simd-CONFIG
#
# Configurations (the Verilated parameters are fixed at Verilate time):
#   iterative  PIPELINED=0 SA_SLOTS=64 N_CTX=4 CIPHER_LANES=1 STREAM_BYTES=16 N_QUEUES=4
#              (the Zynq-7000 profile; what make test builds)
#   pipelined  PIPELINED=1 SA_SLOTS=1024 N_CTX=64 CIPHER_LANES=2 STREAM_BYTES=32 N_QUEUES=4
#              (the Alveo profile of make bench-rtl, docs/rtl-bench.md)
#   board-NAME the six parameters of the board profile NAME.conf (lowercase
#              NAME; keys pipelined, sa_slots, n_ctx, cipher_lanes,
#              stream_bytes, n_queues) in $ESPFAB_BOARD_DIR, default
#              board/profiles (docs/boards.md), e.g. board-zcu102
#
# build-simd.sh --params CONFIG prints CONFIG's parameters (-GPIPELINED=1
# -GSA_SLOTS=256 ...) on one line and builds nothing (bench-sim.sh compares
# a board's with the named configurations').
# Environment: JOBS (C++ compile jobs, default 2), CXX (default g++).
# Rebuilds only when an input is newer than the binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# config_params CONFIG: set params=(-GNAME=VALUE ...) or exit 2
config_params() {
	local config=$1 name dir f key v
	case $config in
	iterative) params=(-GPIPELINED=0 -GSA_SLOTS=64 -GN_CTX=4 -GCIPHER_LANES=1 -GSTREAM_BYTES=16 -GN_QUEUES=4) ;;
	pipelined) params=(-GPIPELINED=1 -GSA_SLOTS=1024 -GN_CTX=64 -GCIPHER_LANES=2 -GSTREAM_BYTES=32 -GN_QUEUES=4) ;;
	board-*)
		name=${config#board-}
		dir=${ESPFAB_BOARD_DIR:-$root/board/profiles}
		f=$dir/$name.conf
		[[ $name =~ ^[a-z0-9_-]+$ ]] || {
			echo "build-simd: $config: the board name must be lowercase letters, digits, '-', '_'" >&2; exit 2; }
		[ -r "$f" ] || { echo "build-simd: $config: no profile $f" >&2; exit 2; }
		params=()
		for key in pipelined sa_slots n_ctx cipher_lanes stream_bytes n_queues; do
			# `key = value`, '#' starts a comment (host/board_profile.c parses the rest)
			v=$(sed -e 's/#.*//' "$f" | awk -F= -v k="$key" '
				{ n = $1; gsub(/[ \t\r]/, "", n) }
				n == k { v = substr($0, index($0, "=") + 1); gsub(/^[ \t]+|[ \t\r]+$/, "", v); c++; last = v }
				END { if (c == 1) print last; else if (c > 1) print "DUP" }')
			case $key:$v in
			pipelined:1 | pipelined:yes | pipelined:true) v=1 ;;
			pipelined:0 | pipelined:no | pipelined:false) v=0 ;;
			pipelined:*) v= ;;
			esac
			[[ $v =~ ^[0-9]+$ ]] || {
				echo "build-simd: $f: $key missing, repeated or not a whole number" >&2; exit 2; }
			params+=("-G${key^^}=$((10#$v))")
		done
		;;
	*) echo "build-simd: unknown configuration '$config' (iterative, pipelined, board-NAME)" >&2; exit 2 ;;
	esac
}

if [ "${1:-}" = --params ]; then
	[ $# -eq 2 ] || { echo "usage: build-simd.sh --params CONFIG" >&2; exit 2; }
	config_params "$2"
	echo "${params[*]}"
	exit 0
fi
[ $# -eq 2 ] || { echo "usage: build-simd.sh BUILD CONFIG | --params CONFIG" >&2; exit 2; }
build=$1 config=$2
config_params "$config"
mkdir -p "$build"
build=$(cd "$build" && pwd)
jobs=${JOBS:-2}
cxx=${CXX:-g++}
out=$build/sim/$config
bin=$build/bin/espfab-simd-$config
vinc=/usr/share/verilator/include
mkdir -p "$out" "$build/bin"

defs=
for a in "${params[@]}"; do n=${a#-G}; defs+="-DSIM_${n%%=*}=${n#*=} "; done

incdirs=()
while IFS= read -r d; do incdirs+=("-y" "$root/$d"); done < <(cd "$root" && find rtl -name '*.v' -printf '%h\n' | sort -u)

# 1. Verilate + compile the model, only when the parameters or a file Verilator
#    read (its __ver.d: the RTL modules of this top, the contract include) changed
stamp=$out/obj/Vespfab_dma_top__ALL.a
stale() {
	[ -e "$stamp" ] && [ -e "$out/obj/verilated_threads.o" ] || return 0
	[ "$(cat "$out/params" 2>/dev/null)" = "${params[*]}" ] || return 0
	local f
	for f in $(sed -e 's/^.*: //' "$out/obj/Vespfab_dma_top__ver.d" | tr ' ' '\n' | grep -E '\.(v|vh|sv)$'); do
		[ -e "$f" ] && [ "$f" -ot "$stamp" ] || return 0
	done
	# a module added under rtl/ may now be found first by name
	[ -z "$(find "$root/rtl" -name '*.v' -newer "$stamp" -print -quit)" ] || {
		cmp -s <(cd "$root" && find rtl -name '*.v' | sort) "$out/modules" || return 0
	}
	return 1
}
if stale; then
	echo "[sim] verilating espfab_dma_top ($config: ${params[*]})"
	t0=$(date +%s)
	rm -rf "$out/obj"
	# the Verilated code's own warnings are not ours (-Wno-fatal, no -Wall for its C++)
	verilator --sc --build -j "$jobs" -O2 --x-assign unique --x-initial unique -Wno-fatal \
		--Mdir "$out/obj" --top-module espfab_dma_top "${incdirs[@]}" -I"$build/gen" \
		-CFLAGS "-O2 -std=c++17" "${params[@]}" "$root/rtl/top/espfab_dma_top.v" \
		> "$out/verilate.log" 2>&1 || { tail -n 40 "$out/verilate.log"; exit 1; }
	# the Verilator runtime (verilated.o, ...), which --build leaves out without --exe
	make -s -C "$out/obj" -f Vespfab_dma_top.mk OPT_FAST=-O2 verilated.o verilated_dpi.o verilated_threads.o \
		>> "$out/verilate.log" 2>&1 || { tail -n 40 "$out/verilate.log"; exit 1; }
	echo "${params[*]}" > "$out/params"
	(cd "$root" && find rtl -name '*.v' | sort) > "$out/modules"
	echo "[sim] verilated $config in $(( $(date +%s) - t0 )) s"
fi

# 2. the platform's C++ and C (ours: -Wall -Wextra -Werror)
cxxflags=(-std=c++17 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE $defs
	-DVM_COVERAGE=0 -DVM_SC=1 -DVM_TRACE=0 -DVM_TRACE_FST=0 -DVM_TRACE_VCD=0 -DSIM_CONFIG=\"$config\"
	-I"$root/sim" -I"$build/gen" -isystem "$vinc" -isystem "$vinc/vltstd" -isystem "$out/obj")
objs=()
srcs=("$root"/sim/*.cpp)
for s in "${srcs[@]}"; do
	o=$out/$(basename "$s" .cpp).o
	if [ ! -e "$o" ] || [ -n "$(find "$root/sim" "$stamp" "$0" -newer "$o" -print -quit)" ]; then
		echo "[sim] $cxx $(basename "$s") ($config)"
		$cxx "${cxxflags[@]}" -c -o "$o" "$s"
	fi
	objs+=("$o")
done
# --device model: sim/fabric_model.c is in libespfab.a (make all) with the hls/ engine it runs
lib=$build/lib/libespfab.a
[ -e "$lib" ] || { echo "build-simd: $lib missing (make BUILD=$build all first)" >&2; exit 1; }
if [ -e "$bin" ] && [ -z "$(find "${objs[@]}" "$stamp" "$lib" -newer "$bin" -print -quit)" ]; then
	echo "[sim] $bin is up to date"
	exit 0
fi
$cxx -o "$bin.tmp" "${objs[@]}" "$out/obj/Vespfab_dma_top__ALL.a" \
	"$out/obj/verilated.o" "$out/obj/verilated_dpi.o" "$out/obj/verilated_threads.o" "$lib" -lsystemc -lcrypto -pthread
mv "$bin.tmp" "$bin"
echo "[sim] $bin"
