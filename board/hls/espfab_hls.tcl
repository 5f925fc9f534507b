# espfab_hls.tcl — shared procedure for the Vitis HLS kernel scripts in
# board/hls/ (sourced by aes.tcl, des.tcl, ...).  Owner: H1.
#
# espfab_hls_run KERNEL TOPS SOURCES TESTBENCHES VECTORS
#   KERNEL       name of the kernel (hls/KERNEL/)
#   TOPS         top functions; one Vitis HLS project each, named KERNEL_TOP
#   SOURCES      design files, relative to the repository root
#   TESTBENCHES  C-simulation testbench files (relative to the root)
#   VECTORS      vector files from tests/vectors/ the testbench reads
#
# Command-line arguments (after -tclargs): STEP [TOP]
#   STEP  csim (default), csynth, cosim or all (csim, csynth, cosim)
#   TOP   run only this one of TOPS
# Environment:
#   ESPFAB_HLS_PART   FPGA part (default xcu250-figd2104-2L-e, Alveo U250)
#   ESPFAB_HLS_BUILD  project directory (default <root>/build/hls)
#
# Clock: 4 ns (250 MHz).  Include paths are absolute, derived from this
# script's location: <root>/build/gen (generated contract header — run
# `make gen` first), <root>/hls and <root>/tests/support.
#
# Not run on the development machine (no Vitis HLS there); see README.md.

set espfab_hls_dir [file dirname [file normalize [info script]]]
set espfab_root [file normalize [file join $espfab_hls_dir .. ..]]

proc espfab_hls_run {kernel tops sources testbenches vectors} {
	global espfab_root argv env

	set step csim
	set only ""
	if {[info exists argv] && [llength $argv] > 0} { set step [lindex $argv 0] }
	if {[info exists argv] && [llength $argv] > 1} { set only [lindex $argv 1] }
	if {[lsearch -exact {csim csynth cosim all} $step] < 0} {
		puts stderr "$kernel: unknown step '$step' (csim, csynth, cosim or all)"
		exit 2
	}
	if {$only ne "" && [lsearch -exact $tops $only] < 0} {
		puts stderr "$kernel: '$only' is not one of the tops: $tops"
		exit 2
	}

	set part xcu250-figd2104-2L-e
	if {[info exists env(ESPFAB_HLS_PART)] && $env(ESPFAB_HLS_PART) ne ""} {
		set part $env(ESPFAB_HLS_PART)
	}
	set build [file join $espfab_root build hls]
	if {[info exists env(ESPFAB_HLS_BUILD)] && $env(ESPFAB_HLS_BUILD) ne ""} {
		set build [file normalize $env(ESPFAB_HLS_BUILD)]
	}

	set gen [file join $espfab_root build gen]
	if {![file exists [file join $gen espfab_contract.h]]} {
		puts stderr "$kernel: $gen/espfab_contract.h missing; run `make gen` in $espfab_root first"
		exit 2
	}
	set cflags "-I$gen -I[file join $espfab_root hls] -I[file join $espfab_root hls $kernel]"
	set tbflags "$cflags -I[file join $espfab_root tests support]"
	set vecdir [file join $espfab_root tests vectors]

	file mkdir $build
	cd $build
	foreach top $tops {
		if {$only ne "" && $top ne $only} { continue }
		open_project -reset ${kernel}_${top}
		set_top $top
		foreach f $sources {
			add_files [file join $espfab_root $f] -cflags $cflags
		}
		foreach f $testbenches {
			add_files -tb [file join $espfab_root $f] -cflags $tbflags
		}
		foreach v $vectors {
			add_files -tb [file join $vecdir $v]
		}
		open_solution -reset solution1 -flow_target vitis
		set_part $part
		create_clock -period 4 -name default

		# The testbenches take the vector directory as argv[1].
		if {$step eq "csim" || $step eq "all"} {
			csim_design -argv $vecdir
		}
		if {$step eq "csynth" || $step eq "cosim" || $step eq "all"} {
			csynth_design
		}
		if {$step eq "cosim" || $step eq "all"} {
			cosim_design -argv $vecdir
		}
		close_project
	}
}
