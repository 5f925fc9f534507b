/*
 * Classic pcap files: a bounded reader, a writer that mirrors the input's
 * format, and the link-layer helper that finds the IPv4 packet in a frame.
 *
 * Reader: microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic, in
 * either byte order.  Linktypes RAW (101, IPv4 or IPv6 without L2 header),
 * IPV4 (228) and ETHERNET (1).  pcapng and everything else are refused.
 * The reader never trusts a length before checking it: a short global
 * header, a short record header, a record whose data ends early, or an
 * incl_len above PCAP_MAX_RECORD is an error naming the packet (1-based)
 * and the byte offset where it starts.  Records whose caplen < origlen are
 * returned normally; the caller decides what a capture-truncated packet
 * means (pcap_record.truncated).
 *
 * Writer: writes the global header of a pcap_info (byte order, resolution,
 * version, thiszone, sigfigs, linktype as given; the snap length is raised
 * to at least 65535 so larger output packets stay inside it).  Records keep
 * the caller's timestamps.
 *
 * Ownership: the reader and writer borrow the FILE; the caller opens and
 * closes it.  pcap_record.data points into the reader's buffer and stays
 * valid until the next pcap_reader_next call.
 *
 * Errors: functions return 0 (or 1 for "record read") on success and -1 on
 * failure, with a one-line explanation (no trailing newline) in r->err /
 * w->err.  Errors are sticky: after one, every call fails the same way.
 */
#ifndef ESPFAB_HOST_PCAP_H
#define ESPFAB_HOST_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAP_LINKTYPE_ETHERNET 1
#define PCAP_LINKTYPE_RAW 101
#define PCAP_LINKTYPE_IPV4 228

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_GLOBAL_HDR_LEN 24
#define PCAP_RECORD_HDR_LEN 16
/* Largest incl_len the reader accepts (libpcap's and Wireshark's bound). */
#define PCAP_MAX_RECORD 262144u
/* Snap length the writer uses at least. */
#define PCAP_MIN_WRITE_SNAPLEN 65535u

#define PCAP_ERR_LEN 256

/* What a file's global header says. */
typedef struct pcap_info {
	bool big_endian;   /* fields stored big-endian */
	bool nsec;         /* timestamps' fraction is nanoseconds */
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
} pcap_info;

/* One record. */
typedef struct pcap_record {
	uint64_t index;      /* 1-based packet number */
	uint64_t offset;     /* byte offset of the record header in the file */
	uint32_t ts_sec;
	uint32_t ts_frac;    /* microseconds or nanoseconds (pcap_info.nsec) */
	uint32_t caplen;     /* bytes in data */
	uint32_t origlen;    /* bytes on the wire */
	bool truncated;      /* caplen < origlen */
	const uint8_t *data;
} pcap_record;

typedef struct pcap_reader {
	FILE *f;
	pcap_info info;
	uint64_t offset;     /* bytes consumed so far */
	uint64_t count;      /* records returned so far */
	uint8_t *buf;        /* PCAP_MAX_RECORD bytes */
	bool failed;
	char err[PCAP_ERR_LEN];
} pcap_reader;

typedef struct pcap_writer {
	FILE *f;
	pcap_info info;
	bool failed;
	char err[PCAP_ERR_LEN];
} pcap_writer;

/* Read and check the global header.  On failure r->err explains and
 * pcap_reader_close must still be called. */
int pcap_reader_open(pcap_reader *r, FILE *f);
/* 1: *rec filled; 0: clean end of file; -1: error (r->err). */
int pcap_reader_next(pcap_reader *r, pcap_record *rec);
/* Go back to the first record (needs a seekable FILE).  0 or -1. */
int pcap_reader_rewind(pcap_reader *r);
void pcap_reader_close(pcap_reader *r);

/* Write the global header for info.  0 or -1 (w->err). */
int pcap_writer_open(pcap_writer *w, FILE *f, const pcap_info *info);
int pcap_writer_put(pcap_writer *w, uint32_t ts_sec, uint32_t ts_frac, const uint8_t *data, uint32_t len,
		    uint32_t origlen);
/* Flush; reports a write error seen at any point.  0 or -1. */
int pcap_writer_finish(pcap_writer *w);

/* Short name of a supported linktype ("raw", "ipv4", "ethernet"), or NULL. */
const char *pcap_linktype_name(uint32_t linktype);

/* Where the IPv4 packet of a frame starts.  Returns true and sets *off when
 * the frame carries IPv4: RAW with version nibble 4 (anything but 6 is
 * handed on; the engine judges it), IPV4 always, ETHERNET with ethertype
 * 0x0800 directly or after one 802.1Q tag (0x8100).  Returns false for
 * frames that are not IPv4 (IPv6, ARP, short Ethernet headers) and writes a
 * short reason to why (may be NULL). */
bool pcap_find_ipv4(uint32_t linktype, const uint8_t *frame, uint32_t len, uint32_t *off, char *why,
		    size_t why_len);

#endif /* ESPFAB_HOST_PCAP_H */
