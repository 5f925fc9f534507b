`default_nettype none
// aes_key_step: one on-the-fly step of the AES key expansion (FIPS 197
// section 5.2), forward for encryption or backward for decryption, and the
// round key of the round that uses the new window.  Combinational.
//
// The key window is Nk consecutive 32-bit words w[i] of the expanded
// schedule (Nk = 4, 6, 8 for AES-128/192/256) in a 256-bit register of
// eight words W0 ([255:224]) .. W7 ([31:0]).  The recurrence
//
//   w[j] = w[j-Nk] ^ t_j(w[j-1])   with   t_j(x) = SubWord(RotWord(x)) ^ Rcon[j/Nk]   j % Nk == 0
//                                                  SubWord(x)                       Nk = 8, j % 8 == 4
//                                                  x                                otherwise
//
// is run forward for encryption (four new words after the window) and
// solved for w[j-Nk] for decryption (four new words before it).  Four
// consecutive words contain at most one j with a non-identity t_j, so one
// four-S-box SubWord unit serves every step; its input is selected by key
// size, direction and round.
//
// Alignment: encryption windows are right-aligned (newest word in W7),
// decryption windows left-aligned (oldest word in W0), so that a step
// always shifts by four words whatever the key size: forward
// {W4..W7, n0..n3}, backward {p0..p3, W0..W3}.  The words outside the
// window are don't-care.  The operands that do depend on the key size are
// four consecutive window words X0..X3 starting at word a = 8-Nk
// (encryption: w[j-Nk] of the new words) or a = Nk-4 (decryption: w[j] of
// the solved words); the round key is the same slice of the new window.
//
// Round k of Nr (k = 1 .. Nr) uses round key k (encryption) or Nr-k
// (decryption).  key_i is the window of round k-1 (for k = 1: the cipher
// key right-aligned, or the decryption key as it is), key_o that of round
// k.  The step into the final round (k = Nr) moves the window by 8-Nk words
// instead (AES-128: four, AES-192: two, AES-256: none) and leaves it
// left-aligned and zero padded: after encryption it is the decryption key
// w[4Nr+4-Nk .. 4Nr+3], after decryption the cipher key w[0 .. Nk-1].  The
// final round key is its last four words (encryption, round key Nr) or its
// first four (decryption, round key 0).
//
// keylen_i = 3 is treated as AES-256.
module aes_key_step #(
  parameter ROUND = 0  // 0: round_i gives k; 1..13: fixed round k (< Nr); 14: fixed final round (k = Nr)
) (
  input  wire [255:0] key_i,      // key window of round k-1 (see above for the alignment)
  input  wire [1:0]   keylen_i,   // 0: AES-128, 1: AES-192, 2 (or 3): AES-256
  input  wire         decrypt_i,  // 0: step forward, 1: step backward
  input  wire [3:0]   round_i,    // k, 1 .. Nr (used only when ROUND = 0)
  output reg  [255:0] key_o,      // key window of round k
  output reg  [127:0] rk_o        // round key of round k
);

  wire nk8 = keylen_i[1];
  wire nk6 = ~keylen_i[1] & keylen_i[0];

  wire [3:0] nr = keylen_i[1] ? 4'd14 : (keylen_i[0] ? 4'd12 : 4'd10);

  // last: round k is the final round.  step: index of the step into round
  // k, r = k-1 forward (key_i = w[4r .. 4r+Nk-1]) or q = Nr-k+1 backward
  // (key_i = w[4q+4-Nk .. 4q+3]).  For a fixed ROUND both are constants
  // for each key size and direction, which synthesis folds into the logic.
  wire       last;
  wire [3:0] step;
  generate
    if (ROUND == 0) begin : g_var
      assign last = (round_i == nr);
      assign step = decrypt_i ? nr - round_i + 4'd1 : round_i - 4'd1;
    end else begin : g_fixed
      if (ROUND >= 14) begin : g_final
        assign last = 1'b1;
        assign step = decrypt_i ? 4'd1 : nr - 4'd1;
      end else begin : g_mid
        localparam [3:0] K = ROUND;
        assign last = 1'b0;
        assign step = decrypt_i ? nr - K + 4'd1 : K - 4'd1;
      end
      // round_i has no reader when ROUND fixes the round.
      /* verilator lint_off UNUSEDSIGNAL */
      wire [3:0] unused_round = round_i;
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate

  // Where the one non-linear word of this step is and what it needs:
  //   nl_en    a word of the step uses SubWord at all
  //   nl_pos2  it is the third new word (AES-192 only) instead of the first
  //   nl_rot   RotWord and Rcon apply (j % Nk == 0), else SubWord only
  //   nl_rcon  index of Rcon (1..10)
  reg       nl_en, nl_pos2, nl_rot;
  reg [3:0] nl_rcon;

  always @* begin
    nl_en   = 1'b1;
    nl_pos2 = 1'b0;
    nl_rot  = 1'b1;
    nl_rcon = 4'd0;
    if (nk8) begin
      // w[j], j = 4r+8 (forward) or 4q (backward): j % 8 is 0 for even
      // r/q (Rcon[j/8]) and 4 for odd (SubWord only).
      nl_rot  = ~step[0];
      nl_rcon = decrypt_i ? {1'b0, step[3:1]} : {1'b0, step[3:1]} + 4'd1;
    end else if (nk6) begin
      // Four consecutive j hold at most one multiple of 6; the pattern
      // repeats every three rounds.
      if (!decrypt_i) begin
        case (step)       // new words j = 4r+6 .. 4r+9
          4'd0:    begin nl_rcon = 4'd1;                  end
          4'd1:    begin nl_rcon = 4'd2; nl_pos2 = 1'b1; end
          4'd3:    begin nl_rcon = 4'd3;                  end
          4'd4:    begin nl_rcon = 4'd4; nl_pos2 = 1'b1; end
          4'd6:    begin nl_rcon = 4'd5;                  end
          4'd7:    begin nl_rcon = 4'd6; nl_pos2 = 1'b1; end
          4'd9:    begin nl_rcon = 4'd7;                  end
          4'd10:   begin nl_rcon = 4'd8; nl_pos2 = 1'b1; end
          default: nl_en = 1'b0;
        endcase
      end else begin
        case (step)       // solved words j = 4q .. 4q+3
          4'd1:    begin nl_rcon = 4'd1; nl_pos2 = 1'b1; end
          4'd3:    begin nl_rcon = 4'd2;                  end
          4'd4:    begin nl_rcon = 4'd3; nl_pos2 = 1'b1; end
          4'd6:    begin nl_rcon = 4'd4;                  end
          4'd7:    begin nl_rcon = 4'd5; nl_pos2 = 1'b1; end
          4'd9:    begin nl_rcon = 4'd6;                  end
          4'd10:   begin nl_rcon = 4'd7; nl_pos2 = 1'b1; end
          4'd12:   begin nl_rcon = 4'd8;                  end
          default: nl_en = 1'b0;
        endcase
      end
    end else begin
      // AES-128: j = 4r+4 forward, 4q backward, always j % 4 == 0.
      nl_rcon = decrypt_i ? step : step + 4'd1;
    end
  end

  reg [7:0] rcon;
  always @* begin
    case (nl_rcon)
      4'd1:    rcon = 8'h01;
      4'd2:    rcon = 8'h02;
      4'd3:    rcon = 8'h04;
      4'd4:    rcon = 8'h08;
      4'd5:    rcon = 8'h10;
      4'd6:    rcon = 8'h20;
      4'd7:    rcon = 8'h40;
      4'd8:    rcon = 8'h80;
      4'd9:    rcon = 8'h1b;
      4'd10:   rcon = 8'h36;
      default: rcon = 8'h00;
    endcase
  end

  wire [31:0] w0 = key_i[255:224];
  wire [31:0] w1 = key_i[223:192];
  wire [31:0] w2 = key_i[191:160];
  wire [31:0] w3 = key_i[159:128];
  wire [31:0] w4 = key_i[127:96];
  wire [31:0] w5 = key_i[95:64];
  wire [31:0] w6 = key_i[63:32];
  wire [31:0] w7 = key_i[31:0];

  // Offset a of the operand words: 0, 2 or 4.
  wire a0 = decrypt_i ? ~keylen_i[1] & ~keylen_i[0] : keylen_i[1];
  wire a4 = decrypt_i ? keylen_i[1] : ~keylen_i[1] & ~keylen_i[0];

  // X0..X3 = W[a] .. W[a+3].
  wire [31:0] x0 = a0 ? w0 : (a4 ? w4 : w2);
  wire [31:0] x1 = a0 ? w1 : (a4 ? w5 : w3);
  wire [31:0] x2 = a0 ? w2 : (a4 ? w6 : w4);
  wire [31:0] x3 = a0 ? w3 : (a4 ? w7 : w5);

  // w[j-1] of the first new word: forward the newest window word W7;
  // backward W[a-1] (AES-128: w[4q-1] = w[4q+3] ^ w[4q+2], solved first).
  wire [31:0] prev0 = ~decrypt_i ? w7 : (nk8 ? w3 : (nk6 ? w1 : x3 ^ x2));

  // SubWord input: w[j-1] of the non-linear word j.  Third word (AES-192):
  // forward n1 = X1 ^ X0 ^ W7, backward X1.
  wire [31:0] sub_in = ~nl_pos2 ? prev0 : (decrypt_i ? x1 : x1 ^ x0 ^ w7);

  wire [31:0] sub_out;
  genvar i;
  generate
    for (i = 0; i < 4; i = i + 1) begin : g_sub
      aes_sbox u_sbox (
        .in_i  (sub_in[31 - 8 * i -: 8]),
        .out_o (sub_out[31 - 8 * i -: 8])
      );
    end
  endgenerate

  // t_j(w[j-1]) of the non-linear word.
  wire [31:0] t_nl = nl_rot ? ({sub_out[23:0], sub_out[31:24]} ^ {rcon, 24'h0}) : sub_out;
  wire        nl0  = nl_en & ~nl_pos2;
  wire        nl2  = nl_en & nl_pos2;

  // Forward: n0..n3 = w[j], j = 4r+Nk .. 4r+Nk+3.
  wire [31:0] n0 = x0 ^ (nl0 ? t_nl : w7);
  wire [31:0] n1 = x1 ^ n0;
  wire [31:0] n2 = x2 ^ (nl2 ? t_nl : n1);
  wire [31:0] n3 = x3 ^ n2;

  // Backward: p0..p3 = w[j-Nk], j = 4q .. 4q+3.
  wire [31:0] p0 = x0 ^ (nl0 ? t_nl : prev0);
  wire [31:0] p1 = x1 ^ x0;
  wire [31:0] p2 = x2 ^ (nl2 ? t_nl : x1);
  wire [31:0] p3 = x3 ^ x2;

  always @* begin
    key_o = 256'h0;
    rk_o  = 128'h0;
    if (!last) begin
      key_o = decrypt_i ? {p0, p1, p2, p3, w0, w1, w2, w3} : {w4, w5, w6, w7, n0, n1, n2, n3};
      // the same slice as the operands: W[a .. a+3] of the new window
      rk_o  = a0 ? key_o[255:128] : (a4 ? key_o[127:0] : key_o[191:64]);
    end else begin
      // left-aligned, zero padded; round key Nr last, round key 0 first
      if (nk8)
        key_o = key_i;
      else if (nk6)
        key_o = decrypt_i ? {p2, p3, w0, w1, w2, w3, 64'h0} : {w4, w5, w6, w7, n0, n1, 64'h0};
      else
        key_o = decrypt_i ? {p0, p1, p2, p3, 128'h0} : {n0, n1, n2, n3, 128'h0};
      if (decrypt_i)
        rk_o = key_o[255:128];
      else
        rk_o = nk8 ? key_o[127:0] : (nk6 ? key_o[191:64] : key_o[255:128]);
    end
  end

endmodule
`default_nettype wire
