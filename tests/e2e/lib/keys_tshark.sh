# keys_tshark.sh — sourced by e2e scripts: decrypt a capture with the keys
# espfabd exported with --debug-keys FILE (test oracle only; docs/ike.md).
#
#   keys_tshark_opts KEYFILE      -> sets the array KEYS_OPTS (tshark -o ...)
#   keys_esp_check PCAP KEYFILE   -> prints "N GOOD BAD UNDEC": ESP packets,
#                                    ICV good, ICV bad, not decrypted (no key)
#   keys_isakmp_check PCAP KEYFILE -> prints "N DEC": encrypted ISAKMP
#                                    messages (main mode 5/6, quick mode,
#                                    informational) and those tshark
#                                    decrypted into an ID or HASH payload

keys_tshark_opts() {
	KEYS_OPTS=(-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE)
	local kind rest
	while read -r kind rest; do
		case $kind in
		esp) KEYS_OPTS+=(-o "uat:esp_sa:$rest") ;;
		ikev1) KEYS_OPTS+=(-o "uat:ikev1_decryption_table:$rest") ;;
		esac
	done <"$1"
}

keys_esp_check() {
	keys_tshark_opts "$2"
	tshark -r "$1" -n "${KEYS_OPTS[@]}" -Y esp -T fields -E occurrence=f -e esp.spi -e esp.icv_good -e esp.icv_bad \
		2>/dev/null | awk -F'\t' '{ n++; if ($2 == "True" || $2 == "1") g++; else if ($3 == "True" || $3 == "1") b++; else u++ }
		END { printf "%d %d %d %d\n", n, g, b, u }'
}

keys_isakmp_check() {
	keys_tshark_opts "$2"
	# flags bit 0 = encryption; tshark shows the decrypted payload chain
	# (isakmp.typepayload) only when it could decrypt it.
	# A good key gives a HASH (8) or ID (5) payload first; a wrong one
	# garbage or nothing.
	tshark -r "$1" -n "${KEYS_OPTS[@]}" -Y "isakmp && isakmp.flags & 1" -T fields -E occurrence=f \
		-e isakmp.exchangetype -e isakmp.typepayload 2>/dev/null |
		awk -F'\t' '{ n++; if ($2 == "8" || $2 == "5") d++ } END { printf "%d %d\n", n, d }'
}
