# cbc.tcl — Vitis HLS project for the cbc kernel.  Owner: H1.
# CBC chaining over DES, 3DES and AES for one packet (up to ESPFAB_MAX_FRAME bytes).
#
#   vitis_hls -f board/hls/cbc.tcl -tclargs [csim|csynth|cosim|all] [TOP]
#
# Tops: cbc_encrypt cbc_decrypt (one project each, build/hls/cbc_<top>/).
# See espfab_hls.tcl for the environment variables and README.md for the
# status of these scripts (not run on the development machine).

source [file join [file dirname [file normalize [info script]]] espfab_hls.tcl]

espfab_hls_run cbc {cbc_encrypt cbc_decrypt} {
	hls/cbc/cbc.c
	hls/aes/aes.c
	hls/des/des.c
} {
	hls/cbc/cbc_tb.c
	tests/support/vectors.c
	tests/support/vectors.h
} {cbc.txt}
exit
