/*
 * ctl_proto — the framing espfabctl and espfabd speak over the control
 * socket (a unix stream socket, `espfabd --socket PATH`).
 *
 * Every message is one frame:
 *
 *    0       1       2       3       4       5 ...
 *   +-------+-------+-------+-------+-------+----------------------+
 *   | length of payload (uint32, big-endian)| type  | payload      |
 *   +-------+-------+-------+-------+-------+----------------------+
 *
 * Types:
 *   'C' command   client -> server  payload: one command line, UTF-8/ASCII
 *                                   text without NUL, at most CTL_MAX_CMD bytes
 *   'R' response  server -> client  payload: status byte (0 ok, 1 error),
 *                                   then the output text (IOS lines, '\n' ends each)
 *   'L' log line  server -> client  payload: one log/debug line without '\n';
 *                                   sent only to sessions in `terminal monitor`
 *
 * Every 'C' gets exactly one 'R', in order (commands may be pipelined).
 * 'L' frames may arrive between responses at any time once the session has
 * run `terminal monitor`, until `terminal no monitor`.  A frame larger than
 * the receiver's limit, a frame of unknown type or an empty 'R' is a
 * protocol error: the receiver closes the connection.  Either side may
 * close at any time; the server drops a session's pending output then.
 */
#ifndef ESPFAB_HOST_CTL_PROTO_H
#define ESPFAB_HOST_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "obuf.h"

#define CTL_HDR_LEN 5
#define CTL_MAX_CMD 4096u                  /* command payload limit (server side) */
#define CTL_MAX_FRAME ((uint32_t)16 << 20) /* any payload (client side) */

#define CTL_T_CMD 'C'
#define CTL_T_RESP 'R'
#define CTL_T_LOG 'L'

#define CTL_STATUS_OK 0
#define CTL_STATUS_ERROR 1

/* Append one frame to out (sticky obuf error on failure; payload longer
 * than CTL_MAX_FRAME sets -EMSGSIZE). */
void ctl_frame_append(obuf *out, uint8_t type, const void *payload, size_t len);
/* Append an 'R' frame: status byte + text. */
void ctl_resp_append(obuf *out, uint8_t status, const char *text, size_t len);

/* Incremental decoder: feed bytes as they arrive, take frames out. */
typedef struct ctl_decoder {
	obuf buf;
	size_t off;         /* start of the next frame in buf */
	uint32_t max;       /* largest payload accepted */
	const char *types;  /* accepted type bytes, e.g. "C" */
	int err;            /* sticky: -EMSGSIZE, -EPROTO, -ENOMEM */
} ctl_decoder;

typedef struct ctl_frame {
	uint8_t type;
	const uint8_t *payload; /* valid until the next feed/next/free */
	uint32_t len;
} ctl_frame;

void ctl_decoder_init(ctl_decoder *d, uint32_t max_payload, const char *types);
void ctl_decoder_free(ctl_decoder *d);
/* 0 or the sticky error. */
int ctl_decoder_feed(ctl_decoder *d, const void *p, size_t n);
/* 1 and *f set when a whole frame is there, 0 when more bytes are needed,
 * or a negative errno (sticky) for a frame that is too large, of a type not
 * in `types`, or an 'R' without its status byte. */
int ctl_decoder_next(ctl_decoder *d, ctl_frame *f);
/* Bytes buffered that are not yet a whole frame. */
size_t ctl_decoder_pending(const ctl_decoder *d);

#endif /* ESPFAB_HOST_CTL_PROTO_H */
