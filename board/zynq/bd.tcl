# bd.tcl — Vivado block design for the espfab fabric on a Zynq board
# (board/zynq/build.sh; docs/boards.md "Vivado flow").
#
#   vivado -mode batch -source bd.tcl -tclargs ROOT OUTDIR BOARD PART MHZ PARAMS GEN
#     BOARD   zcu102 (Zynq UltraScale+ PS) or zc706 (Zynq-7000 PS7)
#     MHZ     fabric clock from the profile (PL clock 0)
#     PARAMS  engine parameters "PIPELINED=0 SA_SLOTS=64 ..."
#     GEN     directory of the generated espfab_contract.vh
#
# Design: the PS's general-purpose master (M_AXI_HPM0_FPD / M_AXI_GP0)
# through an AXI SmartConnect to the kernel's AXI4-Lite s_axi_control; the
# kernel's AXI4 master m_axi_gmem through a second SmartConnect (width and
# protocol conversion: 128-bit AXI4 to the 64-bit AXI3 HP port on
# Zynq-7000) to S_AXI_HP0_FPD / S_AXI_HP0; the kernel's one interrupt to
# pl_ps_irq0[0] / IRQ_F2P[0]; PL clock 0 at MHZ and a proc_sys_reset for
# ap_rst_n.  The kernel is rtl/board/espfab_krnl.v (the Vitis port names
# let Vivado infer the two AXI interfaces) as a module reference.
# Then synthesis, implementation, bitstream and the hardware handoff (.xsa).
#
# Not run on the development machine (no Vivado there).

lassign $argv root outdir board part mhz params gen
file mkdir $outdir
create_project -force espfab_$board [file join $outdir prj] -part $part
switch $board {
	zcu102 { set bp [lindex [get_board_parts -quiet -latest_file_version *zcu102*] 0] }
	zc706  { set bp [lindex [get_board_parts -quiet -latest_file_version *zc706*] 0] }
	default { error "bd.tcl: unknown board $board" }
}
if {$bp ne ""} { set_property board_part $bp [current_project] }

add_files [glob [file join $root rtl * *.v]]
set_property include_dirs [list $gen] [current_fileset]
update_compile_order -fileset sources_1

create_bd_design espfab
if {$board eq "zcu102"} {
	set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:zynq_ultra_ps_e ps]
	if {$bp ne ""} {
		apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "1"} $ps
	}
	set_property -dict [list \
		CONFIG.PSU__USE__M_AXI_GP0 {1} CONFIG.PSU__USE__M_AXI_GP1 {0} \
		CONFIG.PSU__USE__S_AXI_GP2 {1} CONFIG.PSU__SAXIGP2__DATA_WIDTH {128} \
		CONFIG.PSU__USE__IRQ0 {1} \
		CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $mhz] $ps
	set gp_master  [get_bd_intf_pins ps/M_AXI_HPM0_FPD]
	set hp_slave   [get_bd_intf_pins ps/S_AXI_HP0_FPD]
	set pl_clk     [get_bd_pins ps/pl_clk0]
	set pl_resetn  [get_bd_pins ps/pl_resetn0]
	set irq_pin    [get_bd_pins ps/pl_ps_irq0]
	set clk_pins   [list ps/maxihpm0_fpd_aclk ps/saxihp0_fpd_aclk]
} else {
	set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7 ps]
	if {$bp ne ""} {
		apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 -config {make_external "FIXED_IO, DDR" apply_board_preset "1"} $ps
	}
	set_property -dict [list \
		CONFIG.PCW_USE_M_AXI_GP0 {1} CONFIG.PCW_USE_S_AXI_HP0 {1} CONFIG.PCW_S_AXI_HP0_DATA_WIDTH {64} \
		CONFIG.PCW_USE_FABRIC_INTERRUPT {1} CONFIG.PCW_IRQ_F2P_INTR {1} \
		CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ $mhz] $ps
	set gp_master  [get_bd_intf_pins ps/M_AXI_GP0]
	set hp_slave   [get_bd_intf_pins ps/S_AXI_HP0]
	set pl_clk     [get_bd_pins ps/FCLK_CLK0]
	set pl_resetn  [get_bd_pins ps/FCLK_RESET0_N]
	set irq_pin    [get_bd_pins ps/IRQ_F2P]
	set clk_pins   [list ps/M_AXI_GP0_ACLK ps/S_AXI_HP0_ACLK]
}

set krnl [create_bd_cell -type module -reference espfab_krnl espfab]
foreach kv $params {
	lassign [split $kv =] k v
	set_property CONFIG.$k $v $krnl
}
set rst [create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset rst]
set sc_ctl [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect sc_ctl]
set sc_dma [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect sc_dma]
set_property -dict [list CONFIG.NUM_SI {1} CONFIG.NUM_MI {1}] $sc_ctl
set_property -dict [list CONFIG.NUM_SI {1} CONFIG.NUM_MI {1}] $sc_dma

connect_bd_net $pl_clk [get_bd_pins espfab/ap_clk] [get_bd_pins rst/slowest_sync_clk] \
	[get_bd_pins sc_ctl/aclk] [get_bd_pins sc_dma/aclk]
foreach p $clk_pins { connect_bd_net $pl_clk [get_bd_pins $p] }
connect_bd_net $pl_resetn [get_bd_pins rst/ext_reset_in]
connect_bd_net [get_bd_pins rst/peripheral_aresetn] [get_bd_pins espfab/ap_rst_n] \
	[get_bd_pins sc_ctl/aresetn] [get_bd_pins sc_dma/aresetn]
connect_bd_intf_net $gp_master [get_bd_intf_pins sc_ctl/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins sc_ctl/M00_AXI] [get_bd_intf_pins espfab/s_axi_control]
connect_bd_intf_net [get_bd_intf_pins espfab/m_axi_gmem] [get_bd_intf_pins sc_dma/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins sc_dma/M00_AXI] $hp_slave
connect_bd_net [get_bd_pins espfab/interrupt] $irq_pin

assign_bd_address
# the CSR window: 64 KB (the contract's map ends below 0x600)
set seg [get_bd_addr_segs -of_objects [get_bd_addr_spaces -of_objects $gp_master] -filter {NAME =~ *espfab*}]
if {$seg ne ""} { set_property range 64K $seg }
validate_bd_design
save_bd_design

make_wrapper -files [get_files espfab.bd] -top
add_files -norecurse [glob [file join $outdir prj *.gen sources_1 bd espfab hdl espfab_wrapper.v]]
set_property top espfab_wrapper [current_fileset]
update_compile_order -fileset sources_1
launch_runs impl_1 -to_step write_bitstream -jobs 2
wait_on_run impl_1
write_hw_platform -fixed -include_bit -force -file [file join $outdir espfab-$board.xsa]
report_property [get_bd_addr_segs -of_objects [get_bd_addr_spaces -of_objects $gp_master]]
puts "bd.tcl: [file join $outdir espfab-$board.xsa] (the CSR address is in the report above and in the .xsa)"
