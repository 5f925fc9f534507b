/*
 * Classic pcap reader and writer (see pcap.h for the contract).
 *
 * Every multi-byte field is decoded through a bounded cursor over a buffer
 * that has already been read in full; the cursor's sticky `bad` flag turns
 * any overrun into an error instead of an out-of-bounds access.
 */
#include "pcap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- bounded little/big-endian cursor ---------------------------------- */

typedef struct cursor {
	const uint8_t *p;
	size_t len, pos;
	bool big;
	bool bad;
} cursor;

static uint32_t cur_u32(cursor *c)
{
	if (c->bad || c->len - c->pos < 4) {
		c->bad = true;
		return 0;
	}
	const uint8_t *b = c->p + c->pos;
	c->pos += 4;
	if (c->big)
		return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static uint16_t cur_u16(cursor *c)
{
	if (c->bad || c->len - c->pos < 2) {
		c->bad = true;
		return 0;
	}
	const uint8_t *b = c->p + c->pos;
	c->pos += 2;
	return c->big ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
}

static void put_u32(uint8_t *b, uint32_t v, bool big)
{
	for (int i = 0; i < 4; i++)
		b[big ? i : 3 - i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_u16(uint8_t *b, uint16_t v, bool big)
{
	b[big ? 0 : 1] = (uint8_t)(v >> 8);
	b[big ? 1 : 0] = (uint8_t)v;
}

/* ---- reader ------------------------------------------------------------ */

static int rfail(pcap_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rfail(pcap_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->failed = true;
	return -1;
}

/* fread that tells a short read from an I/O error. */
static size_t read_some(pcap_reader *r, void *buf, size_t n, bool *ioerr)
{
	size_t got = fread(buf, 1, n, r->f);
	*ioerr = got < n && ferror(r->f);
	return got;
}

const char *pcap_linktype_name(uint32_t linktype)
{
	switch (linktype) {
	case PCAP_LINKTYPE_ETHERNET: return "ethernet";
	case PCAP_LINKTYPE_RAW: return "raw";
	case PCAP_LINKTYPE_IPV4: return "ipv4";
	default: return NULL;
	}
}

int pcap_reader_open(pcap_reader *r, FILE *f)
{
	uint8_t h[PCAP_GLOBAL_HDR_LEN];
	bool ioerr;

	memset(r, 0, sizeof *r);
	r->f = f;
	size_t got = read_some(r, h, sizeof h, &ioerr);
	if (ioerr)
		return rfail(r, "byte offset 0: read error: %s", strerror(errno));
	if (got >= 4 && h[0] == 0x0a && h[1] == 0x0d && h[2] == 0x0d && h[3] == 0x0a)
		return rfail(r, "pcapng not supported; convert with editcap -F pcap");
	if (got == 0)
		return rfail(r, "byte offset 0: empty file, expected a %d-byte pcap global header", PCAP_GLOBAL_HDR_LEN);
	if (got < 4)
		return rfail(r, "byte offset 0: global header truncated (%zu of %d bytes)", got, PCAP_GLOBAL_HDR_LEN);

	cursor c = { .p = h, .len = got };
	uint32_t magic_le = cur_u32(&c);
	uint32_t magic_be = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (magic_le == PCAP_MAGIC_USEC || magic_le == PCAP_MAGIC_NSEC) {
		r->info.big_endian = false;
		r->info.nsec = magic_le == PCAP_MAGIC_NSEC;
	} else if (magic_be == PCAP_MAGIC_USEC || magic_be == PCAP_MAGIC_NSEC) {
		r->info.big_endian = true;
		r->info.nsec = magic_be == PCAP_MAGIC_NSEC;
	} else {
		return rfail(r, "byte offset 0: not a pcap file (magic %02x %02x %02x %02x)", h[0], h[1], h[2], h[3]);
	}
	if (got < sizeof h)
		return rfail(r, "byte offset 0: global header truncated (%zu of %d bytes)", got, PCAP_GLOBAL_HDR_LEN);

	c.big = r->info.big_endian;
	r->info.version_major = cur_u16(&c);
	r->info.version_minor = cur_u16(&c);
	r->info.thiszone = (int32_t)cur_u32(&c);
	r->info.sigfigs = cur_u32(&c);
	r->info.snaplen = cur_u32(&c);
	r->info.linktype = cur_u32(&c);
	if (c.bad)
		return rfail(r, "byte offset 0: global header truncated");
	if (r->info.version_major != 2)
		return rfail(r, "byte offset 4: pcap version %u.%u not supported (expected 2.x)", r->info.version_major,
			     r->info.version_minor);
	/* The low 16 bits are the linktype; the upper bits carry FCS flags we
	 * do not handle. */
	if (!pcap_linktype_name(r->info.linktype))
		return rfail(r, "byte offset 20: linktype %u not supported (expected 1 ethernet, 101 raw or 228 ipv4)",
			     r->info.linktype);
	r->buf = malloc(PCAP_MAX_RECORD);
	if (!r->buf)
		return rfail(r, "out of memory");
	r->offset = PCAP_GLOBAL_HDR_LEN;
	return 0;
}

int pcap_reader_next(pcap_reader *r, pcap_record *rec)
{
	uint8_t h[PCAP_RECORD_HDR_LEN];
	bool ioerr;

	if (r->failed)
		return -1;
	uint64_t idx = r->count + 1, off = r->offset;
	size_t got = read_some(r, h, sizeof h, &ioerr);
	if (ioerr)
		return rfail(r, "packet %llu at byte offset %llu: read error: %s", (unsigned long long)idx,
			     (unsigned long long)off, strerror(errno));
	if (got == 0)
		return 0;
	if (got < sizeof h)
		return rfail(r, "packet %llu at byte offset %llu: record header truncated (%zu of %d bytes)",
			     (unsigned long long)idx, (unsigned long long)off, got, PCAP_RECORD_HDR_LEN);

	cursor c = { .p = h, .len = sizeof h, .big = r->info.big_endian };
	memset(rec, 0, sizeof *rec);
	rec->index = idx;
	rec->offset = off;
	rec->ts_sec = cur_u32(&c);
	rec->ts_frac = cur_u32(&c);
	rec->caplen = cur_u32(&c);
	rec->origlen = cur_u32(&c);
	if (c.bad)
		return rfail(r, "packet %llu at byte offset %llu: record header truncated", (unsigned long long)idx,
			     (unsigned long long)off);
	if (rec->caplen > PCAP_MAX_RECORD)
		return rfail(r, "packet %llu at byte offset %llu: incl_len %u exceeds the %u-byte bound",
			     (unsigned long long)idx, (unsigned long long)off, rec->caplen, PCAP_MAX_RECORD);
	got = read_some(r, r->buf, rec->caplen, &ioerr);
	if (ioerr)
		return rfail(r, "packet %llu at byte offset %llu: read error: %s", (unsigned long long)idx,
			     (unsigned long long)off, strerror(errno));
	if (got < rec->caplen)
		return rfail(r, "packet %llu at byte offset %llu: record data truncated (%zu of %u bytes)",
			     (unsigned long long)idx, (unsigned long long)off, got, rec->caplen);
	rec->data = r->buf;
	rec->truncated = rec->caplen < rec->origlen;
	r->offset += PCAP_RECORD_HDR_LEN + (uint64_t)rec->caplen;
	r->count++;
	return 1;
}

int pcap_reader_rewind(pcap_reader *r)
{
	if (!r->buf)
		return rfail(r, "reader not open");
	if (fseek(r->f, PCAP_GLOBAL_HDR_LEN, SEEK_SET) != 0)
		return rfail(r, "cannot rewind: %s", strerror(errno));
	clearerr(r->f);
	r->offset = PCAP_GLOBAL_HDR_LEN;
	r->count = 0;
	r->failed = false;
	r->err[0] = 0;
	return 0;
}

void pcap_reader_close(pcap_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->f = NULL;
}

/* ---- writer ------------------------------------------------------------ */

static int wfail(pcap_writer *w, const char *what)
{
	snprintf(w->err, sizeof w->err, "%s: %s", what, strerror(errno ? errno : EIO));
	w->failed = true;
	return -1;
}

int pcap_writer_open(pcap_writer *w, FILE *f, const pcap_info *info)
{
	uint8_t h[PCAP_GLOBAL_HDR_LEN];
	bool big = info->big_endian;

	memset(w, 0, sizeof *w);
	w->f = f;
	w->info = *info;
	if (w->info.snaplen < PCAP_MIN_WRITE_SNAPLEN)
		w->info.snaplen = PCAP_MIN_WRITE_SNAPLEN;
	put_u32(h, info->nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, big);
	put_u16(h + 4, info->version_major, big);
	put_u16(h + 6, info->version_minor, big);
	put_u32(h + 8, (uint32_t)info->thiszone, big);
	put_u32(h + 12, info->sigfigs, big);
	put_u32(h + 16, w->info.snaplen, big);
	put_u32(h + 20, info->linktype, big);
	errno = 0;
	if (fwrite(h, 1, sizeof h, f) != sizeof h)
		return wfail(w, "writing the pcap header");
	return 0;
}

int pcap_writer_put(pcap_writer *w, uint32_t ts_sec, uint32_t ts_frac, const uint8_t *data, uint32_t len,
		    uint32_t origlen)
{
	uint8_t h[PCAP_RECORD_HDR_LEN];
	bool big = w->info.big_endian;

	if (w->failed)
		return -1;
	put_u32(h, ts_sec, big);
	put_u32(h + 4, ts_frac, big);
	put_u32(h + 8, len, big);
	put_u32(h + 12, origlen, big);
	errno = 0;
	if (fwrite(h, 1, sizeof h, w->f) != sizeof h || (len && fwrite(data, 1, len, w->f) != len))
		return wfail(w, "writing a packet");
	return 0;
}

int pcap_writer_finish(pcap_writer *w)
{
	if (w->failed)
		return -1;
	errno = 0;
	if (fflush(w->f) != 0 || ferror(w->f))
		return wfail(w, "flushing the output");
	return 0;
}

/* ---- link layer -------------------------------------------------------- */

static bool not_ipv4(char *why, size_t why_len, const char *fmt, unsigned v)
{
	if (why && why_len)
		snprintf(why, why_len, fmt, v);
	return false;
}

bool pcap_find_ipv4(uint32_t linktype, const uint8_t *frame, uint32_t len, uint32_t *off, char *why,
		    size_t why_len)
{
	switch (linktype) {
	case PCAP_LINKTYPE_IPV4:
		*off = 0;
		return true;
	case PCAP_LINKTYPE_RAW:
		if (len >= 1 && frame[0] >> 4 == 6)
			return not_ipv4(why, why_len, "IPv%u", 6);
		*off = 0;
		return true;
	case PCAP_LINKTYPE_ETHERNET: {
		if (len < 14)
			return not_ipv4(why, why_len, "short Ethernet header (%u bytes)", len);
		unsigned type = (unsigned)frame[12] << 8 | frame[13];
		uint32_t l3 = 14;
		if (type == 0x8100) {
			if (len < 18)
				return not_ipv4(why, why_len, "short 802.1Q header (%u bytes)", len);
			type = (unsigned)frame[16] << 8 | frame[17];
			l3 = 18;
		}
		if (type != 0x0800)
			return not_ipv4(why, why_len, "ethertype 0x%04x", type);
		*off = l3;
		return true;
	}
	default:
		return not_ipv4(why, why_len, "linktype %u", linktype);
	}
}
