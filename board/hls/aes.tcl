# aes.tcl — Vitis HLS project for the aes kernel.  Owner: H1.
# AES-128/192/256 block encryption and decryption (key expansion runs once per SA in software or a slow path).
#
#   vitis_hls -f board/hls/aes.tcl -tclargs [csim|csynth|cosim|all] [TOP]
#
# Tops: aes_encrypt_block aes_decrypt_block (one project each, build/hls/aes_<top>/).
# See espfab_hls.tcl for the environment variables and README.md for the
# status of these scripts (not run on the development machine).

source [file join [file dirname [file normalize [info script]]] espfab_hls.tcl]

espfab_hls_run aes {aes_encrypt_block aes_decrypt_block} {
	hls/aes/aes.c
} {
	hls/aes/aes_tb.c
	tests/support/vectors.c
	tests/support/vectors.h
} {aes.txt}
exit
