#!/usr/bin/env bash
# run-tests.sh STAGE PROGRAM...   run each program, record pass/fail
# run-tests.sh summary            print every recorded result and the total
#
# Results go to $RESULTS/<stage>.txt as "PASS name" / "FAIL name" lines.
# A program passes when it exits 0.  Output of failing programs is shown
# in full; passing ones print only their last line.
set -u
RESULTS=${RESULTS:-build/results}
mkdir -p "$RESULTS"
stage=$1; shift

if [ "$stage" = summary ]; then
	pass=0; fail=0
	for f in "$RESULTS"/*.txt; do
		[ -e "$f" ] || continue
		p=$(grep -c '^PASS' "$f"); q=$(grep -c '^FAIL' "$f")
		pass=$((pass + p)); fail=$((fail + q))
		printf '%-12s %4d passed, %d failed\n' "$(basename "$f" .txt)" "$p" "$q"
		grep '^FAIL' "$f" | sed 's/^/    /'
	done
	echo "tests: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
	exit
fi

out="$RESULTS/$stage.txt"
: > "$out"
status=0
for prog in "$@"; do
	name=$(basename "$prog")
	log="$RESULTS/$stage-$name.log"
	if "$prog" > "$log" 2>&1; then
		echo "PASS $name" >> "$out"
		printf '[%s] PASS %s: %s\n' "$stage" "$name" "$(tail -n 1 "$log")"
	else
		echo "FAIL $name" >> "$out"
		printf '[%s] FAIL %s (log %s)\n' "$stage" "$name" "$log"
		tail -n 40 "$log" | sed 's/^/    /'
		status=1
	fi
done
exit $status
