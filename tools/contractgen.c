/*
 * contractgen — turn contract/espfab.contract into the C header (and, with
 * the RTL, the Verilog include) so that driver and fabric share one
 * definition of the SA record, descriptors, status codes and registers.
 *
 *   contractgen --c OUT.h CONTRACT
 *   contractgen --verilog OUT.vh CONTRACT
 *
 * A register may be an array of consecutive 32-bit words (a window):
 * "reg NAME[COUNT] OFFSET ACCESS" emits NAME_BASE and NAME_COUNT (and, in C,
 * NAME(i), the offset of word i).  COUNT is a number, a const, a record
 * (its length in 32-bit words) or a product A*B of those.
 *
 * Errors: any syntax or layout problem prints "FILE:LINE: message" and exits 1
 * without writing the output file.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 256
#define NAME_LEN 48
#define DESC_LEN 160

enum kind { K_CONST, K_ENUM, K_RECORD, K_REGMAP };

struct item {            /* one enum value, record field or register */
	char name[NAME_LEN];
	char desc[DESC_LEN];
	long value;          /* enum value, register offset */
	unsigned size;       /* record field: element bytes */
	unsigned count;      /* record field, register: elements (0 = scalar) */
	unsigned offset;     /* record field: byte offset */
	char access[4];      /* register access: ro, rw, wo, rc or w1c */
};

struct block {
	enum kind kind;
	char name[NAME_LEN];
	char desc[DESC_LEN];
	long value;          /* const */
	struct item *items;
	unsigned n;
	unsigned size;       /* record: bytes */
};

static struct block blocks[MAX_ITEMS];
static unsigned nblocks;
static int ver_major = -1, ver_minor;
static const char *src_path;
static unsigned lineno;

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%u: ", src_path, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Split a line into up to 8 words; a "quoted string" is one word. */
static unsigned split(char *s, char **w, unsigned max)
{
	unsigned n = 0;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			break;
		if (n == max)
			die("too many words on the line");
		if (*s == '"') {
			w[n++] = ++s;
			while (*s && *s != '"')
				s++;
			if (!*s)
				die("unterminated string");
			*s++ = 0;
			continue;
		}
		w[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = 0;
	}
	return n;
}

static void copy_name(char *dst, const char *src)
{
	size_t len = strlen(src);
	if (len == 0 || len >= NAME_LEN)
		die("name '%s' is empty or longer than %d characters", src, NAME_LEN - 1);
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)src[i]) && src[i] != '_')
			die("name '%s' may hold only letters, digits and '_'", src);
	memcpy(dst, src, len + 1);
}

static void copy_desc(char *dst, const char *src)
{
	if (strlen(src) >= DESC_LEN)
		die("description longer than %d characters", DESC_LEN - 1);
	strcpy(dst, src);
}

static long number(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || *end || end == s)
		die("expected a number, got '%s'", s);
	return v;
}

static long const_value(const char *s)
{
	if (isdigit((unsigned char)s[0]))
		return number(s);
	for (unsigned i = 0; i < nblocks; i++)
		if (blocks[i].kind == K_CONST && !strcmp(blocks[i].name, s))
			return blocks[i].value;
	die("'%s' is neither a number nor a const defined above", s);
	return 0;
}

/* A register array's length: number, const, record (in 32-bit words), or A*B. */
static long count_value(char *s)
{
	char *star = strchr(s, '*');
	if (star) {
		*star = 0;
		long a = count_value(s), b = count_value(star + 1);
		if (a > 65536 || b > 65536)
			die("array count out of range");
		return a * b;
	}
	if (!isdigit((unsigned char)s[0]))
		for (unsigned i = 0; i < nblocks; i++)
			if (blocks[i].kind == K_RECORD && !strcmp(blocks[i].name, s))
				return blocks[i].size / 4;
	return const_value(s);
}

static struct item *add_item(struct block *b)
{
	b->items = realloc(b->items, (b->n + 1) * sizeof *b->items);
	if (!b->items)
		die("out of memory");
	struct item *it = &b->items[b->n++];
	memset(it, 0, sizeof *it);
	return it;
}

static void check_unique(const struct block *b, const char *name)
{
	for (unsigned i = 0; i + 1 < b->n; i++)
		if (!strcmp(b->items[i].name, name))
			die("'%s' defined twice in %s", name, b->name);
}

