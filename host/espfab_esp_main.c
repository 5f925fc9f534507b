/*
 * espfab-esp — apply one ESP SA to every packet of a pcap file.
 *
 *   espfab-esp encap|decap --engine sw|model --sa "SA" -i IN.pcap -o OUT.pcap
 *              [--iv-seed N] [--status FILE] [--quiet]
 *
 * The SA is written in `ip xfrm state` vocabulary (host/xfrm_sa.h); the verb
 * gives its direction (encap = OUT, decap = IN).  Packets are read from a
 * classic pcap (linktypes raw, ipv4, ethernet), sent to the engine in
 * batches of BATCH through espfab_submit/espfab_poll, and written in input
 * order to OUT.pcap with the input's linktype, byte order, timestamp
 * resolution and timestamps; Ethernet frames keep their L2 header.
 *
 * Link-layer padding after an IPv4 packet's total length is not carried
 * into the output.
 *
 * Per packet, one status line (stderr, or --status FILE):
 *   pkt N: OK spi=0x00001000 seq=N len=N         transformed, written
 *   pkt N: STATUS (explanation) [spi=.. seq=..]  failed, dropped
 *   pkt N: skipped (why)                          not IPv4, copied unchanged
 * Packets are numbered from 1 as in Wireshark.  A packet truncated by the
 * capture (caplen < origlen) is TRUNCATED and one above ESPFAB_MAX_FRAME is
 * TOO_BIG; neither reaches the engine.  Then one summary line on stderr:
 *   espfab-esp: encap 10 packets: 10 OK, 0 failed (engine sw)
 * --quiet keeps per-packet lines off stderr (only the summary is printed);
 * with --status FILE they still go to FILE.
 *
 * Exit status: 0 every packet OK or skipped; 1 some packet failed, or the
 * input/output could not be read/written (one line naming the file, and for
 * a damaged pcap the packet and byte offset; a damaged seekable input is
 * detected before anything is written, and a partial output is removed);
 * 2 usage or SA errors (one line).
 *
 * Keys: the --sa argument is wiped from argv once parsed, and the parsed SA
 * is wiped after it has been installed.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "espfab.h"
#include "pcap.h"
#include "xfrm_sa.h"

#define PROG "espfab-esp"
#define BATCH 64
#define L2_MAX 18 /* Ethernet + one 802.1Q tag */

enum kind { K_PROCESS, K_SKIP, K_FAIL };

struct pkt {
	enum kind kind;
	uint64_t index;
	uint32_t ts_sec, ts_frac, caplen, origlen;
	uint32_t l3;         /* offset of the IPv4 header in the frame */
	uint8_t *frame;      /* copy of the captured bytes */
	size_t frame_cap;
	uint8_t out[L2_MAX + ESPFAB_MAX_FRAME];
	espfab_cpl cpl;
	char why[96];        /* K_SKIP / K_FAIL explanation */
};

struct run {
	bool decap, quiet;
	const char *in_path, *out_path;
	FILE *status;
	espfab_dev *dev;
	pcap_reader rd;
	pcap_writer wr;
	FILE *out;
	uint64_t n, ok, failed, skipped;
	uint8_t flags_seen;
	struct pkt batch[BATCH];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " encap|decap --engine sw|model --sa \"SA\" -i IN.pcap -o OUT.pcap\n"
		"                  [--iv-seed N] [--status FILE] [--quiet]\n"
		"\n"
		"Apply one ESP SA to every IPv4 packet of a classic pcap file (linktype raw,\n"
		"ipv4 or ethernet).  encap makes an outbound SA, decap an inbound one.\n"
		"\n"
		"  --engine NAME   ESP engine (default sw)\n"
		"  --sa \"SA\"       ip-xfrm-state style SA, e.g.\n"
		"                  src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 mode tunnel\n"
		"                  enc \"cbc(aes)\" 0xKEY auth-trunc \"hmac(sha1)\" 0xKEY 96\n"
		"                  [encap espinudp 4500 4500 0.0.0.0] [replay-window 64]\n"
		"                  [lifetime-kb SOFT HARD] [ttl N]\n"
		"  -i, --input     input pcap          -o, --output  output pcap\n"
		"  --iv-seed N     deterministic IVs (for comparing engines; not for real traffic)\n"
		"  --status FILE   per-packet status lines to FILE instead of stderr\n"
		"  -q, --quiet     no per-packet lines on stderr, only the summary\n"
		"\n"
		"Packets that fail are dropped from the output; non-IPv4 frames are copied.\n"
		"Exit: 0 all packets OK or skipped, 1 a packet or file failed, 2 usage/SA error.\n");
}

