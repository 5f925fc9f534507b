# hmac.tcl — Vitis HLS project for the hmac kernel.  Owner: H1.
# HMAC-MD5 / HMAC-SHA1 from precomputed inner/outer states, with hash padding.
#
#   vitis_hls -f board/hls/hmac.tcl -tclargs [csim|csynth|cosim|all] [TOP]
#
# Tops: hmac_compute hmac_key_setup (one project each, build/hls/hmac_<top>/).
# See espfab_hls.tcl for the environment variables and README.md for the
# status of these scripts (not run on the development machine).

source [file join [file dirname [file normalize [info script]]] espfab_hls.tcl]

espfab_hls_run hmac {hmac_compute hmac_key_setup} {
	hls/hmac/hmac.c
	hls/sha1/sha1.c
	hls/md5/md5.c
} {
	hls/hmac/hmac_tb.c
	tests/support/vectors.c
	tests/support/vectors.h
} {hmac_md5.txt hmac_sha1.txt md5.txt sha1.txt}
exit
