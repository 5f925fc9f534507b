// des_core — DES and 3DES-EDE block cipher (FIPS 46-3, SP 800-67), one
// 64-bit block per request, keys scheduled on the fly from the key carried
// with the block.  The HLS model hls/des/des.c is the golden reference.
//
// Byte order: byte 0 of a block or key is in the most significant byte of
// its bus; within it FIPS bit 1 is the most significant bit.  in_key_i holds
// K1 in [191:128], K2 in [127:64], K3 in [63:0]; parity bits (the least
// significant bit of every key byte) are ignored.  Single DES (in_triple_i
// = 0) uses K1 only; K2 and K3 are don't-care.  3DES encryption is
// E_K3(D_K2(E_K1(x))), decryption D_K1(E_K2(D_K3(x))); the two-key form is
// K3 = K1, set up by the driver.
//
// Key schedule: PC1 is wiring at the input; the 56-bit C D of each key is
// carried with the block; each round derives its subkey by rotating C and D
// (left for an encryption pass, right for a decryption pass) and PC2, which
// is wiring too.  There is no key RAM and no precomputed schedule.
//
// PIPELINED = 1 (fully unrolled, 48 round stages, in_ready_o always 1):
//   A new request may enter every cycle.  Every request runs as EDE through
//   all 48 stages; single DES runs with K1 = K2 = K3, which equals DES with
//   K1 (E_K1(D_K1(E_K1(x))) = E_K1(x)), so DES and 3DES share one fixed
//   latency: a request accepted in cycle t has out_valid_o high in cycle
//   t + 48.  Round 1 is computed from the input ports and registered in the
//   first stage; the last stage register drives the outputs (FP is wiring).
//   Each stage carries the C D of its pass as loaded (unrotated) and applies
//   the pass's cumulative rotation for its round as fixed wiring, choosing
//   between the encryption and decryption rotation with the block's
//   direction bit.  Keys of later passes ride along until their pass.  The
//   key registers of a stage load zero when no request enters it (reset
//   empties every stage, the keys follow a cycle later), so no key material
//   stays in the pipeline once traffic has drained.
//
// PIPELINED = 0 (one round unit, iterates):
//   One request at a time; in_ready_o is high when idle and in the cycle the
//   result is presented (a new request may be accepted in that cycle).  The
//   accepting cycle already computes round 1, then one round per cycle: a
//   request accepted in cycle t has out_valid_o high in cycle t + 16 (DES)
//   or t + 48 (3DES), so back-to-back requests run every 16 or 48 cycles.
//   The C D register holds the rotated key of the next round; later keys
//   wait in two registers.  All key registers are cleared on reset and when
//   the core goes idle.  out_block_o and out_tag_o are only meaningful
//   while out_valid_o is high.
//
// No output back-pressure (docs/rtl-conventions.md): every result is
// presented for exactly one cycle, in request order, with its tag.  Reset
// (synchronous) drops every request in flight; a request offered while
// rst_ni is low is not accepted.
`default_nettype none

module des_core #(
  parameter PIPELINED = 1,  // 1: one round per stage (48 stages), a new block every cycle; 0: one round unit, iterates
  parameter TAG_W = 16      // width of the opaque tag carried with each block
) (
  input  wire              clk_i,
  input  wire              rst_ni,        // synchronous, active low
  input  wire              in_valid_i,
  output wire              in_ready_o,
  input  wire              in_decrypt_i,  // 0 encrypt, 1 decrypt
  input  wire              in_triple_i,   // 0: single DES with K1; 1: 3DES-EDE
  input  wire [191:0]      in_key_i,      // K1 [191:128], K2 [127:64], K3 [63:0]; byte 0 most significant
  input  wire [63:0]       in_block_i,    // byte 0 in [63:56]
  input  wire [TAG_W-1:0]  in_tag_i,
  output wire              out_valid_o,
  output wire [63:0]       out_block_o,
  output wire [TAG_W-1:0]  out_tag_o
);

  // ---------------------------------------------------------------------
  // Bit permutations (FIPS 46-3 tables; bit n of a W-bit vector is x[W-n])

  // Initial permutation.
  function [63:0] ip;
    input [63:0] x;
    ip = {x[64-58], x[64-50], x[64-42], x[64-34], x[64-26], x[64-18], x[64-10], x[64-2],
          x[64-60], x[64-52], x[64-44], x[64-36], x[64-28], x[64-20], x[64-12], x[64-4],
          x[64-62], x[64-54], x[64-46], x[64-38], x[64-30], x[64-22], x[64-14], x[64-6],
          x[64-64], x[64-56], x[64-48], x[64-40], x[64-32], x[64-24], x[64-16], x[64-8],
          x[64-57], x[64-49], x[64-41], x[64-33], x[64-25], x[64-17], x[64-9],  x[64-1],
          x[64-59], x[64-51], x[64-43], x[64-35], x[64-27], x[64-19], x[64-11], x[64-3],
          x[64-61], x[64-53], x[64-45], x[64-37], x[64-29], x[64-21], x[64-13], x[64-5],
          x[64-63], x[64-55], x[64-47], x[64-39], x[64-31], x[64-23], x[64-15], x[64-7]};
  endfunction

  // Final permutation, the inverse of IP.
  function [63:0] fp;
    input [63:0] x;
    fp = {x[64-40], x[64-8], x[64-48], x[64-16], x[64-56], x[64-24], x[64-64], x[64-32],
          x[64-39], x[64-7], x[64-47], x[64-15], x[64-55], x[64-23], x[64-63], x[64-31],
          x[64-38], x[64-6], x[64-46], x[64-14], x[64-54], x[64-22], x[64-62], x[64-30],
          x[64-37], x[64-5], x[64-45], x[64-13], x[64-53], x[64-21], x[64-61], x[64-29],
          x[64-36], x[64-4], x[64-44], x[64-12], x[64-52], x[64-20], x[64-60], x[64-28],
          x[64-35], x[64-3], x[64-43], x[64-11], x[64-51], x[64-19], x[64-59], x[64-27],
          x[64-34], x[64-2], x[64-42], x[64-10], x[64-50], x[64-18], x[64-58], x[64-26],
          x[64-33], x[64-1], x[64-41], x[64-9],  x[64-49], x[64-17], x[64-57], x[64-25]};
  endfunction

  // Permuted choice 1: C0 in [55:28], D0 in [27:0].  The eight parity bits
  // (key bits 8, 16, ..., 64) are not part of the key.
  function [55:0] pc1;
    input [63:0] x;
    reg unused_parity;
    begin
      unused_parity = ^{x[64-8], x[64-16], x[64-24], x[64-32],
                        x[64-40], x[64-48], x[64-56], x[64-64]};
      pc1 = {x[64-57], x[64-49], x[64-41], x[64-33], x[64-25], x[64-17], x[64-9],
             x[64-1],  x[64-58], x[64-50], x[64-42], x[64-34], x[64-26], x[64-18],
             x[64-10], x[64-2],  x[64-59], x[64-51], x[64-43], x[64-35], x[64-27],
             x[64-19], x[64-11], x[64-3],  x[64-60], x[64-52], x[64-44], x[64-36],
             x[64-63], x[64-55], x[64-47], x[64-39], x[64-31], x[64-23], x[64-15],
             x[64-7],  x[64-62], x[64-54], x[64-46], x[64-38], x[64-30], x[64-22],
             x[64-14], x[64-6],  x[64-61], x[64-53], x[64-45], x[64-37], x[64-29],
             x[64-21], x[64-13], x[64-5],  x[64-28], x[64-20], x[64-12], x[64-4]};
    end
  endfunction

  // Rotate C and D (28 bits each) left by n (0..28).
  function [55:0] rotl_cd;
    input [55:0] cd;
    input [4:0]  n;
    reg   [27:0] c, d;
    begin
      c = cd[55:28];
      d = cd[27:0];
      c = (c << n) | (c >> (5'd28 - n));
      d = (d << n) | (d >> (5'd28 - n));
      rotl_cd = {c, d};
    end
  endfunction

  // Rotate C and D right by n (0..28).
  function [55:0] rotr_cd;
    input [55:0] cd;
    input [4:0]  n;
    begin
      rotr_cd = rotl_cd(cd, 5'd28 - n);
    end
  endfunction

  // C D of the three keys, and the plaintext/ciphertext after IP.
  wire [55:0] cd1 = pc1(in_key_i[191:128]);
  wire [55:0] cd2 = pc1(in_key_i[127:64]);
  wire [55:0] cd3 = pc1(in_key_i[63:0]);
  wire [63:0] blk_ip = ip(in_block_i);

  generate
    if (PIPELINED != 0) begin : g_pipe
      // -----------------------------------------------------------------
      // Fully unrolled: stage s (0..47) computes round s+1 of the EDE chain
      // (pass s/16, round s%16 of that pass) and registers it in slot s.
      localparam integer STAGES = 48;
      localparam integer KW = 3 * 56;  // keys carried: current pass in [167:112], then the next ones

      // Cumulative left rotation of C D for the subkey of round i (0..15)
      // of an encryption pass (FIPS shifts 1,1,2,2,2,2,2,2,1,2,2,2,2,2,2,1),
      // packed 5 bits per round, round 0 in the least significant bits.
      // A decryption pass uses round 15-i's subkey, i.e. this rotation of
      // entry 15-i (28 = 0: round 0 of a decryption pass uses C0 D0).
      localparam [79:0] CUM_ROT = {5'd28, 5'd27, 5'd25, 5'd23, 5'd21, 5'd19, 5'd17, 5'd15,
                                   5'd14, 5'd12, 5'd10, 5'd8,  5'd6,  5'd4,  5'd2,  5'd1};

      // Keys in the order the passes use them; single DES runs EDE with K1
      // three times.
      wire [KW-1:0] keys_in = !in_triple_i ? {cd1, cd1, cd1}
                            : in_decrypt_i ? {cd3, cd2, cd1}
                            :                {cd1, cd2, cd3};

      // Stage registers.  Slot s holds the output of stage s; keys are not
      // needed after the last stage, directions not in the last slot.
      reg  [STAGES-1:0]          empty_q;   // slot holds no request (inverted valid bit)
      reg  [STAGES-2:0]          dec_q;
      reg  [STAGES*64-1:0]       blk_q;
      reg  [STAGES*TAG_W-1:0]    tag_q;
      reg  [(STAGES-1)*KW-1:0]   key_q;
      wire [STAGES-1:0]          empty_d;
      wire [STAGES-2:0]          dec_d;
      wire [STAGES*64-1:0]       blk_d;
      wire [STAGES*TAG_W-1:0]    tag_d;
      wire [(STAGES-1)*KW-1:0]   key_d;

      // Stage inputs: element 0 is the request ports, element s the output
      // of slot s-1.
      wire [STAGES-1:0]          empty_in = {empty_q[STAGES-2:0], !in_valid_i};
      wire [STAGES-1:0]          dec_in   = {dec_q, in_decrypt_i};
      wire [STAGES*64-1:0]       blk_in   = {blk_q[(STAGES-1)*64-1:0], blk_ip};
      wire [STAGES*TAG_W-1:0]    tag_in   = {tag_q[(STAGES-1)*TAG_W-1:0], in_tag_i};
      wire [STAGES*KW-1:0]       key_in   = {key_q, keys_in};

      genvar s;
      for (s = 0; s < STAGES; s = s + 1) begin : g_stage
        localparam integer PASS = s / 16;
        localparam integer RND = s % 16;
        localparam [4:0] ROT_E = CUM_ROT[5*RND +: 5];
        localparam [4:0] ROT_D = CUM_ROT[5*(15-RND) +: 5];
        // The middle pass runs in the opposite direction.
        localparam [0:0] FLIP = (PASS == 1) ? 1'b1 : 1'b0;

        wire        dir_dec = dec_in[s] ^ FLIP;
        wire [55:0] cd      = key_in[s*KW + 112 +: 56];
        wire [31:0] l_o, r_o;

        des_round u_round (
          .l_i  (blk_in[s*64 + 32 +: 32]),
          .r_i  (blk_in[s*64 +: 32]),
          .cd_i (dir_dec ? rotl_cd(cd, ROT_D) : rotl_cd(cd, ROT_E)),
          .l_o  (l_o),
          .r_o  (r_o)
        );

        // After the 16th round of a pass the halves are exchanged: the
        // pre-output block R16 L16 is the next pass's input (FP and IP
        // between passes cancel) or, after the last pass, FP's input.
        assign blk_d[s*64 +: 64]       = (RND == 15) ? {r_o, l_o} : {l_o, r_o};
        assign empty_d[s]              = empty_in[s];
        assign tag_d[s*TAG_W +: TAG_W] = tag_in[s*TAG_W +: TAG_W];

        if (s < STAGES - 1) begin : g_carry
          // At a pass boundary the next pass's key moves to the front.
          wire [KW-1:0] key_next = (RND == 15) ? {key_in[s*KW +: 112], 56'd0}
                                               : key_in[s*KW +: KW];
          assign dec_d[s]            = dec_in[s];
          // Explicit clear: a slot no request enters loads zero.  Reset
          // empties the slots, so the key slots follow on the next cycle.
          // (The empty flag is stored active high so that it drives the
          // flip-flops' synchronous reset pins directly.)
          assign key_d[s*KW +: KW]   = empty_in[s] ? {KW{1'b0}} : key_next;
        end else begin : g_last
          // The last stage only uses its own pass key.
          wire unused_key_tail = ^key_in[s*KW +: 112];
        end
      end

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          empty_q <= {STAGES{1'b1}};
        end else begin
          empty_q <= empty_d;
        end
      end

      always @(posedge clk_i) begin
        key_q <= key_d;
        dec_q <= dec_d;
        blk_q <= blk_d;
        tag_q <= tag_d;
      end

      assign in_ready_o  = 1'b1;
      assign out_valid_o = !empty_q[STAGES-1];
      assign out_block_o = fp(blk_q[(STAGES-1)*64 +: 64]);
      assign out_tag_o   = tag_q[(STAGES-1)*TAG_W +: TAG_W];

    end else begin : g_iter
      // -----------------------------------------------------------------
      // Iterative: one des_round, one round per cycle.

      reg              busy_q, busy_d;      // a request is in progress
      reg  [5:0]       cnt_q, cnt_d;        // rounds done (1..48) while busy
      reg              triple_q, triple_d;  // 48 rounds instead of 16
      reg              dir_q, dir_d;        // direction of the current pass: 1 decrypt
      reg  [63:0]      blk_q, blk_d;        // L R after the last round (R L after a pass)
      reg  [TAG_W-1:0] tag_q, tag_d;
      reg  [55:0]      cd_q, cd_d;          // C D rotated for the next round
      reg  [55:0]      kb_q, kb_d;          // C D of the next pass's key
      reg  [55:0]      kc_q, kc_d;          // C D of the pass after that

      wire done = busy_q && (cnt_q == (triple_q ? 6'd48 : 6'd16));
      assign in_ready_o = !busy_q || done;

      // Operands of the round computed this cycle: round 1 of a new request
      // straight from the ports when ready, else the next round of the
      // request in progress.
      wire [55:0] cd_first = in_triple_i && in_decrypt_i ? cd3 : cd1;
      wire [55:0] cd_use   = in_ready_o ? (in_decrypt_i ? cd_first : rotl_cd(cd_first, 5'd1)) : cd_q;
      wire [63:0] blk_use  = in_ready_o ? blk_ip : blk_q;
      wire        start    = in_ready_o && in_valid_i;
      wire [3:0]  rnd      = cnt_q[3:0];  // round within the pass while busy

      wire [31:0] l_o, r_o;

      des_round u_round (
        .l_i  (blk_use[63:32]),
        .r_i  (blk_use[31:0]),
        .cd_i (cd_use),
        .l_o  (l_o),
        .r_o  (r_o)
      );

      always @* begin
        busy_d   = busy_q;
        cnt_d    = cnt_q;
        triple_d = triple_q;
        dir_d    = dir_q;
        blk_d    = blk_q;
        tag_d    = tag_q;
        cd_d     = cd_q;
        kb_d     = kb_q;
        kc_d     = kc_q;
        if (start) begin
          // Round 1 of a new request.  Round 2 rotates by one more position
          // (left: 2 in all; right: 1).
          busy_d   = 1'b1;
          cnt_d    = 6'd1;
          triple_d = in_triple_i;
          dir_d    = in_decrypt_i;
          tag_d    = in_tag_i;
          blk_d    = {l_o, r_o};
          cd_d     = in_decrypt_i ? rotr_cd(cd_first, 5'd1) : rotl_cd(cd_first, 5'd2);
          kb_d     = in_triple_i ? cd2 : 56'd0;
          kc_d     = !in_triple_i ? 56'd0 : in_decrypt_i ? cd1 : cd3;
        end else if (busy_q && !done) begin
          cnt_d = cnt_q + 6'd1;
          if (rnd == 4'd15) begin
            // End of a pass: exchange the halves, start the next key in the
            // other direction (its first round rotates left by 1 when
            // encrypting, not at all when decrypting).
            blk_d = {r_o, l_o};
            dir_d = !dir_q;
            cd_d  = dir_q ? rotl_cd(kb_q, 5'd1) : kb_q;
            kb_d  = kc_q;
            kc_d  = 56'd0;
          end else begin
            // Rotation before round index rnd+1 of the pass: one position
            // before indexes 1, 8 and 15, else two; to the right when
            // decrypting.
            blk_d = {l_o, r_o};
            if (rnd == 4'd0 || rnd == 4'd7 || rnd == 4'd14)
              cd_d = dir_q ? rotr_cd(cd_q, 5'd1) : rotl_cd(cd_q, 5'd1);
            else
              cd_d = dir_q ? rotr_cd(cd_q, 5'd2) : rotl_cd(cd_q, 5'd2);
          end
        end else begin
          // Idle, or the result is being presented and nothing follows:
          // forget the keys.
          busy_d = 1'b0;
          cnt_d  = 6'd0;
          cd_d   = 56'd0;
          kb_d   = 56'd0;
          kc_d   = 56'd0;
        end
      end

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          busy_q <= 1'b0;
          cnt_q  <= 6'd0;
          cd_q   <= 56'd0;
          kb_q   <= 56'd0;
          kc_q   <= 56'd0;
        end else begin
          busy_q <= busy_d;
          cnt_q  <= cnt_d;
          cd_q   <= cd_d;
          kb_q   <= kb_d;
          kc_q   <= kc_d;
        end
      end

      always @(posedge clk_i) begin
        triple_q <= triple_d;
        dir_q    <= dir_d;
        blk_q    <= blk_d;
        tag_q    <= tag_d;
      end

      assign out_valid_o = done;
      assign out_block_o = fp(blk_q);
      assign out_tag_o   = tag_q;
    end
  endgenerate

endmodule

`default_nettype wire
