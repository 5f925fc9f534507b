`default_nettype none
// aes_round: one AES round on a 128-bit state, encryption or decryption
// (FIPS 197 sections 5.1 and 5.3), purely combinational.
//
//   encrypt:  out = MixColumns(ShiftRows(SubBytes(s))) ^ rk
//             final round: MixColumns is skipped
//   decrypt:  out = InvMixColumns(InvSubBytes(InvShiftRows(s)) ^ rk)
//             final round: InvMixColumns is skipped
//
// Decryption is the straightforward inverse cipher of FIPS 197 section 5.3
// (round keys used as they are, in reverse order); the initial AddRoundKey
// of either direction is not part of this module (aes_core does it on
// input).
//
// Byte order: byte 0 of the state is in [127:120]; byte b is row b % 4,
// column b / 4 (the FIPS 197 input order).  A column is 32 bits, row 0 in
// its most significant byte.
//
// Both S-box tables look at the unshifted state (SubBytes works bytewise,
// so it commutes with ShiftRows); the direction only picks which table's
// output is routed through which byte permutation, keeping the multiplexer
// behind the tables.  One MixColumns serves both directions:
// InvMixColumns(a) = MixColumns(pre(a)) with pre the multiplication of each
// column by {04}x^2 + {05} (the InvMixColumns polynomial {0b}x^3 + {0d}x^2 +
// {09}x + {0e} is the MixColumns polynomial {03}x^3 + {01}x^2 + {01}x +
// {02} times {04}x^2 + {05} modulo x^4 + 1), which is b_i = a_i ^
// {04}(a_i ^ a_(i+2)).
module aes_round #(
  parameter KIND = 0  // 0: final_i picks the round kind; 1: always a middle round; 2: always the final round
) (
  input  wire [127:0] state_i,    // state entering the round
  input  wire [127:0] rk_i,       // round key of this round
  input  wire         decrypt_i,  // 0: cipher round, 1: inverse cipher round
  input  wire         final_i,    // 1: last round, no (Inv)MixColumns (used only when KIND = 0)
  output reg  [127:0] state_o     // state after the round
);

  wire fin;
  generate
    if (KIND == 0) begin : g_var
      assign fin = final_i;
    end else begin : g_fixed
      assign fin = (KIND == 2);
      // final_i has no reader when KIND fixes the round kind.
      /* verilator lint_off UNUSEDSIGNAL */
      wire unused_final = final_i;
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate

  // GF(2^8) multiplication by x (FIPS 197 section 4.2.1).
  function [7:0] xtime;
    input [7:0] b;
    begin
      xtime = {b[6:0], 1'b0} ^ (8'h1b & {8{b[7]}});
    end
  endfunction

  // MixColumns on one column (FIPS 197 section 5.1.3).
  function [31:0] mix_col;
    input [31:0] c;
    reg [7:0] a0, a1, a2, a3;
    begin
      a0 = c[31:24]; a1 = c[23:16]; a2 = c[15:8]; a3 = c[7:0];
      mix_col = {xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3,
                 a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3,
                 a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3,
                 xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3)};
    end
  endfunction

  wire [127:0] sub;     // SubBytes(state_i), bytes in place
  wire [127:0] inv_sub; // InvSubBytes(state_i), bytes in place
  wire [127:0] sr;      // ShiftRows(SubBytes(state_i))
  wire [127:0] isr;     // InvShiftRows(InvSubBytes(state_i))

  genvar b;
  generate
    for (b = 0; b < 16; b = b + 1) begin : g_byte
      // Byte b is row b % 4, column b / 4.  ShiftRows moves row r left by
      // r columns: out[r][c] = in[r][(c + r) % 4]; InvShiftRows moves it
      // right: out[r][c] = in[r][(c - r) % 4].
      localparam integer ROW = b % 4;
      localparam integer COL = b / 4;
      localparam integer SR_SRC = ROW + 4 * ((COL + ROW) % 4);
      localparam integer ISR_SRC = ROW + 4 * ((COL + 4 - ROW) % 4);

      aes_sbox u_sbox (
        .in_i  (state_i[127 - 8 * b -: 8]),
        .out_o (sub[127 - 8 * b -: 8])
      );
      aes_inv_sbox u_inv_sbox (
        .in_i  (state_i[127 - 8 * b -: 8]),
        .out_o (inv_sub[127 - 8 * b -: 8])
      );

      assign sr[127 - 8 * b -: 8]  = sub[127 - 8 * SR_SRC -: 8];
      assign isr[127 - 8 * b -: 8] = inv_sub[127 - 8 * ISR_SRC -: 8];
    end
  endgenerate

  // Column times {04}x^2 + {05}: InvMixColumns = MixColumns after this.
  function [31:0] pre_col;
    input [31:0] c;
    reg [7:0] u, v;
    begin
      u = xtime(xtime(c[31:24] ^ c[15:8]));
      v = xtime(xtime(c[23:16] ^ c[7:0]));
      pre_col = c ^ {u, v, u, v};
    end
  endfunction

  reg [127:0] dec_add;  // InvShiftRows(InvSubBytes(state_i)) ^ rk_i
  reg [127:0] m_in;     // MixColumns input: ShiftRows(SubBytes(state_i)) or pre(dec_add)
  reg [127:0] m_out;    // MixColumns(m_in)
  integer c;
  always @* begin
    dec_add = isr ^ rk_i;
    m_in = 128'h0;
    m_out = 128'h0;
    for (c = 0; c < 4; c = c + 1) begin
      m_in[127 - 32 * c -: 32] = decrypt_i ? pre_col(dec_add[127 - 32 * c -: 32]) : sr[127 - 32 * c -: 32];
      m_out[127 - 32 * c -: 32] = mix_col(m_in[127 - 32 * c -: 32]);
    end
    state_o = 128'h0;
    case ({decrypt_i, fin})
      2'b00:   state_o = m_out ^ rk_i;
      2'b01:   state_o = sr ^ rk_i;
      2'b10:   state_o = m_out;
      2'b11:   state_o = dec_add;
      default: state_o = 128'h0;
    endcase
  end

endmodule
`default_nettype wire
