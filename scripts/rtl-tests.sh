#!/usr/bin/env bash
# rtl-tests.sh BUILD — build and run every Verilator testbench.
#
# tests/rtl/tb_TOP.cpp tests RTL module TOP (rtl/**/TOP.v).  A module with
# a PIPELINED parameter is built and run twice (iterative and pipelined);
# one with a STREAM_BYTES parameter (esp_engine) once more with the wide
# stream of the Alveo build (pipelined, STREAM_BYTES=32, two cipher lanes).
# Binaries go to BUILD/rtl/bin/TOP-VARIANT; results to $RESULTS/rtl.txt
# through run-tests.sh.  Needs BUILD/lib/libespfab.a (make all) for the HLS
# model.
set -euo pipefail
build=$1
here=$(dirname "$0")
bins=()
for tb in $(find tests/rtl -name 'tb_*.cpp' 2>/dev/null | sort); do
	top=$(basename "$tb" .cpp); top=${top#tb_}
	src=$(find rtl -name "$top.v" | head -n 1)
	if [ -z "$src" ]; then echo "[rtl] $tb: no rtl/**/$top.v" >&2; exit 1; fi
	# variant = name suffix : TB_PIPELINED : verilator -G overrides
	variants=(":0:")
	if grep -q 'parameter *PIPELINED' "$src"; then
		variants=("-p0:0:-GPIPELINED=0" "-p1:1:-GPIPELINED=1")
	fi
	if grep -q 'parameter *STREAM_BYTES' "$src"; then
		variants+=("-p1-w32:1:-GPIPELINED=1 -GSTREAM_BYTES=32 -GCIPHER_LANES=2")
	fi
	for v in "${variants[@]}"; do
		IFS=: read -r suffix pipelined params <<< "$v"
		name=$top$suffix
		dir=$build/rtl/$name
		echo "[rtl] verilating $name${params:+ ($params)}"
		# the testbench sees what it was built with: TB_PIPELINED, TB_NAME per -GNAME=VALUE
		defs="-DTB_PIPELINED=$pipelined"
		for a in $params; do
			case $a in -G*=*) n=${a#-G}; defs+=" -DTB_${n%%=*}=${n#*=}" ;; esac
		done
		# shellcheck disable=SC2086 # params is a list of options
		"$here/verilate-tb.sh" "$build" "$dir" "$top" "$tb" $params -CFLAGS "$defs"
		mkdir -p "$build/rtl/bin"
		cp "$dir/Vtb" "$build/rtl/bin/$name"
		bins+=("$build/rtl/bin/$name")
	done
done
exec "$here/run-tests.sh" rtl "${bins[@]}"
