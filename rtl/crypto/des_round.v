// des_round — one DES round (FIPS 46-3), pure combinational logic:
//   L(i) = R(i-1),  R(i) = L(i-1) xor P(S(E(R(i-1)) xor PC2(C(i) D(i)))).
//
// The caller supplies C(i) D(i) already rotated for this round (left shifts
// for encryption, right shifts for decryption); PC2 is applied here, so the
// key schedule costs no logic beyond the rotation choice in the caller.
//
// Bit order: FIPS numbering, bit 1 is the most significant bit of each
// vector (bit n of a W-bit vector x is x[W-n]; the tables below are the
// FIPS tables written in that form).
`default_nettype none

module des_round (
  input  wire [31:0] l_i,   // L(i-1)
  input  wire [31:0] r_i,   // R(i-1)
  input  wire [55:0] cd_i,  // C(i) in [55:28], D(i) in [27:0] (56 bits after PC1 and rotation)
  output wire [31:0] l_o,   // L(i)
  output wire [31:0] r_o    // R(i)
);

  // Expansion E: 32 -> 48 bits.
  function [47:0] e;
    input [31:0] x;
    e = {x[32-32], x[32-1], x[32-2], x[32-3], x[32-4], x[32-5],
         x[32-4], x[32-5], x[32-6], x[32-7], x[32-8], x[32-9],
         x[32-8], x[32-9], x[32-10], x[32-11], x[32-12], x[32-13],
         x[32-12], x[32-13], x[32-14], x[32-15], x[32-16], x[32-17],
         x[32-16], x[32-17], x[32-18], x[32-19], x[32-20], x[32-21],
         x[32-20], x[32-21], x[32-22], x[32-23], x[32-24], x[32-25],
         x[32-24], x[32-25], x[32-26], x[32-27], x[32-28], x[32-29],
         x[32-28], x[32-29], x[32-30], x[32-31], x[32-32], x[32-1]};
  endfunction

  // Permutation P of the S-box outputs.
  function [31:0] p;
    input [31:0] x;
    p = {x[32-16], x[32-7], x[32-20], x[32-21],
         x[32-29], x[32-12], x[32-28], x[32-17],
         x[32-1], x[32-15], x[32-23], x[32-26],
         x[32-5], x[32-18], x[32-31], x[32-10],
         x[32-2], x[32-8], x[32-24], x[32-14],
         x[32-32], x[32-27], x[32-3], x[32-9],
         x[32-19], x[32-13], x[32-30], x[32-6],
         x[32-22], x[32-11], x[32-4], x[32-25]};
  endfunction

  // Permuted choice 2: 56 -> 48 bits, the round subkey K(i).  PC2 drops
  // bits 9, 18, 22, 25, 35, 38, 43 and 54 of C D.
  wire [47:0] k = {cd_i[56-14], cd_i[56-17], cd_i[56-11], cd_i[56-24], cd_i[56-1], cd_i[56-5],
                   cd_i[56-3], cd_i[56-28], cd_i[56-15], cd_i[56-6], cd_i[56-21], cd_i[56-10],
                   cd_i[56-23], cd_i[56-19], cd_i[56-12], cd_i[56-4], cd_i[56-26], cd_i[56-8],
                   cd_i[56-16], cd_i[56-7], cd_i[56-27], cd_i[56-20], cd_i[56-13], cd_i[56-2],
                   cd_i[56-41], cd_i[56-52], cd_i[56-31], cd_i[56-37], cd_i[56-47], cd_i[56-55],
                   cd_i[56-30], cd_i[56-40], cd_i[56-51], cd_i[56-45], cd_i[56-33], cd_i[56-48],
                   cd_i[56-44], cd_i[56-49], cd_i[56-39], cd_i[56-56], cd_i[56-34], cd_i[56-53],
                   cd_i[56-46], cd_i[56-42], cd_i[56-50], cd_i[56-36], cd_i[56-29], cd_i[56-32]};
  wire unused_cd = ^{cd_i[56-9], cd_i[56-18], cd_i[56-22], cd_i[56-25],
                     cd_i[56-35], cd_i[56-38], cd_i[56-43], cd_i[56-54]};

  wire [31:0] s;

  des_sbox u_sbox (
    .x_i (e(r_i) ^ k),
    .y_o (s)
  );

  assign l_o = r_i;
  assign r_o = l_i ^ p(s);

endmodule

`default_nettype wire
