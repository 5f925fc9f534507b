/*
 * Board profiles (board/profiles/NAME.conf) and the projection of a
 * measured engine figure onto a board (docs/boards.md).
 *
 * A profile is a text file of `key = value` lines; `#` starts a comment,
 * blank lines are ignored, keys are the ones in the table in
 * board_profile.c (every one required unless marked optional), each at
 * most once.  Parse errors name the file and line ("u250.conf:7: ...");
 * a missing key names the file.
 *
 * The projection is pure arithmetic: given bytes per fabric cycle measured
 * for ONE engine instance (plaintext IP bytes, as make bench-rtl and
 * espfab-bench --engine sim count them), the packet sizes on both sides of
 * the engine and the direction, it returns the three limits in Gbps of
 * plaintext IP bytes and names the one that binds:
 *
 *   engine     bpc * clock * instances * 8
 *   host link  look-aside moves every packet across the host link twice
 *              (input read by the DMA, output written back), plus its
 *              request slot (REQ_SLOT_BYTES, read) and completion slot
 *              (CPL_SLOT_BYTES, written)
 *   port       line rate of the Ethernet ports, each frame costing its
 *              IP bytes + 14 header + 4 FCS + 20 preamble/IFG (IP bytes
 *              padded to 46)
 *
 * Ownership: callers own every struct; nothing is allocated.
 */
#ifndef ESPFAB_HOST_BOARD_PROFILE_H
#define ESPFAB_HOST_BOARD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#define BOARD_NAME_MAX 32
#define BOARD_TEXT_MAX 160
#define BOARD_ERR_LEN 256

/* Ethernet per-frame cost beyond the IP packet (bytes on the wire). */
#define BOARD_ETH_HEADER 14
#define BOARD_ETH_FCS 4
#define BOARD_ETH_PREAMBLE_IFG 20
#define BOARD_ETH_MIN_PAYLOAD 46

typedef struct board_profile {
	char name[BOARD_NAME_MAX];          /* short name (u250, zcu102, ...) */
	char board[BOARD_TEXT_MAX];         /* human name */
	char part[BOARD_TEXT_MAX];          /* FPGA / SoC part number */
	double fabric_mhz;                  /* fabric clock of the engine (assumption until timing closes) */
	char host_link[BOARD_TEXT_MAX];     /* human description of the host link */
	double host_raw_gbytes;             /* raw bandwidth per direction, GB/s (1e9 bytes/s) */
	double host_efficiency;             /* usable fraction of host_raw_gbytes (0..1] */
	double host_shared_gbytes;          /* optional: cap on read + write together (shared DDR), 0 = none */
	unsigned ports;                     /* network ports used by the data path */
	double port_gbps;                   /* line rate of one port, Gb/s */
	char port_kind[BOARD_TEXT_MAX];     /* e.g. "QSFP28 100GbE" */
	bool pipelined;                     /* engine parameters (espfab_dma_top) */
	unsigned sa_slots, n_ctx, cipher_lanes, stream_bytes, n_queues;
	unsigned instances;                 /* engine instances on the board */
} board_profile;

/* Parse `len` bytes of profile text; `fname` is used in messages only.
 * name defaults to "" (board_profile_load sets it from the file name).
 * Returns 0, or -1 with one line in err. */
int board_profile_parse(const char *text, size_t len, const char *fname, board_profile *p, char *err,
			size_t err_len);

/* Read and parse PATH. */
int board_profile_read(const char *path, board_profile *p, char *err, size_t err_len);

/* Directory of the profiles: $ESPFAB_BOARD_DIR if set, else board/profiles
 * relative to the current directory. */
const char *board_profile_dir(void);

/* Load DIR/NAME.conf (NAME: letters, digits, '-', '_'), name set to NAME. */
int board_profile_load(const char *dir, const char *name, board_profile *p, char *err, size_t err_len);

/* Names of the *.conf files in DIR, sorted; writes up to max names and
 * returns how many there are (may exceed max), or -1 with err. */
int board_profile_list(const char *dir, char names[][BOARD_NAME_MAX], int max, char *err, size_t err_len);

enum board_limit { BOARD_LIMIT_ENGINE, BOARD_LIMIT_HOST, BOARD_LIMIT_PORT };

const char *board_limit_name(enum board_limit l); /* "engine", "host link", "port" */

enum board_dir { BOARD_ENCAP, BOARD_DECAP };

typedef struct board_projection {
	double engine_gbps;   /* each limit in Gb/s of plaintext IP bytes */
	double host_gbps;
	double port_gbps;
	double gbps;          /* the smallest of the three */
	enum board_limit limit;
	double host_usable_gbytes; /* per direction, host_raw_gbytes * host_efficiency */
} board_projection;

/* Project.  plain_bytes: plaintext IP packet length (what bpc counts);
 * esp_bytes: the ESP packet that carries it.  Encap reads plain and writes
 * ESP; decap the reverse.  Returns 0, or -1 if an argument is out of range
 * (bpc <= 0, a size of 0). */
int board_project(const board_profile *p, double bytes_per_cycle, unsigned plain_bytes, unsigned esp_bytes,
		  enum board_dir dir, board_projection *out);

/* ESP tunnel-mode packet length for a plaintext IP packet: outer IPv4
 * header (20) + SPI/sequence (8) + IV + payload padded so that payload +
 * 2 trailer bytes is a multiple of block + ICV. */
unsigned board_esp_tunnel_bytes(unsigned plain_bytes, unsigned block, unsigned iv_len, unsigned icv_len);

#endif /* ESPFAB_HOST_BOARD_PROFILE_H */
