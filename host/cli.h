/*
 * cli — espfabd's command table: IOS exec commands (`show …`, `clear …`,
 * `debug …`) registered by the modules that own the data, matched with IOS's
 * keyword abbreviations, dispatched to a handler that prints into a buffer.
 *
 * Registration: one syntax string per command, words separated by blanks:
 *   keyword   lowercase letters, digits, '-' and '_' ("crypto", "transform-set")
 *   WORD      any single word (a name)
 *   A.B.C.D   a dotted-quad IPv4 address
 *   <LO-HI>   a decimal number in LO..HI (0..4294967295)
 * Commands share prefixes ("show crypto isakmp sa" and "show crypto isakmp
 * sa detail" are two registrations, which may use one handler); a syntax
 * registered twice is -EEXIST.
 *
 * Matching a line, word by word, against the words that may follow:
 *   - a keyword matches a case-insensitive prefix of itself ("sh cry isa sa");
 *     an exact keyword wins over longer ones that it is a prefix of;
 *   - two or more keywords matching and none exactly → ambiguous;
 *   - no keyword matching → the first parameter that accepts the word, in
 *     the order <LO-HI>, A.B.C.D, WORD (keywords take precedence over
 *     parameters, as in IOS);
 *   - nothing accepts the word → invalid input.
 * Errors are printed as IOS prints them:
 *   % Ambiguous command:  "sh c"
 *   % Incomplete command.                     (the line stops before a command)
 *   show crypto isakmp sx                     (the line, tabs as spaces)
 *                       ^
 *   % Invalid input detected at '^' marker.
 * The marker stands under the first character no command accepts: after the
 * longest prefix the word shares with a keyword that could follow, else
 * under the word's first character.  An empty line does nothing.
 *
 * Handlers get the words with keywords spelled out in full and parameters as
 * typed, so a handler can tell "show crypto isakmp sa" from "… sa detail" by
 * argc.  They print into `out` and return 0, or print a "% …" line and
 * return non-zero (the control protocol then reports an error).
 *
 * Ownership: the table copies syntax strings; `arg` stays the caller's.
 */
#ifndef ESPFAB_HOST_CLI_H
#define ESPFAB_HOST_CLI_H

#include <stddef.h>

#include "obuf.h"

#define CLI_MAX_WORDS 32

typedef struct cli cli;

typedef struct cli_call {
	int argc;
	const char *const *argv; /* matched words: keywords in full, parameters as typed */
	const char *line;        /* the line as received */
	void *arg;               /* the registration's arg */
	void *session;           /* who asked (espfabd: the control session), may be NULL */
} cli_call;

typedef int (*cli_fn)(const cli_call *c, obuf *out);

enum cli_status {
	CLI_OK = 0,
	CLI_AMBIGUOUS,  /* % Ambiguous command */
	CLI_INVALID,    /* % Invalid input detected at '^' marker. */
	CLI_INCOMPLETE, /* % Incomplete command. */
	CLI_FAILED,     /* the handler returned non-zero */
};

int cli_new(cli **out);
void cli_free(cli *t); /* accepts NULL */

/* 0, -EINVAL (bad syntax or NULL fn), -EEXIST, -ENOMEM. */
int cli_register(cli *t, const char *syntax, cli_fn fn, void *arg);

/* Match and run one line; returns an enum cli_status and prints the
 * handler's output or the IOS error into out.  *col (may be NULL) receives
 * the marker column for CLI_INVALID, else -1. */
int cli_exec(cli *t, const char *line, void *session, obuf *out, int *col);

/* Every registered command's syntax, one per line, sorted (for help). */
void cli_list(const cli *t, obuf *out);

#endif /* ESPFAB_HOST_CLI_H */
