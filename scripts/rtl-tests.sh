#!/usr/bin/env bash
# rtl-tests.sh BUILD — build and run every Verilator testbench.
#
# tests/rtl/tb_TOP.cpp tests RTL module TOP (rtl/**/TOP.v).  A module with
# a PIPELINED parameter is built and run twice (iterative and pipelined).
# Binaries go to BUILD/rtl/bin/TOP-pN; results to $RESULTS/rtl.txt through
# run-tests.sh.  Needs BUILD/lib/libespfab.a (make all) for the HLS model.
set -euo pipefail
build=$1
here=$(dirname "$0")
bins=()
for tb in $(find tests/rtl -name 'tb_*.cpp' 2>/dev/null | sort); do
	top=$(basename "$tb" .cpp); top=${top#tb_}
	src=$(find rtl -name "$top.v" | head -n 1)
	if [ -z "$src" ]; then echo "[rtl] $tb: no rtl/**/$top.v" >&2; exit 1; fi
	variants=("")
	grep -q 'parameter *PIPELINED' "$src" && variants=(0 1)
	for v in "${variants[@]}"; do
		name=$top${v:+-p$v}
		dir=$build/rtl/$name
		echo "[rtl] verilating $name"
		"$here/verilate-tb.sh" "$build" "$dir" "$top" "$tb" ${v:+-GPIPELINED=$v} -CFLAGS "-DTB_PIPELINED=${v:-0}"
		mkdir -p "$build/rtl/bin"
		cp "$dir/Vtb" "$build/rtl/bin/$name"
		bins+=("$build/rtl/bin/$name")
	done
done
exec "$here/run-tests.sh" rtl "${bins[@]}"
