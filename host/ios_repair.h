/*
 * The technote repair pre-pass: configurations copied out of Cisco technotes
 * (and their translations) whose `show running-config` text was damaged by
 * HTML conversion.  The rules, the warnings and what stays an error are in
 * docs/ios-config.md, "Configurations copied from technotes".
 *
 *   ios_doc src, fixed; ios_diags d = {0}; ios_config *cfg;
 *   ios_doc_read_file(&src, path, err, sizeof err);
 *   ios_repair_doc(&src, &fixed, &d);          // warnings: what was guessed
 *   ios_config_parse_doc(&fixed, &cfg, &d);    // as usual
 *
 * The repaired document keeps source line numbers: a command rebuilt from
 * lines 124 and 125 is line 124, a command split off line 57 is line 57, so
 * every diagnostic of the parser points at text the operator can see.
 *
 * Every repair adds a warning naming FILE:LINE and what was done.  Where the
 * text admits more than one reading the pass adds an error and repairs
 * nothing there.  Key material is never echoed (at most the words up to a
 * `key`, `password` or `secret`).
 *
 * Ownership: *out is the caller's (ios_doc_free(), which wipes the texts).
 */
#ifndef ESPFAB_HOST_IOS_REPAIR_H
#define ESPFAB_HOST_IOS_REPAIR_H

#include "ios_config.h"
#include "ios_doc.h"

/* Repair in into *out (initialised here).  0, or -1 when out of memory
 * (*out is then empty).  Diagnostics are appended to d; d->errors grows when
 * a line was ambiguous. */
int ios_repair_doc(const ios_doc *in, ios_doc *out, ios_diags *d);

/* ios_config_load_file() with the repair pass in front: read, repair, parse.
 * -1 and no model when the repair or the parser found an error. */
int ios_config_load_file_technote(const char *path, ios_config **out, ios_diags *d);
/* The same from a string (tests). */
int ios_config_parse_string_technote(const char *name, const char *text, ios_config **out, ios_diags *d);

#endif /* ESPFAB_HOST_IOS_REPAIR_H */
