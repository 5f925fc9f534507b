# package_xo.tcl — package rtl/board/espfab_krnl.v (espfab_dma_top under
# Vitis port names) as an RTL kernel .xo.  Run by board/alveo/build.sh:
#
#   vivado -mode batch -source package_xo.tcl -tclargs ROOT OUTDIR PART PARAMS GEN
#     ROOT    repository root
#     OUTDIR  where the IP project and espfab.xo go
#     PART    FPGA part of the board profile
#     PARAMS  "PIPELINED=1 SA_SLOTS=1024 ..." (engine parameters of the profile)
#     GEN     directory of the generated espfab_contract.vh (BUILD/gen, make gen)
#
# Not run on the development machine (no Vivado there); docs/boards.md.

lassign $argv root outdir part params gen
set ipdir [file join $outdir ip]
file mkdir $outdir

create_project -force espfab_krnl [file join $outdir prj] -part $part
# every RTL module (rtl/*/*.v, espfab_krnl in rtl/board) and the generated
# contract include
add_files [glob [file join $root rtl * *.v]]
set_property include_dirs [list $gen] [current_fileset]
set_property top espfab_krnl [current_fileset]
set generics {}
foreach kv $params { lappend generics $kv }
set_property generic $generics [current_fileset]
update_compile_order -fileset sources_1

ipx::package_project -root_dir $ipdir -vendor espfab.dev -library kernel -taxonomy /KernelIP -import_files -set_current true
set core [ipx::current_core]
# Interfaces are inferred from the port names (s_axi_control_*, m_axi_gmem_*);
# both are clocked by ap_clk, reset by ap_rst_n.
ipx::associate_bus_interfaces -busif s_axi_control -clock ap_clk $core
ipx::associate_bus_interfaces -busif m_axi_gmem -clock ap_clk $core
set_property sdx_kernel true $core
set_property sdx_kernel_type rtl $core
set_property ipi_drc {ignore_freq_hz true} $core
ipx::update_checksums $core
ipx::check_integrity -kernel $core
ipx::save_core $core
close_project

package_xo -force -xo_path [file join $outdir espfab.xo] -kernel_name espfab -ip_directory $ipdir \
    -kernel_xml [file join $outdir kernel.xml]
puts "package_xo.tcl: [file join $outdir espfab.xo]"
