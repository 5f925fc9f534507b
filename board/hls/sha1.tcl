# sha1.tcl — Vitis HLS project for the sha1 kernel.  Owner: H1.
# SHA-1 compression function (padding is in the testbench / hmac kernel).
#
#   vitis_hls -f board/hls/sha1.tcl -tclargs [csim|csynth|cosim|all] [TOP]
#
# Tops: sha1_compress (one project each, build/hls/sha1_<top>/).
# See espfab_hls.tcl for the environment variables and README.md for the
# status of these scripts (not run on the development machine).

source [file join [file dirname [file normalize [info script]]] espfab_hls.tcl]

espfab_hls_run sha1 {sha1_compress} {
	hls/sha1/sha1.c
} {
	hls/sha1/sha1_tb.c
	tests/support/vectors.c
	tests/support/vectors.h
} {sha1.txt}
exit