static int die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die_usage(const char *fmt, ...)
{
	va_list ap;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool is_regular(FILE *f)
{
	struct stat st;
	return fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
}

/* Copy the record and decide what happens to it. */
static int take(struct run *r, struct pkt *p, const pcap_record *rec)
{
	p->index = rec->index;
	p->ts_sec = rec->ts_sec;
	p->ts_frac = rec->ts_frac;
	p->caplen = rec->caplen;
	p->origlen = rec->origlen;
	p->why[0] = 0;
	memset(&p->cpl, 0, sizeof p->cpl);
	if (p->frame_cap < rec->caplen) {
		uint8_t *n = realloc(p->frame, rec->caplen);
		if (!n) {
			say("out of memory");
			return -1;
		}
		p->frame = n;
		p->frame_cap = rec->caplen;
	}
	if (rec->caplen)
		memcpy(p->frame, rec->data, rec->caplen);

	if (rec->truncated) {
		p->kind = K_FAIL;
		snprintf(p->why, sizeof p->why, "TRUNCATED (captured %u of %u bytes; not processed)", rec->caplen,
			 rec->origlen);
		return 0;
	}
	char why[64];
	if (!pcap_find_ipv4(r->rd.info.linktype, p->frame, p->caplen, &p->l3, why, sizeof why)) {
		p->kind = K_SKIP;
		snprintf(p->why, sizeof p->why, "skipped (not IPv4: %s)", why);
		return 0;
	}
	uint32_t ip_len = p->caplen - p->l3;
	if (ip_len > ESPFAB_MAX_FRAME) {
		p->kind = K_FAIL;
		snprintf(p->why, sizeof p->why, "TOO_BIG (IPv4 packet of %u bytes exceeds ESPFAB_MAX_FRAME %d)", ip_len,
			 ESPFAB_MAX_FRAME);
		return 0;
	}
	p->kind = K_PROCESS;
	return 0;
}

/* Run the K_PROCESS packets of batch[0..n) through the engine. */
static int transform(struct run *r, unsigned n)
{
	espfab_op ops[BATCH];
	unsigned idx[BATCH], nops = 0, sent = 0, got = 0;

	for (unsigned i = 0; i < n; i++) {
		struct pkt *p = &r->batch[i];
		if (p->kind != K_PROCESS)
			continue;
		memcpy(p->out, p->frame, p->l3); /* L2 header, if any */
		ops[nops] = (espfab_op){ .slot = 0,
					 .in = p->frame + p->l3,
					 .in_len = (uint16_t)(p->caplen - p->l3),
					 .out = p->out + p->l3,
					 .out_cap = ESPFAB_MAX_FRAME,
					 .cookie = nops };
		idx[nops++] = i;
	}
	while (got < nops) {
		if (sent < nops) {
			unsigned acc = 0;
			int rc = espfab_submit(r->dev, ops + sent, nops - sent, &acc);
			if (rc && rc != -ENOSPC) {
				say("engine %s: submit failed: %s", espfab_engine_name(r->dev),
				    espfab_last_error(r->dev));
				return -1;
			}
			sent += acc;
		}
		espfab_cpl cpls[BATCH];
		int k = espfab_poll(r->dev, cpls, sent - got);
		if (k < 0) {
			say("engine %s: poll failed: %s", espfab_engine_name(r->dev), espfab_last_error(r->dev));
			return -1;
		}
		for (int j = 0; j < k; j++, got++) {
			if (cpls[j].cookie != got) {
				say("engine %s: completion out of order (cookie %llu, expected %u)",
				    espfab_engine_name(r->dev), (unsigned long long)cpls[j].cookie, got);
				return -1;
			}
			r->batch[idx[got]].cpl = cpls[j];
		}
		if (k == 0)
			sched_yield();
	}
	return 0;
}

static void report_flags(struct run *r, const struct pkt *p, char *buf, size_t len)
{
	buf[0] = 0;
	uint8_t newf = p->cpl.flags & (uint8_t)~r->flags_seen;
	if (newf & (1u << ESPFAB_CPLFLAG_SOFT_EXPIRED))
		snprintf(buf + strlen(buf), len - strlen(buf), " [soft lifetime reached]");
	if (newf & (1u << ESPFAB_CPLFLAG_HARD_EXPIRED))
		snprintf(buf + strlen(buf), len - strlen(buf), " [hard lifetime reached; SA expired]");
	r->flags_seen |= p->cpl.flags;
}

/* Write batch[0..n) in order and print one status line each. */
static int emit(struct run *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct pkt *p = &r->batch[i];
		char extra[80];
		r->n++;
		if (p->kind == K_SKIP) {
			r->skipped++;
			if (!r->quiet)
				fprintf(r->status, "pkt %llu: %s\n", (unsigned long long)p->index, p->why);
			if (pcap_writer_put(&r->wr, p->ts_sec, p->ts_frac, p->frame, p->caplen, p->origlen))
				goto werr;
			continue;
		}
		if (p->kind == K_FAIL) {
			r->failed++;
			if (!r->quiet)
				fprintf(r->status, "pkt %llu: %s\n", (unsigned long long)p->index, p->why);
			continue;
		}
		report_flags(r, p, extra, sizeof extra);
		if (p->cpl.status == ESPFAB_STATUS_OK) {
			uint32_t len = p->l3 + p->cpl.out_len;
			r->ok++;
			if (!r->quiet)
				fprintf(r->status, "pkt %llu: OK spi=0x%08x seq=%u len=%u%s\n",
					(unsigned long long)p->index, p->cpl.spi, p->cpl.seq, p->cpl.out_len, extra);
			if (pcap_writer_put(&r->wr, p->ts_sec, p->ts_frac, p->out, len, len))
				goto werr;
		} else {
			r->failed++;
			if (!r->quiet) {
				fprintf(r->status, "pkt %llu: %s (%s)", (unsigned long long)p->index,
					espfab_status_name(p->cpl.status), espfab_status_text(p->cpl.status));
				if (p->cpl.spi)
					fprintf(r->status, " spi=0x%08x seq=%u", p->cpl.spi, p->cpl.seq);
				fprintf(r->status, "%s\n", extra);
			}
		}
	}
	return 0;
werr:
	say("%s: %s", r->out_path, r->wr.err);
	return -1;
}

