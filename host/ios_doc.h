/*
 * An IOS configuration document as numbered lines, the tokenizer for one
 * line, and the diagnostics list the configuration parser fills.
 *
 * Reading is kept apart from parsing so that a repair pass can rewrite a
 * document before ios_config_parse_doc() sees it (issue 7: technotes whose
 * running-config was damaged by HTML conversion — `!---` comments that
 * swallow the start of a command, commands wrapped mid-line).  A repair pass
 * takes an ios_doc and builds another one with ios_doc_append(), joining,
 * splitting or dropping lines; every line keeps the number it had in the
 * source, so diagnostics still point at the text the operator can see.
 *
 * Lines: one per '\n' of the source; a trailing '\r' is dropped; a NUL byte
 * inside a line becomes '\x01' so the tokenizer reports it.
 *
 * Tokens: words separated by blanks (space, tab).  IOS has no quoting; a
 * command that takes free text (description, remark) reads the rest of the
 * line from the word's offset.  A line whose first non-blank character is
 * '!' is a comment; '!' elsewhere is an ordinary character.
 *
 * Diagnostics: each is one line of text, no newline, of the form
 *   FILE:LINE: CONTEXT: WHAT: expected X, got 'TOKEN'        (error)
 *   FILE:LINE: warning: CONTEXT: ...                          (warning)
 * The list is kept sorted by line (stable) once parsing ends.
 *
 * Ownership: an ios_doc owns its name and line texts; ios_doc_free() wipes
 * the texts (a configuration holds pre-shared keys) and frees them.  An
 * ios_toks owns a private copy of the line, wiped by ios_toks_free().
 * ios_diags owns its messages.  Every free function accepts a zeroed struct
 * (and NULL); a zeroed struct is a valid empty value of each type.
 */
#ifndef ESPFAB_HOST_IOS_DOC_H
#define ESPFAB_HOST_IOS_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IOS_DOC_MAX_BYTES (4u << 20) /* larger files are refused */
#define IOS_MAX_TOKENS 64	     /* words per line */

typedef struct ios_line {
	unsigned lineno; /* 1-based line number in the source */
	char *text;	 /* without the newline */
} ios_line;

typedef struct ios_doc {
	char *name; /* shown in diagnostics (the path as given) */
	ios_line *lines;
	size_t n, cap;
} ios_doc;

/* Split text[0..len) into lines.  0, or -1 (out of memory or too large;
 * doc is then empty). */
int ios_doc_from_string(ios_doc *doc, const char *name, const char *text, size_t len);
/* Read a file; on failure write a one-line reason into err and return -1. */
int ios_doc_read_file(ios_doc *doc, const char *path, char *err, size_t err_len);
/* Initialise an empty document (for repair passes that build a new one). */
int ios_doc_init(ios_doc *doc, const char *name);
/* Append a line (copied) carrying the given source line number. */
int ios_doc_append(ios_doc *doc, unsigned lineno, const char *text, size_t len);
void ios_doc_free(ios_doc *doc);

typedef struct ios_toks {
	unsigned indent;		/* leading blanks (a tab counts one) */
	bool comment;			/* first non-blank character is '!' */
	bool bad_char;			/* a control character other than tab */
	size_t n;			/* words */
	char *v[IOS_MAX_TOKENS];	/* NUL-terminated words */
	size_t off[IOS_MAX_TOKENS];	/* offset of each word in the line */
	const char *line;		/* the line as given (not owned) */
	char *buf;			/* owned copy the words point into */
	size_t buf_len;
	bool too_many;			/* more than IOS_MAX_TOKENS words */
} ios_toks;

/* Tokenize one line.  0, or -1 when out of memory. */
int ios_tokenize(const char *line, ios_toks *t);
void ios_toks_free(ios_toks *t);

typedef enum ios_sev { IOS_SEV_WARNING = 1, IOS_SEV_ERROR = 2 } ios_sev;

typedef struct ios_diag {
	ios_sev sev;
	unsigned lineno; /* 0 when the diagnostic concerns the whole file */
	char *msg;	 /* the full line, starting with FILE:LINE: */
} ios_diag;

typedef struct ios_diags {
	ios_diag *v;
	size_t n, cap;
	size_t errors, warnings;
	bool oom; /* a diagnostic was lost for lack of memory (counted anyway) */
} ios_diags;

/* Add one diagnostic; the text after "FILE:LINE: [warning: ]" is fmt. */
void ios_diag_add(ios_diags *d, ios_sev sev, const char *file, unsigned lineno, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Stable sort by line number. */
void ios_diags_sort(ios_diags *d);
/* Print every diagnostic, one per line. */
void ios_diags_print(const ios_diags *d, FILE *f);
/* First diagnostic whose message contains needle (tests, tools); or NULL. */
const ios_diag *ios_diags_find(const ios_diags *d, const char *needle);
void ios_diags_free(ios_diags *d);

#endif /* ESPFAB_HOST_IOS_DOC_H */