static void parse(FILE *f)
{
	char line[512];
	struct block *cur = NULL;
	char *w[8];

	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			die("line longer than %zu characters", sizeof line - 2);
		unsigned n = split(line, w, 8);
		if (n == 0)
			continue;
		if (cur) {
			if (!strcmp(w[0], "end")) {
				if (cur->kind == K_RECORD) {
					if (cur->size % 8)
						die("record %s is %u bytes, not a multiple of 8", cur->name, cur->size);
				}
				cur = NULL;
				continue;
			}
			struct item *it = add_item(cur);
			if (cur->kind == K_ENUM) {
				if (n != 3)
					die("enum value: NAME NUMBER \"description\"");
				copy_name(it->name, w[0]);
				it->value = number(w[1]);
				copy_desc(it->desc, w[2]);
				for (unsigned i = 0; i + 1 < cur->n; i++)
					if (cur->items[i].value == it->value)
						die("value %ld used twice in enum %s", it->value, cur->name);
			} else if (cur->kind == K_RECORD) {
				if (n != 3)
					die("field: TYPE NAME[COUNT] \"description\"");
				if (!strcmp(w[0], "u8")) it->size = 1;
				else if (!strcmp(w[0], "u16")) it->size = 2;
				else if (!strcmp(w[0], "u32")) it->size = 4;
				else if (!strcmp(w[0], "u64")) it->size = 8;
				else die("unknown field type '%s' (u8, u16, u32, u64)", w[0]);
				char *br = strchr(w[1], '[');
				if (br) {
					char *close = strchr(br, ']');
					if (!close || close[1])
						die("bad array field '%s'", w[1]);
					*close = 0;
					*br = 0;
					long c = const_value(br + 1);
					if (c <= 0 || c > 65536)
						die("array count %ld out of range", c);
					it->count = (unsigned)c;
				}
				copy_name(it->name, w[1]);
				copy_desc(it->desc, w[2]);
				if (cur->size % it->size)
					die("field %s at offset %u is not aligned to %u bytes", it->name, cur->size, it->size);
				it->offset = cur->size;
				cur->size += it->size * (it->count ? it->count : 1);
			} else {
				if (n != 5 || strcmp(w[0], "reg"))
					die("register: reg NAME[COUNT] OFFSET ro|rw|wo|rc|w1c \"description\"");
				char *br = strchr(w[1], '[');
				if (br) {
					char *close = strchr(br, ']');
					if (!close || close[1])
						die("bad register array '%s'", w[1]);
					*close = 0;
					*br = 0;
					long c = count_value(br + 1);
					if (c <= 0 || c > 65536)
						die("register array count %ld out of range", c);
					it->count = (unsigned)c;
				}
				copy_name(it->name, w[1]);
				it->value = number(w[2]);
				if (it->value % 4)
					die("register %s offset 0x%lx not 4-byte aligned", it->name, it->value);
				if (strcmp(w[3], "ro") && strcmp(w[3], "rw") && strcmp(w[3], "wo") && strcmp(w[3], "rc") &&
				    strcmp(w[3], "w1c"))
					die("register access '%s' (ro, rw, wo, rc, w1c)", w[3]);
				strcpy(it->access, w[3]);
				copy_desc(it->desc, w[4]);
				long end = it->value + 4L * (it->count ? it->count : 1);
				for (unsigned i = 0; i + 1 < cur->n; i++) {
					struct item *o = &cur->items[i];
					long oend = o->value + 4L * (o->count ? o->count : 1);
					if (it->value < oend && o->value < end)
						die("register %s overlaps %s in %s", it->name, o->name, cur->name);
				}
			}
			check_unique(cur, it->name);
			continue;
		}
		if (!strcmp(w[0], "version")) {
			if (n != 3)
				die("version MAJOR MINOR");
			ver_major = (int)number(w[1]);
			ver_minor = (int)number(w[2]);
			continue;
		}
		if (nblocks == MAX_ITEMS)
			die("too many blocks");
		struct block *b = &blocks[nblocks];
		memset(b, 0, sizeof *b);
		if (!strcmp(w[0], "const")) {
			if (n != 4)
				die("const NAME VALUE \"description\"");
			b->kind = K_CONST;
			b->value = number(w[2]);
		} else if (!strcmp(w[0], "enum") || !strcmp(w[0], "record") || !strcmp(w[0], "regmap")) {
			if (n != 3)
				die("%s NAME \"description\"", w[0]);
			b->kind = w[0][0] == 'e' ? K_ENUM : w[0][0] == 'r' && w[0][2] == 'c' ? K_RECORD : K_REGMAP;
			cur = b;
		} else {
			die("unknown statement '%s' (version, const, enum, record, regmap)", w[0]);
		}
		copy_name(b->name, w[1]);
		copy_desc(b->desc, w[n - 1]);
		for (unsigned i = 0; i < nblocks; i++)
			if (!strcmp(blocks[i].name, b->name) && blocks[i].kind == b->kind)
				die("'%s' defined twice", b->name);
		nblocks++;
	}
	if (cur)
		die("block '%s' has no 'end'", cur->name);
	if (ver_major < 0)
		die("no version statement");
}

