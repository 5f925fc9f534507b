/* ctl_proto — control socket framing; see ctl_proto.h. */
#include "ctl_proto.h"

#include <errno.h>
#include <string.h>

void ctl_frame_append(obuf *out, uint8_t type, const void *payload, size_t len)
{
	if (len > CTL_MAX_FRAME) {
		if (!out->err)
			out->err = -EMSGSIZE;
		return;
	}
	uint8_t h[CTL_HDR_LEN] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len,
				   type };
	size_t before = out->len;
	obuf_append(out, h, sizeof h);
	obuf_append(out, payload, len);
	if (out->err) /* never leave half a frame behind */
		obuf_truncate(out, before);
}

void ctl_resp_append(obuf *out, uint8_t status, const char *text, size_t len)
{
	if (len >= CTL_MAX_FRAME) {
		if (!out->err)
			out->err = -EMSGSIZE;
		return;
	}
	size_t n = len + 1;
	uint8_t h[CTL_HDR_LEN + 1] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
				       CTL_T_RESP, status };
	size_t before = out->len;
	obuf_append(out, h, sizeof h);
	obuf_append(out, text, len);
	if (out->err)
		obuf_truncate(out, before);
}

void ctl_decoder_init(ctl_decoder *d, uint32_t max_payload, const char *types)
{
	memset(d, 0, sizeof *d);
	obuf_init(&d->buf, (size_t)max_payload + CTL_HDR_LEN + 65536);
	d->max = max_payload;
	d->types = types;
}

void ctl_decoder_free(ctl_decoder *d)
{
	obuf_free(&d->buf);
}

int ctl_decoder_feed(ctl_decoder *d, const void *p, size_t n)
{
	if (d->err)
		return d->err;
	/* drop consumed frames before growing */
	if (d->off) {
		obuf_consume(&d->buf, d->off);
		d->off = 0;
	}
	obuf_append(&d->buf, p, n);
	if (d->buf.err)
		d->err = d->buf.err == -EMSGSIZE ? -EMSGSIZE : -ENOMEM;
	return d->err;
}

int ctl_decoder_next(ctl_decoder *d, ctl_frame *f)
{
	if (d->err)
		return d->err;
	size_t avail = d->buf.len - d->off;
	if (avail < CTL_HDR_LEN)
		return 0;
	const uint8_t *h = (const uint8_t *)d->buf.p + d->off;
	uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	uint8_t type = h[4];
	/* validate the header before waiting for the payload */
	if (len > d->max)
		return d->err = -EMSGSIZE;
	if (!type || !d->types || !strchr(d->types, type))
		return d->err = -EPROTO;
	if (type == CTL_T_RESP && len < 1)
		return d->err = -EPROTO;
	if (avail - CTL_HDR_LEN < len)
		return 0;
	f->type = type;
	f->payload = h + CTL_HDR_LEN;
	f->len = len;
	d->off += CTL_HDR_LEN + len;
	return 1;
}

size_t ctl_decoder_pending(const ctl_decoder *d)
{
	return d->buf.len - d->off;
}
