/*
 * Reader for the test-vector files in tests/vectors/ — shared by the HLS
 * C-simulation testbenches, the cmocka unit tests and the RTL testbenches.
 * Owner: H1.  Plain C11 + stdio; no cmocka.
 *
 * Format (NIST .rsp-like), one statement per line:
 *   # comment                      ignored (also after leading blanks)
 *   [SECTION]                      names the blocks that follow
 *   NAME = hexvalue                a field of the current block
 *   (blank line)                   ends the current block
 * NAME is [A-Za-z0-9_]+ and unique inside a block.  A value is free text up
 * to the end of the line (surrounding blanks removed); vec_bytes reads it
 * as an even number of hex digits ("" is zero bytes), vec_uint as a decimal
 * number.  Lines may end in CRLF.
 *
 * Use:
 *   vec_file *f = vec_open_named(dir, "aes.txt");
 *   while ((rc = vec_next(f)) == 1) { vec_bytes(f, "KEY", key, sizeof key, &n); ... }
 *   rc < 0 means malformed input; vec_close(f).
 *
 * Errors: every problem (cannot open, malformed line, missing field, bad
 * hex, value too long for the caller's buffer) is printed to stderr as
 * "path:line: message" and kept for vec_error().  Functions return -1 (or
 * NULL) on error; nothing aborts.
 */
#ifndef ESPFAB_VECTORS_H
#define ESPFAB_VECTORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct vec_file vec_file;

/* Open a vector file by path.  NULL on failure (reason on stderr). */
vec_file *vec_open(const char *path);
/* Open `name` from the first directory that has it: dir (if not NULL), then
 * $ESPFAB_VECTORS, then tests/vectors, then the current directory (where
 * Vitis HLS C simulation copies testbench files).  NULL if none has it. */
vec_file *vec_open_named(const char *dir, const char *name);
void vec_close(vec_file *f);

/* Read the next block.  1: a block is ready; 0: end of file; -1: malformed
 * input or read error (reported). */
int vec_next(vec_file *f);

const char *vec_path(const vec_file *f);
/* Current [SECTION] name without brackets, "" before the first one. */
const char *vec_section(const vec_file *f);
/* Line number of the current block's first field. */
unsigned vec_line(const vec_file *f);
/* Last error message ("" if none). */
const char *vec_error(const vec_file *f);

/* 1 if the current block has field name, else 0. */
int vec_has(const vec_file *f, const char *name);
/* Raw value text of field name, NULL if absent. */
const char *vec_text(const vec_file *f, const char *name);
/* Decode field name as hex into buf[0..cap); *len gets the byte count.
 * 0, or -1 if the field is missing, not hex, or longer than cap (reported
 * with the field's line). */
int vec_bytes(vec_file *f, const char *name, uint8_t *buf, size_t cap, size_t *len);
/* Decode field name as a decimal unsigned number.  0 or -1 (reported). */
int vec_uint(vec_file *f, const char *name, unsigned long *v);

/* Compare n bytes: 0 if got equals want, else -1 after reporting
 * "path:line [SECTION]: what: got <hex> want <hex>" (hex cut after 64 bytes,
 * with the offset of the first difference). */
int vec_check(vec_file *f, const char *what, const uint8_t *got, const uint8_t *want, size_t n);

/* Report a test failure for the current block: prints
 * "path:line [SECTION]: message" to stderr and keeps it for vec_error(). */
void vec_fail(vec_file *f, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#endif
