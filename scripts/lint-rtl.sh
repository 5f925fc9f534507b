#!/usr/bin/env bash
# lint-rtl.sh BUILD — verilator --lint-only -Wall over every RTL module.
#
# Each rtl/**/NAME.v is linted as a top module; a module with a PIPELINED
# parameter is linted once per build (PIPELINED=0 and 1), one with a
# STREAM_BYTES parameter once more with STREAM_BYTES=32.  Records one
# PASS/FAIL line per lint run in $RESULTS/lint.txt; exits non-zero if any
# run reported anything.
set -uo pipefail
build=$1
RESULTS=${RESULTS:-$build/results}
mkdir -p "$RESULTS"
out="$RESULTS/lint.txt"
: > "$out"
dirs=()
while IFS= read -r d; do dirs+=("-y" "$d"); done < <(find rtl -name '*.v' -printf '%h\n' | sort -u)
status=0
for f in $(find rtl -name '*.v' | sort); do
	top=$(basename "$f" .v)
	variants=("")
	grep -q 'parameter *PIPELINED' "$f" && variants=("-GPIPELINED=0" "-GPIPELINED=1")
	# the wide stream (Alveo) as well
	grep -q 'parameter *STREAM_BYTES' "$f" && variants+=("${variants[-1]:+${variants[-1]} }-GSTREAM_BYTES=32")
	for v in "${variants[@]}"; do
		name="$top${v:+ $v}"
		log=$(verilator --lint-only -Wall "${dirs[@]}" -I"$build/gen" $v --top-module "$top" "$f" 2>&1)
		if [ $? -eq 0 ] && [ -z "$log" ]; then
			echo "PASS $name" >> "$out"
		else
			echo "FAIL $name" >> "$out"
			echo "[lint] FAIL $name"; echo "$log" | head -n 30 | sed 's/^/    /'
			status=1
		fi
	done
done
echo "[lint] $(grep -c '^PASS' "$out") clean, $(grep -c '^FAIL' "$out") with findings (verilator --lint-only -Wall)"
exit $status
