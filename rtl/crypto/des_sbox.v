// des_sbox — the substitution layer of the DES round function: the eight
// S-boxes S1..S8 of FIPS 46-3 side by side (pure combinational logic).
//
// Bit order: FIPS numbering, bit 1 is the most significant.  x_i holds the 48
// bits E(R) xor K, S1's six input bits in [47:42] down to S8's in [5:0]; y_o
// holds the 32 S-box outputs, S1's four bits in [31:28] down to S8's in [3:0].
// For input bits b1..b6 of one S-box, the FIPS table row is b1 b6 and the
// column b2 b3 b4 b5.
//
// Each table below is the FIPS 46-3 table written row by row, one 64-bit
// constant per row, column 0 in the most significant hex digit.  Synthesis
// turns each 64x4 lookup into four 6-input functions (one LUT6 each).
`default_nettype none

module des_sbox (
  input  wire [47:0] x_i,  // S1 input in [47:42] ... S8 input in [5:0]
  output wire [31:0] y_o   // S1 output in [31:28] ... S8 output in [3:0]
);

  localparam [255:0] S1 = {64'he4d12fb83a6c5907, 64'h0f74e2d1a6cb9538,
                           64'h41e8d62bfc973a50, 64'hfc8249175b3ea06d};
  localparam [255:0] S2 = {64'hf18e6b34972dc05a, 64'h3d47f28ec01a69b5,
                           64'h0e7ba4d158c6932f, 64'hd8a13f42b67c05e9};
  localparam [255:0] S3 = {64'ha09e63f51dc7b428, 64'hd709346a285ecbf1,
                           64'hd6498f30b12c5ae7, 64'h1ad069874fe3b52c};
  localparam [255:0] S4 = {64'h7de3069a1285bc4f, 64'hd8b56f03472c1ae9,
                           64'ha690cb7df13e5284, 64'h3f06a1d8945bc72e};
  localparam [255:0] S5 = {64'h2c417ab6853fd0e9, 64'heb2c47d150fa3986,
                           64'h421bad78f9c5630e, 64'hb8c71e2d6f09a453};
  localparam [255:0] S6 = {64'hc1af92680d34e75b, 64'haf427c9561de0b38,
                           64'h9ef528c3704a1db6, 64'h432c95fabe17608d};
  localparam [255:0] S7 = {64'h4b2ef08d3c975a61, 64'hd0b7491ae35c2f86,
                           64'h14bdc37eaf680592, 64'h6bd814a7950fe23c};
  localparam [255:0] S8 = {64'hd2846fb1a93e50c7, 64'h1fd8a374c56b0e92,
                           64'h7b419ce206adf358, 64'h21e74a8dfc90356b};

  // Entry (row, column) of a table written as above: entry n = 16*row + col
  // sits in hex digit n counted from the most significant end, i.e. at bit
  // offset 4*(63-n); 63-n is ~n for a 6-bit n.
  function [3:0] lookup;
    input [255:0] tbl;
    input [5:0]   b;  // b1..b6 in [5:0], b1 most significant
    reg   [5:0]   n;
    begin
      n = {b[5], b[0], b[4:1]};
      lookup = tbl[{~n, 2'b00} +: 4];
    end
  endfunction

  assign y_o = {lookup(S1, x_i[47:42]), lookup(S2, x_i[41:36]),
                lookup(S3, x_i[35:30]), lookup(S4, x_i[29:24]),
                lookup(S5, x_i[23:18]), lookup(S6, x_i[17:12]),
                lookup(S7, x_i[11:6]),  lookup(S8, x_i[5:0])};

endmodule

`default_nettype wire
