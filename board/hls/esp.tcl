# esp.tcl — Vitis HLS project for the esp kernel.  Owner: H1.
# The ESP transform (hls/esp/esp.c, owner H2): esp_top per request, esp_sa_setup per SA.
#
#   vitis_hls -f board/hls/esp.tcl -tclargs [csim|csynth|cosim|all] [TOP]
#
# Tops: esp_top esp_sa_setup (one project each, build/hls/esp_<top>/).
# See espfab_hls.tcl for the environment variables and README.md for the
# status of these scripts (not run on the development machine).

source [file join [file dirname [file normalize [info script]]] espfab_hls.tcl]

espfab_hls_run esp {esp_top esp_sa_setup} {
	hls/esp/esp.c
	hls/cbc/cbc.c
	hls/aes/aes.c
	hls/des/des.c
	hls/hmac/hmac.c
	hls/sha1/sha1.c
	hls/md5/md5.c
} {
	hls/esp/esp_tb.c
} {}
exit
