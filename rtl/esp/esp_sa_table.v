`default_nettype none
// esp_sa_table — the SA table as the data path sees it: per slot the SA's
// fields after setup (direction, mode, cipher, auth, SPI, window, tunnel and
// UDP fields, lifetimes) with the cipher key the lanes use (the decryption
// key for inbound AES) and the HMAC inner/outer chaining values.
//
// One write port (esp_sa_setup), one registered read port (esp_parse; the
// fields appear the cycle after rd_slot_i) and a registered read of the
// slot's shape {aes, udp, transport} for esp_ingress, which needs it to
// align the packet in the context's input buffer.  Slots at or above
// 2**clog2(SA_SLOTS) do not exist; callers check the range.
module esp_sa_table #(
  parameter SA_SLOTS = 64  // SA slots
) (
  input  wire           clk_i,
  // write (setup)
  input  wire           wr_i,
  input  wire [SAW-1:0] wr_slot_i,
  input  wire           wr_usable_i,   // slot holds an SA the data path can run
  input  wire           wr_dir_i,      // 1 inbound
  input  wire           wr_mode_i,     // 1 transport
  input  wire           wr_encap_i,    // 1 UDP
  input  wire [1:0]     wr_cipher_i,   // contract enum cipher
  input  wire [1:0]     wr_auth_i,     // contract enum auth
  input  wire [1:0]     wr_aeskl_i,    // AES key length: 0 128, 1 192, 2 256
  input  wire [31:0]    wr_spi_i,
  input  wire [10:0]    wr_win_i,      // replay window, clamped to REPLAY_MAX
  input  wire [7:0]     wr_ttl_i,
  input  wire [31:0]    wr_tun_src_i,
  input  wire [31:0]    wr_tun_dst_i,
  input  wire [15:0]    wr_sport_i,
  input  wire [15:0]    wr_dport_i,
  input  wire [31:0]    wr_soft_kb_i,
  input  wire [31:0]    wr_hard_kb_i,
  input  wire [255:0]   wr_key_i,      // lane key, byte 0 in [255:248]
  input  wire [159:0]   wr_istate_i,   // HMAC inner chaining value
  input  wire [159:0]   wr_ostate_i,   // HMAC outer chaining value
  // read (parse)
  input  wire [SAW-1:0] rd_slot_i,
  output wire           rd_usable_o,
  output wire           rd_dir_o,
  output wire           rd_mode_o,
  output wire           rd_encap_o,
  output wire [1:0]     rd_cipher_o,
  output wire [1:0]     rd_auth_o,
  output wire [1:0]     rd_aeskl_o,
  output wire [31:0]    rd_spi_o,
  output wire [10:0]    rd_win_o,
  output wire [7:0]     rd_ttl_o,
  output wire [31:0]    rd_tun_src_o,
  output wire [31:0]    rd_tun_dst_o,
  output wire [15:0]    rd_sport_o,
  output wire [15:0]    rd_dport_o,
  output wire [31:0]    rd_soft_kb_o,
  output wire [31:0]    rd_hard_kb_o,
  output wire [255:0]   rd_key_o,
  output wire [159:0]   rd_istate_o,
  output wire [159:0]   rd_ostate_o,
  // shape read (ingress)
  input  wire [SAW-1:0] shape_slot_i,
  output wire [2:0]     shape_o        // {aes, udp, transport}
);

  // The contract include defines every shared constant; each module uses a
  // few.  Its include guard would leave every module but the first of a
  // compilation without them, hence the undef.
  /* verilator lint_off UNUSEDPARAM */
  `undef ESPFAB_CONTRACT_VH
  `include "espfab_contract.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam SAW = (SA_SLOTS > 1) ? $clog2(SA_SLOTS) : 1;
  localparam TW = 4 + 2 + 2 + 2 + 32 + 11 + 8 + 32 + 32 + 16 + 16 + 32 + 32 + 256 + 160 + 160;

  wire [TW-1:0] wd = {wr_usable_i, wr_dir_i, wr_mode_i, wr_encap_i, wr_cipher_i, wr_auth_i, wr_aeskl_i,
                      wr_spi_i, wr_win_i, wr_ttl_i, wr_tun_src_i, wr_tun_dst_i, wr_sport_i, wr_dport_i,
                      wr_soft_kb_i, wr_hard_kb_i, wr_key_i, wr_istate_i, wr_ostate_i};
  wire [TW-1:0] rd;

  esp_ram #(.DW(TW), .AW(SAW), .WE_W(1), .ASYNC_RD(0)) u_tab (
    .clk_i(clk_i), .we_i(wr_i), .wbe_i(1'b1), .wa_i(wr_slot_i), .wd_i(wd),
    .ra_i(rd_slot_i), .rd_o(rd)
  );

  assign {rd_usable_o, rd_dir_o, rd_mode_o, rd_encap_o, rd_cipher_o, rd_auth_o, rd_aeskl_o,
          rd_spi_o, rd_win_o, rd_ttl_o, rd_tun_src_o, rd_tun_dst_o, rd_sport_o, rd_dport_o,
          rd_soft_kb_o, rd_hard_kb_o, rd_key_o, rd_istate_o, rd_ostate_o} = rd;

  wire [2:0] shape_wd = {wr_cipher_i == ESPFAB_CIPHER_AES[1:0], wr_encap_i, wr_mode_i};

  esp_ram #(.DW(3), .AW(SAW), .WE_W(1), .ASYNC_RD(0)) u_shape (
    .clk_i(clk_i), .we_i(wr_i), .wbe_i(1'b1), .wa_i(wr_slot_i), .wd_i(shape_wd),
    .ra_i(shape_slot_i), .rd_o(shape_o)
  );

endmodule
`default_nettype wire