static void upper(char *dst, const char *src)
{
	while ((*dst++ = (char)toupper((unsigned char)*src++)))
		;
}

static const char *ctype(unsigned size)
{
	return size == 1 ? "uint8_t" : size == 2 ? "uint16_t" : size == 4 ? "uint32_t" : "uint64_t";
}

static void emit_c(FILE *o)
{
	char U[NAME_LEN], V[NAME_LEN];
	fprintf(o, "/* GENERATED from %s by tools/contractgen — do not edit. */\n", src_path);
	fprintf(o, "#ifndef ESPFAB_CONTRACT_H\n#define ESPFAB_CONTRACT_H\n\n");
	fprintf(o, "#include <stddef.h>\n#include <stdint.h>\n\n");
	fprintf(o, "#define ESPFAB_CONTRACT_VERSION_MAJOR %d\n", ver_major);
	fprintf(o, "#define ESPFAB_CONTRACT_VERSION_MINOR %d\n\n", ver_minor);
	for (unsigned i = 0; i < nblocks; i++) {
		struct block *b = &blocks[i];
		upper(U, b->name);
		switch (b->kind) {
		case K_CONST:
			fprintf(o, "#define ESPFAB_%s %ld /* %s */\n", U, b->value, b->desc);
			break;
		case K_ENUM: {
			long max = 0;
			fprintf(o, "\n/* %s */\nenum espfab_%s {\n", b->desc, b->name);
			for (unsigned j = 0; j < b->n; j++) {
				upper(V, b->items[j].name);
				fprintf(o, "\tESPFAB_%s_%s = %ld, /* %s */\n", U, V, b->items[j].value, b->items[j].desc);
				if (b->items[j].value > max)
					max = b->items[j].value;
			}
			fprintf(o, "};\n#define ESPFAB_%s_LIMIT %ld /* one above the largest value */\n", U, max + 1);
			fprintf(o, "static inline const char *espfab_%s_name(unsigned v)\n{\n\tswitch (v) {\n", b->name);
			for (unsigned j = 0; j < b->n; j++)
				fprintf(o, "\tcase %ld: return \"%s\";\n", b->items[j].value, b->items[j].name);
			fprintf(o, "\tdefault: return \"?\";\n\t}\n}\n");
			fprintf(o, "static inline const char *espfab_%s_text(unsigned v)\n{\n\tswitch (v) {\n", b->name);
			for (unsigned j = 0; j < b->n; j++)
				fprintf(o, "\tcase %ld: return \"%s\";\n", b->items[j].value, b->items[j].desc);
			fprintf(o, "\tdefault: return \"unknown value\";\n\t}\n}\n");
			break;
		}
		case K_RECORD:
			fprintf(o, "\n/* %s (%u bytes) */\ntypedef struct espfab_%s {\n", b->desc, b->size, b->name);
			for (unsigned j = 0; j < b->n; j++) {
				struct item *it = &b->items[j];
				if (it->count)
					fprintf(o, "\t%s %s[%u]; /* %s */\n", ctype(it->size), it->name, it->count, it->desc);
				else
					fprintf(o, "\t%s %s; /* %s */\n", ctype(it->size), it->name, it->desc);
			}
			fprintf(o, "} espfab_%s_t;\n", b->name);
			fprintf(o, "#define ESPFAB_%s_BYTES %u\n", U, b->size);
			fprintf(o, "_Static_assert(sizeof(espfab_%s_t) == %u, \"contract: %s size\");\n", b->name, b->size, b->name);
			for (unsigned j = 0; j < b->n; j++) {
				upper(V, b->items[j].name);
				fprintf(o, "#define ESPFAB_%s_OFF_%s %u\n", U, V, b->items[j].offset);
				fprintf(o, "_Static_assert(offsetof(espfab_%s_t, %s) == %u, \"contract: %s.%s\");\n",
					b->name, b->items[j].name, b->items[j].offset, b->name, b->items[j].name);
			}
			break;
		case K_REGMAP:
			fprintf(o, "\n/* %s */\n", b->desc);
			for (unsigned j = 0; j < b->n; j++) {
				struct item *it = &b->items[j];
				upper(V, it->name);
				if (!it->count) {
					fprintf(o, "#define ESPFAB_%s_%s 0x%04lx /* %s: %s */\n", U, V, it->value,
						it->access, it->desc);
					continue;
				}
				fprintf(o, "#define ESPFAB_%s_%s_BASE 0x%04lx /* %s, %u words: %s */\n", U, V, it->value,
					it->access, it->count, it->desc);
				fprintf(o, "#define ESPFAB_%s_%s_COUNT %u\n", U, V, it->count);
				fprintf(o, "#define ESPFAB_%s_%s(i) (ESPFAB_%s_%s_BASE + 4 * (i))\n", U, V, U, V);
			}
			break;
		}
	}
	fprintf(o, "\n#endif /* ESPFAB_CONTRACT_H */\n");
}

