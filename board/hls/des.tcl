# des.tcl — Vitis HLS project for the des kernel.  Owner: H1.
# DES and 3DES-EDE block cipher cores.
#
#   vitis_hls -f board/hls/des.tcl -tclargs [csim|csynth|cosim|all] [TOP]
#
# Tops: des3_encrypt_block des3_decrypt_block des_encrypt_block (one project each, build/hls/des_<top>/).
# See espfab_hls.tcl for the environment variables and README.md for the
# status of these scripts (not run on the development machine).

source [file join [file dirname [file normalize [info script]]] espfab_hls.tcl]

espfab_hls_run des {des3_encrypt_block des3_decrypt_block des_encrypt_block} {
	hls/des/des.c
} {
	hls/des/des_tb.c
	tests/support/vectors.c
	tests/support/vectors.h
} {des.txt tdes.txt}
exit
