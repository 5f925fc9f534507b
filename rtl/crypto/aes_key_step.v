`default_nettype none
// aes_key_step: one on-the-fly step of the AES key expansion (FIPS 197
// section 5.2), forward for encryption or backward for decryption, from the
// key window of one round to that of the next.  Combinational.
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
// the solved words).  The round key of a middle round is the same slice
// W[a .. a+3] of its window (aes_core picks it).
//
// Round k of Nr (k = 1 .. Nr) uses round key k (encryption) or Nr-k
// (decryption).  key_i is the window of round k-1 (for k = 1: the cipher
// key right-aligned, or the decryption key as it is), key_o that of round
// k.  The step into the final round (k = Nr) moves the window by 8-Nk words
// instead (AES-128: four, AES-192: two, AES-256: none) and leaves it
// left-aligned and zero padded: after encryption it is the decryption key
// w[4Nr+4-Nk .. 4Nr+3], after decryption the cipher key w[0 .. Nk-1].  The
// final round key is its last four words (encryption, round key Nr) or its
// first four (decryption, round key 0).  Steps into rounds beyond Nr (a
// fixed ROUND > Nr) give don't-care windows.
//
// keylen_i = 3 is treated as AES-256.
module aes_key_step #(
  parameter ROUND = 0  // 0: round_i gives k; 1..14: fixed k (the final round if k = Nr)
) (
  input  wire [255:0] key_i,      // key window of round k-1 (see above for the alignment)
  input  wire [1:0]   keylen_i,   // 0: AES-128, 1: AES-192, 2 (or 3): AES-256
  input  wire         decrypt_i,  // 0: step forward, 1: step backward
  input  wire [3:0]   round_i,    // k, 1 .. Nr (used only when ROUND = 0)
  output reg  [255:0] key_o       // key window of round k
);

  wire nk8 = keylen_i[1];
  wire nk6 = ~keylen_i[1] & keylen_i[0];

  // last: round k is the final round.  step: index of the step into round
  // k, r = k-1 forward (key_i = w[4r .. 4r+Nk-1]) or q = Nr-k+1 backward
  // (key_i = w[4q+4-Nk .. 4q+3]).  For a fixed ROUND both are constants
  // selected by key size and direction (no arithmetic left for synthesis).
  wire       last;
  wire [3:0] step;
  generate
    if (ROUND == 0) begin : g_var
      wire [3:0] nr = nk8 ? 4'd14 : (nk6 ? 4'd12 : 4'd10);
      assign last = (round_i == nr);
      assign step = decrypt_i ? nr - round_i + 4'd1 : round_i - 4'd1;
    end else begin : g_fixed
      // r = k-1 and q = Nr+1-k, modulo 16 (don't-care for k > Nr)
      localparam integer R  = (ROUND + 15) % 16;
      localparam integer Q4 = (27 - ROUND) % 16;
      localparam integer Q6 = (29 - ROUND) % 16;
      localparam integer Q8 = (31 - ROUND) % 16;
      assign last = nk8 ? (ROUND == 14) : (nk6 ? (ROUND == 12) : (ROUND == 10));
      assign step = ~decrypt_i ? R[3:0] : (nk8 ? Q8[3:0] : (nk6 ? Q6[3:0] : Q4[3:0]));
      // round_i has no reader when ROUND fixes the round.
      /* verilator lint_off UNUSEDSIGNAL */
      wire [3:0] unused_round = round_i;
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate

  // Rcon[i] (FIPS 197 section 5.2), Rcon[i+1] = {02} * Rcon[i]; entry 0 is
  // {02}^-1 = 8d so that the rule also gives Rcon[1].  (The argument is
  // named rcon_idx: a plain i is reported by the linter as hiding the
  // integer i of a module that includes this one.)
  function [7:0] rcon_of;
    input [3:0] rcon_idx;
    begin
      case (rcon_idx)
        4'd0:    rcon_of = 8'h8d;
        4'd1:    rcon_of = 8'h01;
        4'd2:    rcon_of = 8'h02;
        4'd3:    rcon_of = 8'h04;
        4'd4:    rcon_of = 8'h08;
        4'd5:    rcon_of = 8'h10;
        4'd6:    rcon_of = 8'h20;
        4'd7:    rcon_of = 8'h40;
        4'd8:    rcon_of = 8'h80;
        4'd9:    rcon_of = 8'h1b;
        4'd10:   rcon_of = 8'h36;
        default: rcon_of = 8'h00;
      endcase
    end
  endfunction

  function [7:0] xtime;
    input [7:0] b;
    begin
      xtime = {b[6:0], 1'b0} ^ (8'h1b & {8{b[7]}});
    end
  endfunction

  // Where the one non-linear word of this step is and what it needs:
  //   nl_en    a word of the step uses SubWord at all
  //   nl_pos2  it is the third new word (AES-192 only) instead of the first
  //   nl_rot   RotWord and Rcon apply (j % Nk == 0), else SubWord only
  //   rcon     Rcon[j/Nk]
  reg       nl_en, nl_pos2, nl_rot;
  reg [7:0] rcon;

  always @* begin
    nl_en   = 1'b1;
    nl_pos2 = 1'b0;
    nl_rot  = 1'b1;
    rcon    = 8'h00;
    if (nk8) begin
      // j = 4r+8 (forward) or 4q (backward): j % 8 is 0 for even r/q
      // (Rcon[r/2+1] or Rcon[q/2]) and 4 for odd (SubWord only).
      nl_rot = ~step[0];
      rcon   = decrypt_i ? rcon_of({1'b0, step[3:1]}) : xtime(rcon_of({1'b0, step[3:1]}));
    end else if (nk6) begin
      // Four consecutive j hold at most one multiple of 6; the pattern
      // repeats every three rounds.
      if (!decrypt_i) begin
        case (step)       // new words j = 4r+6 .. 4r+9
          4'd0:    begin rcon = 8'h01;                  end
          4'd1:    begin rcon = 8'h02; nl_pos2 = 1'b1; end
          4'd3:    begin rcon = 8'h04;                  end
          4'd4:    begin rcon = 8'h08; nl_pos2 = 1'b1; end
          4'd6:    begin rcon = 8'h10;                  end
          4'd7:    begin rcon = 8'h20; nl_pos2 = 1'b1; end
          4'd9:    begin rcon = 8'h40;                  end
          4'd10:   begin rcon = 8'h80; nl_pos2 = 1'b1; end
          default: nl_en = 1'b0;
        endcase
      end else begin
        case (step)       // solved words j = 4q .. 4q+3
          4'd1:    begin rcon = 8'h01; nl_pos2 = 1'b1; end
          4'd3:    begin rcon = 8'h02;                  end
          4'd4:    begin rcon = 8'h04; nl_pos2 = 1'b1; end
          4'd6:    begin rcon = 8'h08;                  end
          4'd7:    begin rcon = 8'h10; nl_pos2 = 1'b1; end
          4'd9:    begin rcon = 8'h20;                  end
          4'd10:   begin rcon = 8'h40; nl_pos2 = 1'b1; end
          4'd12:   begin rcon = 8'h80;                  end
          default: nl_en = 1'b0;
        endcase
      end
    end else begin
      // AES-128: j = 4r+4 forward (Rcon[r+1]), 4q backward (Rcon[q]).
      rcon = decrypt_i ? rcon_of(step) : xtime(rcon_of(step));
    end
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
    if (!last) begin
      key_o = decrypt_i ? {p0, p1, p2, p3, w0, w1, w2, w3} : {w4, w5, w6, w7, n0, n1, n2, n3};
    end else begin
      // left-aligned, zero padded
      if (nk8)
        key_o = key_i;
      else if (nk6)
        key_o = decrypt_i ? {p2, p3, w0, w1, w2, w3, 64'h0} : {w4, w5, w6, w7, n0, n1, 64'h0};
      else
        key_o = decrypt_i ? {p0, p1, p2, p3, 128'h0} : {n0, n1, n2, n3, 128'h0};
    end
  end

endmodule
`default_nettype wire
