# md5.tcl — Vitis HLS project for the md5 kernel.  Owner: H1.
# MD5 compression function (padding is in the testbench / hmac kernel).
#
#   vitis_hls -f board/hls/md5.tcl -tclargs [csim|csynth|cosim|all] [TOP]
#
# Tops: md5_compress (one project each, build/hls/md5_<top>/).
# See espfab_hls.tcl for the environment variables and README.md for the
# status of these scripts (not run on the development machine).

source [file join [file dirname [file normalize [info script]]] espfab_hls.tcl]

espfab_hls_run md5 {md5_compress} {
	hls/md5/md5.c
} {
	hls/md5/md5_tb.c
	tests/support/vectors.c
	tests/support/vectors.h
} {md5.txt}
exit