/* Structural pass over a seekable input so that a damaged file is
 * reported before anything is written. */
static int prescan(struct run *r)
{
	pcap_record rec;
	int rc;
	if (!is_regular(r->rd.f))
		return 0;
	while ((rc = pcap_reader_next(&r->rd, &rec)) == 1)
		;
	if (rc < 0) {
		say("%s: %s", r->in_path, r->rd.err);
		return -1;
	}
	if (pcap_reader_rewind(&r->rd)) {
		say("%s: %s", r->in_path, r->rd.err);
		return -1;
	}
	return 0;
}

static int process(struct run *r)
{
	for (;;) {
		unsigned n = 0;
		pcap_record rec;
		int rc = 0;
		while (n < BATCH && (rc = pcap_reader_next(&r->rd, &rec)) == 1)
			if (take(r, &r->batch[n++], &rec))
				return -1;
		if (rc < 0) {
			say("%s: %s", r->in_path, r->rd.err);
			return -1;
		}
		if (n && (transform(r, n) || emit(r, n)))
			return -1;
		if (rc == 0)
			return 0;
	}
}

static bool engine_known(const char *name)
{
	for (const char *const *e = espfab_engines(); *e; e++)
		if (!strcmp(*e, name))
			return true;
	return false;
}

static void engine_list(char *buf, size_t len)
{
	buf[0] = 0;
	for (const char *const *e = espfab_engines(); *e; e++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "", *e);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "engine", required_argument, NULL, 'e' }, { "sa", required_argument, NULL, 's' },
		{ "input", required_argument, NULL, 'i' },  { "output", required_argument, NULL, 'o' },
		{ "iv-seed", required_argument, NULL, 'S' }, { "status", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },	     { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct run run;
	struct run *r = &run;
	const char *engine = "sw", *status_path = NULL;
	char *sa_text = NULL;
	espfab_open_opts oo = { 0 };
	int c, rc = 1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:s:i:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': engine = optarg; break;
		case 's': sa_text = optarg; break;
		case 'i': r->in_path = optarg; break;
		case 'o': r->out_path = optarg; break;
		case 'T': status_path = optarg; break;
		case 'q': r->quiet = true; break;
		case 'h': usage(stdout); return 0;
		case 'S': {
			uint64_t v;
			if (xfrm_parse_uint(optarg, UINT64_MAX, &v))
				return die_usage("--iv-seed: %s: expected a number (decimal or 0x hex)", optarg);
			oo.iv_seeded = true;
			oo.iv_seed = v;
			break;
		}
		case ':':
			return die_usage("%s: missing value (see --help)", argv[optind - 1]);
		default:
			return die_usage("%s: unknown option (see --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return die_usage("missing verb encap or decap (see --help)");
	if (optind + 1 < argc)
		return die_usage("%s: unexpected argument (see --help)", argv[optind + 1]);
	if (!strcmp(argv[optind], "encap"))
		r->decap = false;
	else if (!strcmp(argv[optind], "decap"))
		r->decap = true;
	else
		return die_usage("%s: unknown verb (expected encap or decap)", argv[optind]);
	if (!sa_text)
		return die_usage("--sa: missing (see --help)");
	if (!r->in_path)
		return die_usage("-i: missing input pcap (see --help)");
	if (!r->out_path)
		return die_usage("-o: missing output pcap (see --help)");
	if (status_path)
		r->quiet = false; /* --quiet only silences stderr */
	if (!engine_known(engine)) {
		char list[128];
		engine_list(list, sizeof list);
		return die_usage("--engine: %s: unknown engine (this build has: %s)", engine, list);
	}

	espfab_sa_t sa;
	char err[XFRM_SA_ERR_LEN];
	int prc = xfrm_sa_parse(sa_text, r->decap ? ESPFAB_DIR_IN : ESPFAB_DIR_OUT, &sa, NULL, err, sizeof err);
	espfab_wipe(sa_text, strlen(sa_text)); /* the key text in argv */
	if (prc)
		return die_usage("--sa: %s", err);

	r->status = stderr;
	FILE *in = fopen(r->in_path, "rb");
	if (!in) {
		say("%s: %s", r->in_path, strerror(errno));
		goto out_sa;
	}
	if (pcap_reader_open(&r->rd, in)) {
		say("%s: %s", r->in_path, r->rd.err);
		goto out_in;
	}
	if (prescan(r))
		goto out_in;

	if (espfab_open(engine, &oo, &r->dev)) {
		say("engine %s: %s", engine, espfab_open_error());
		goto out_in;
	}
	if (espfab_sa_add(r->dev, 0, &sa)) {
		rc = die_usage("--sa: %s", espfab_last_error(r->dev));
		goto out_dev;
	}
	espfab_wipe(&sa, sizeof sa);

	if (status_path) {
		r->status = fopen(status_path, "w");
		if (!r->status) {
			r->status = stderr;
			say("--status %s: %s", status_path, strerror(errno));
			goto out_dev;
		}
	}
	struct stat ist, ost;
	if (stat(r->out_path, &ost) == 0 && fstat(fileno(in), &ist) == 0 && ist.st_dev == ost.st_dev &&
	    ist.st_ino == ost.st_ino) {
		rc = die_usage("-o: %s is the input file", r->out_path);
		goto out_status;
	}
	r->out = fopen(r->out_path, "wb");
	if (!r->out) {
		say("%s: %s", r->out_path, strerror(errno));
		goto out_status;
	}
	if (pcap_writer_open(&r->wr, r->out, &r->rd.info)) {
		say("%s: %s", r->out_path, r->wr.err);
		goto out_out;
	}
	if (process(r))
		goto out_out;
	if (pcap_writer_finish(&r->wr)) {
		say("%s: %s", r->out_path, r->wr.err);
		goto out_out;
	}
	bool regular = is_regular(r->out);
	if (fclose(r->out) != 0) {
		r->out = NULL;
		say("%s: %s", r->out_path, strerror(errno));
		if (regular)
			unlink(r->out_path);
		goto out_status;
	}
	r->out = NULL;
	if (r->status != stderr && fflush(r->status) != 0) {
		say("--status %s: %s", status_path, strerror(errno));
		goto out_status;
	}

	char skipped[40] = "";
	if (r->skipped)
		snprintf(skipped, sizeof skipped, ", %llu skipped", (unsigned long long)r->skipped);
	say("%s %llu packet%s: %llu OK, %llu failed%s (engine %s)", r->decap ? "decap" : "encap",
	    (unsigned long long)r->n, r->n == 1 ? "" : "s", (unsigned long long)r->ok,
	    (unsigned long long)r->failed, skipped, engine);
	rc = r->failed ? 1 : 0;

out_out:
	if (r->out) {
		/* Fatal error mid-way: do not leave a partial file behind. */
		bool regular_out = is_regular(r->out);
		fclose(r->out);
		if (regular_out)
			unlink(r->out_path);
	}
out_status:
	if (r->status && r->status != stderr)
		fclose(r->status);
out_dev:
	espfab_close(r->dev);
out_in:
	pcap_reader_close(&r->rd);
	fclose(in);
out_sa:
	espfab_wipe(&sa, sizeof sa);
	for (unsigned i = 0; i < BATCH; i++)
		free(r->batch[i].frame);
	return rc;
}
