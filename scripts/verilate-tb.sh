#!/usr/bin/env bash
# verilate-tb.sh BUILD OUTDIR TOP TB_CPP [VERILATOR_ARGS...]
#
# Build a C++ Verilator testbench for RTL module TOP into OUTDIR/Vtb.
# Modules are found by name under rtl/ (one module per file, file named
# after the module); the generated contract include is in BUILD/gen.
# The testbench links the HLS model and support code (BUILD/lib/libespfab.a,
# tests/support/vectors.c compiled as C) and libcrypto, so it can compare
# the RTL with published vectors, OpenSSL and the golden model.
# A directory tests/rtl/TOP/, if there is one, holds headers of TOP's
# testbench only and is on its include path (tests/rtl/esp_fabric/ adapts
# the engine harness to the esp_fabric top).
# Extra arguments go to verilator, e.g. -GPIPELINED=0; each parameter
# override -GNAME=VALUE is also defined for the testbench as TB_NAME, so it
# can check what it was built with.
set -euo pipefail
build=$1 out=$2 top=$3 tb=$4; shift 4
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
incdirs=()
while IFS= read -r d; do incdirs+=("-y" "$root/$d"); done < <(cd "$root" && find rtl -name '*.v' -printf '%h\n' | sort -u)
topfile=$(cd "$root" && find rtl -name "$top.v" | head -n 1)
[ -n "$topfile" ] || { echo "verilate-tb: no rtl/**/$top.v" >&2; exit 1; }
tbdefs=
for a in "$@"; do
	case $a in -G*=*) n=${a#-G}; tbdefs+="-DTB_${n%%=*}=${n#*=} " ;; esac
done
tbinc=
[ -d "$root/tests/rtl/$top" ] && tbinc="-I$root/tests/rtl/$top "
# vectors.c is C: compile it with gcc, not with Verilator's C++ build.
gcc -std=c11 -D_GNU_SOURCE -O1 -c -o "$out/vectors.o" "$root/tests/support/vectors.c"
verilator --cc --exe --build -j 2 -O2 --x-assign unique --x-initial unique \
	-Wno-fatal --Mdir "$out/obj" --top-module "$top" "${incdirs[@]}" -I"$build/gen" \
	-CFLAGS "-std=c++17 -O1 $tbdefs$tbinc-I$root/tests/support -I$root/hls -I$root/driver -I$build/gen -I$root/tests/rtl" \
	-LDFLAGS "$out/vectors.o $build/lib/libespfab.a -lcrypto" \
	"$@" "$root/$topfile" "$root/$tb" -o "$out/Vtb" > "$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; exit 1; }