static void emit_verilog(FILE *o)
{
	char U[NAME_LEN], V[NAME_LEN];
	fprintf(o, "// GENERATED from %s by tools/contractgen — do not edit.\n", src_path);
	fprintf(o, "`ifndef ESPFAB_CONTRACT_VH\n`define ESPFAB_CONTRACT_VH\n\n");
	fprintf(o, "localparam integer ESPFAB_CONTRACT_VERSION = 32'h%04x%04x;\n", ver_major, ver_minor);
	for (unsigned i = 0; i < nblocks; i++) {
		struct block *b = &blocks[i];
		upper(U, b->name);
		switch (b->kind) {
		case K_CONST:
			fprintf(o, "localparam integer ESPFAB_%s = %ld; // %s\n", U, b->value, b->desc);
			break;
		case K_ENUM:
			fprintf(o, "\n// %s\n", b->desc);
			for (unsigned j = 0; j < b->n; j++) {
				upper(V, b->items[j].name);
				fprintf(o, "localparam integer ESPFAB_%s_%s = %ld; // %s\n", U, V, b->items[j].value, b->items[j].desc);
			}
			break;
		case K_RECORD:
			fprintf(o, "\n// %s: %u bytes; offsets in bytes, widths in bits\n", b->desc, b->size);
			fprintf(o, "localparam integer ESPFAB_%s_BYTES = %u;\n", U, b->size);
			for (unsigned j = 0; j < b->n; j++) {
				struct item *it = &b->items[j];
				upper(V, it->name);
				fprintf(o, "localparam integer ESPFAB_%s_OFF_%s = %u; // %s\n", U, V, it->offset, it->desc);
				fprintf(o, "localparam integer ESPFAB_%s_W_%s = %u;\n", U, V,
					it->size * 8 * (it->count ? it->count : 1));
			}
			break;
		case K_REGMAP:
			fprintf(o, "\n// %s\n", b->desc);
			for (unsigned j = 0; j < b->n; j++) {
				struct item *it = &b->items[j];
				upper(V, it->name);
				if (!it->count) {
					fprintf(o, "localparam integer ESPFAB_%s_%s = 'h%04lx; // %s: %s\n", U, V, it->value,
						it->access, it->desc);
					continue;
				}
				fprintf(o, "localparam integer ESPFAB_%s_%s_BASE = 'h%04lx; // %s, %u words: %s\n", U, V,
					it->value, it->access, it->count, it->desc);
				fprintf(o, "localparam integer ESPFAB_%s_%s_COUNT = %u;\n", U, V, it->count);
			}
			break;
		}
	}
	fprintf(o, "\n`endif // ESPFAB_CONTRACT_VH\n");
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "--c") && strcmp(argv[1], "--verilog"))) {
		fprintf(stderr, "usage: contractgen --c|--verilog OUT CONTRACT\n");
		return 2;
	}
	src_path = argv[3];
	FILE *f = fopen(src_path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\n", src_path, strerror(errno));
		return 1;
	}
	parse(f);
	fclose(f);

	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
	FILE *o = fopen(tmp, "w");
	if (!o) {
		fprintf(stderr, "%s: %s\n", tmp, strerror(errno));
		return 1;
	}
	if (!strcmp(argv[1], "--c"))
		emit_c(o);
	else
		emit_verilog(o);
	if (fclose(o) || rename(tmp, argv[2])) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
