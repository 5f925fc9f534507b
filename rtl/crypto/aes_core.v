`default_nettype none
// aes_core: AES-128/192/256 block encryption and decryption (FIPS 197)
// with on-the-fly key expansion.
//
// Byte order: byte 0 of a block or key is in the most significant byte
// ([127:120] of a block, [255:248] of a key), the order of FIPS 197.
// 16- and 24-byte keys are left-aligned in in_key_i; the unused low bytes
// are ignored.
//
// Keys: every request carries its key.  Encryption takes the cipher key and
// expands it forward, one round key per round; decryption takes the
// decryption key, the last Nk words of the expanded schedule (AES-128:
// round key 10; AES-192: w[46..51]; AES-256: round keys 13 and 14), and
// expands it backward (aes_key_step).  out_key_o returns the other end of
// the schedule: after encryption the decryption key of in_key_i, after
// decryption the cipher key, left-aligned and zero padded.  Encrypting any
// block once therefore gives the SA setup path its decryption key.
//
// Decryption is the inverse cipher of FIPS 197 section 5.3 (aes_round).
//
// PIPELINED = 1: an input register (initial AddRoundKey) and 14 round
// stages.  All key sizes take the same path: stage k (1..13) runs round k
// of the cipher while k < Nr and passes block and key through unchanged
// otherwise; stage 14 always runs the final round.  in_ready_o is always
// 1, a request is taken every cycle, and the result of a request accepted
// in cycle t has out_valid_o high in cycle t + 15 (latency 15 for every
// key size and direction).  Each stage register holds the block and the
// key window of the next round: a stage takes its round key straight from
// the register and expands the window for the following stage in parallel
// with the round, so the input stage already expands the window of round 1.
//
// PIPELINED = 0: one round unit.  A request accepted in cycle t (in_valid_i
// and in_ready_o high) is processed in cycles t+1 .. t+Nr, one round per
// cycle, with in_ready_o low; out_valid_o is high in cycle t+Nr+1 (latency
// 11, 13, 15 cycles for AES-128/192/256), and in_ready_o is high again in
// that same cycle, so back-to-back requests are served every Nr+1 cycles.
// Each cycle expands the key window first and then runs the round with
// its round key (the pipeline's arrangement, round key from the register,
// would cost this build an extra cycle or a second key-step unit for the
// window of round 1).
//
// Input paths: PIPELINED = 1 has the first key step (one SubWord, about as
// deep as a round stage) and the initial AddRoundKey between the ports and
// the first register, PIPELINED = 0 only the AddRoundKey XOR and key-size
// multiplexers; the requester should drive the inputs from registers.
// Outputs come straight from registers.
//
// There is no output back-pressure: out_valid_o is a one-cycle pulse and
// the outputs are valid only while it is high.  rst_ni (synchronous, active
// low) drops every request in flight and clears the key registers.
// in_keylen_i = 3 is treated as AES-256.
module aes_core #(
  parameter PIPELINED = 1,  // 1: one round per stage, new block every cycle; 0: one round unit, iterates
  parameter TAG_W = 16      // width of the opaque tag carried with each block
) (
  input  wire             clk_i,         // clock
  input  wire             rst_ni,        // synchronous reset, active low
  input  wire             in_valid_i,    // request valid
  output wire             in_ready_o,    // core can take a request
  input  wire             in_decrypt_i,  // 0 encrypt, 1 decrypt
  input  wire [1:0]       in_keylen_i,   // 0: AES-128, 1: AES-192, 2: AES-256
  input  wire [255:0]     in_key_i,      // cipher key (encrypt) or decryption key (decrypt)
  input  wire [127:0]     in_block_i,    // plaintext (encrypt) or ciphertext (decrypt)
  input  wire [TAG_W-1:0] in_tag_i,      // opaque tag, returned with the result
  output wire             out_valid_o,   // one-cycle result pulse, in request order
  output wire [127:0]     out_block_o,   // ciphertext (encrypt) or plaintext (decrypt)
  output wire [255:0]     out_key_o,     // decryption key (after encrypt) or cipher key (after decrypt)
  output wire [TAG_W-1:0] out_tag_o      // in_tag_i of the request
);

  // Number of rounds.
  function [3:0] num_rounds;
    input [1:0] keylen;
    begin
      num_rounds = keylen[1] ? 4'd14 : (keylen[0] ? 4'd12 : 4'd10);
    end
  endfunction

  // The key window of round 0 as aes_key_step expects it: the decryption
  // key left-aligned as it comes, the cipher key right-aligned (words left
  // of it are don't-care; here the key's own first words).
  function [255:0] key_load;
    input [255:0] key;
    input [1:0]   keylen;
    input         decrypt;
    begin
      if (decrypt || keylen[1])
        key_load = key;
      else if (keylen[0])
        key_load = {key[255:192], key[255:64]};
      else
        key_load = {key[255:128], key[255:128]};
    end
  endfunction

  // Round key of the initial AddRoundKey: round key 0 (first four words of
  // the cipher key) or round key Nr (last four words of the decryption key).
  function [127:0] first_rk;
    input [255:0] key;
    input [1:0]   keylen;
    input         decrypt;
    begin
      if (!decrypt)
        first_rk = key[255:128];
      else if (keylen[1])
        first_rk = key[127:0];
      else if (keylen[0])
        first_rk = key[191:64];
      else
        first_rk = key[255:128];
    end
  endfunction

  // Round key of round k from the key window of round k (aes_key_step):
  // words W[b .. b+3] with b = 8-Nk in encryption rounds, Nk-4 in
  // decryption rounds and the final encryption round, 0 in the final
  // decryption round.
  function [127:0] round_key;
    input [255:0] key;
    input [1:0]   keylen;
    input         decrypt;
    input         final_round;
    reg           nk8, nk4, b0, b4;
    begin
      nk8 = keylen[1];
      nk4 = ~keylen[1] & ~keylen[0];
      if (decrypt && final_round) begin
        b0 = 1'b1;
        b4 = 1'b0;
      end else if (decrypt || final_round) begin
        b0 = nk4;
        b4 = nk8;
      end else begin
        b0 = nk8;
        b4 = nk4;
      end
      round_key = b0 ? key[255:128] : (b4 ? key[127:0] : key[191:64]);
    end
  endfunction

  wire [127:0] in_state = in_block_i ^ first_rk(in_key_i, in_keylen_i, in_decrypt_i);
  wire [255:0] in_key   = key_load(in_key_i, in_keylen_i, in_decrypt_i);

  generate
    if (PIPELINED != 0) begin : g_pipe
      localparam integer NS = 15;  // register stages: input + 14 rounds

      // Stage k's registers drive slice k of these buses.
      wire [NS-1:0]       valid_bus;
      wire [NS-1:0]       dec_bus;
      wire [2*NS-1:0]     keylen_bus;
      wire [TAG_W*NS-1:0] tag_bus;
      wire [128*NS-1:0]   state_bus;
      wire [256*NS-1:0]   key_bus;

      // Stage 0: initial AddRoundKey, and the key window of round 1.
      wire [255:0] key1;

      aes_key_step #(
        .ROUND     (1)
      ) u_key_step0 (
        .key_i     (in_key),
        .keylen_i  (in_keylen_i),
        .decrypt_i (in_decrypt_i),
        .round_i   (4'd1),
        .key_o     (key1)
      );

      reg               valid0_q;
      reg               dec0_q;
      reg [1:0]         keylen0_q;
      reg [TAG_W-1:0]   tag0_q;
      reg [127:0]       state0_q;
      reg [255:0]       key0_q;

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          valid0_q <= 1'b0;
          key0_q   <= 256'h0;
        end else begin
          valid0_q <= in_valid_i;
          key0_q   <= key1;
        end
      end

      always @(posedge clk_i) begin
        dec0_q    <= in_decrypt_i;
        keylen0_q <= in_keylen_i;
        tag0_q    <= in_tag_i;
        state0_q  <= in_state;
      end

      assign valid_bus[0]         = valid0_q;
      assign dec_bus[0]           = dec0_q;
      assign keylen_bus[1:0]      = keylen0_q;
      assign tag_bus[TAG_W-1:0]   = tag0_q;
      assign state_bus[127:0]     = state0_q;
      assign key_bus[255:0]       = key0_q;

      genvar k;
      for (k = 1; k < NS; k = k + 1) begin : g_stage
        localparam LAST = (k == NS - 1);   // final round, all key sizes

        wire             v_in   = valid_bus[k-1];
        wire             dec_in = dec_bus[k-1];
        wire [1:0]       kl_in  = keylen_bus[2*(k-1) +: 2];
        wire [TAG_W-1:0] tag_in = tag_bus[TAG_W*(k-1) +: TAG_W];
        wire [127:0]     st_in  = state_bus[128*(k-1) +: 128];
        wire [255:0]     key_in = key_bus[256*(k-1) +: 256];   // window of round k

        // Stage k < 14 runs round k while k < Nr and passes block and key
        // on otherwise; stage 14 runs the final round.
        wire active = LAST ? 1'b1 : (kl_in[1] ? (k < 14) : (kl_in[0] ? (k < 12) : (k < 10)));

        wire [127:0] rk = round_key(key_in, kl_in, dec_in, LAST ? 1'b1 : 1'b0);
        wire [127:0] st_nx;
        wire [255:0] key_nx;

        aes_round #(
          .KIND      (LAST ? 2 : 1)
        ) u_round (
          .state_i   (st_in),
          .rk_i      (rk),
          .decrypt_i (dec_in),
          .final_i   (LAST ? 1'b1 : 1'b0),
          .state_o   (st_nx)
        );

        if (LAST) begin : g_keep
          // The final window is the output key.
          assign key_nx = key_in;
        end else begin : g_step
          aes_key_step #(
            .ROUND     (k + 1)
          ) u_key_step (
            .key_i     (key_in),
            .keylen_i  (kl_in),
            .decrypt_i (dec_in),
            .round_i   (4'd0),
            .key_o     (key_nx)
          );
        end

        reg             valid_q;
        reg             dec_q;
        reg [1:0]       keylen_q;
        reg [TAG_W-1:0] tag_q;
        reg [127:0]     state_q, state_d;
        reg [255:0]     key_q, key_d;

        always @* begin
          state_d = st_in;
          key_d   = key_in;
          if (active) begin
            state_d = st_nx;
            key_d   = key_nx;
          end
        end

        always @(posedge clk_i) begin
          if (!rst_ni) begin
            valid_q <= 1'b0;
            key_q   <= 256'h0;
          end else begin
            valid_q <= v_in;
            key_q   <= key_d;
          end
        end

        always @(posedge clk_i) begin
          dec_q    <= dec_in;
          keylen_q <= kl_in;
          tag_q    <= tag_in;
          state_q  <= state_d;
        end

        assign valid_bus[k]              = valid_q;
        assign dec_bus[k]                = dec_q;
        assign keylen_bus[2*k +: 2]      = keylen_q;
        assign tag_bus[TAG_W*k +: TAG_W] = tag_q;
        assign state_bus[128*k +: 128]   = state_q;
        assign key_bus[256*k +: 256]     = key_q;
      end

      assign in_ready_o  = 1'b1;
      assign out_valid_o = valid_bus[NS-1];
      assign out_block_o = state_bus[128*(NS-1) +: 128];
      assign out_key_o   = key_bus[256*(NS-1) +: 256];
      assign out_tag_o   = tag_bus[TAG_W*(NS-1) +: TAG_W];
      // dec_bus and keylen_bus of the last stage have no reader.
      /* verilator lint_off UNUSEDSIGNAL */
      wire unused_last = dec_bus[NS-1] ^ (^keylen_bus[2*NS-1 -: 2]);
      /* verilator lint_on UNUSEDSIGNAL */
    end else begin : g_iter
      // One round per cycle; ctr_q is the number k of the round being run
      // (1 .. Nr).
      reg             busy_q, busy_d;
      reg             ovalid_q, ovalid_d;
      reg             dec_q, dec_d;
      reg [1:0]       keylen_q, keylen_d;
      reg [3:0]       ctr_q, ctr_d;
      reg [TAG_W-1:0] tag_q, tag_d;
      reg [127:0]     state_q, state_d;
      reg [255:0]     key_q, key_d;

      wire       last   = (ctr_q == num_rounds(keylen_q));
      wire       accept = in_valid_i & ~busy_q;

      // key_q holds the window of round k-1: the step into round k comes
      // first, its window gives the round key.
      wire [255:0] key_nx;
      wire [127:0] st_nx;

      aes_key_step #(
        .ROUND     (0)
      ) u_key_step (
        .key_i     (key_q),
        .keylen_i  (keylen_q),
        .decrypt_i (dec_q),
        .round_i   (ctr_q),
        .key_o     (key_nx)
      );

      wire [127:0] rk = round_key(key_nx, keylen_q, dec_q, last);

      aes_round #(
        .KIND      (0)
      ) u_round (
        .state_i   (state_q),
        .rk_i      (rk),
        .decrypt_i (dec_q),
        .final_i   (last),
        .state_o   (st_nx)
      );

      always @* begin
        busy_d   = busy_q;
        ovalid_d = 1'b0;
        dec_d    = dec_q;
        keylen_d = keylen_q;
        ctr_d    = ctr_q;
        tag_d    = tag_q;
        state_d  = state_q;
        key_d    = key_q;
        if (accept) begin
          busy_d   = 1'b1;
          dec_d    = in_decrypt_i;
          keylen_d = in_keylen_i;
          ctr_d    = 4'd1;
          tag_d    = in_tag_i;
          state_d  = in_state;
          key_d    = in_key;
        end else if (busy_q) begin
          ctr_d   = ctr_q + 4'd1;
          state_d = st_nx;
          key_d   = key_nx;
          if (last) begin
            busy_d   = 1'b0;
            ovalid_d = 1'b1;
          end
        end
      end

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          busy_q   <= 1'b0;
          ovalid_q <= 1'b0;
          key_q    <= 256'h0;
        end else begin
          busy_q   <= busy_d;
          ovalid_q <= ovalid_d;
          key_q    <= key_d;
        end
      end

      always @(posedge clk_i) begin
        dec_q    <= dec_d;
        keylen_q <= keylen_d;
        ctr_q    <= ctr_d;
        tag_q    <= tag_d;
        state_q  <= state_d;
      end

      assign in_ready_o  = ~busy_q;
      assign out_valid_o = ovalid_q;
      assign out_block_o = state_q;
      assign out_key_o   = key_q;
      assign out_tag_o   = tag_q;
    end
  endgenerate

endmodule
`default_nettype wire
