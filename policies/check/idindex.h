/* Identifier-leak detection: the pseudonymised identifiers of a dataset,
 * as a compact file of hashes built once per dataset, and a linear-time
 * search of every field and text of a checked output for them, whole and
 * inside longer text (a label made of a raw row holds its identifier). An
 * output that carries one is record-level data however it is declared.
 *
 * The hash is a polynomial one (Rabin-Karp) modulo the prime 2^61 - 1,
 * with a base drawn at random when the index is built and kept in it, so
 * the hash of every window of a given length is one multiplication away
 * from the prefix hashes of the text. Identifiers of at least
 * IDINDEX_MIN_SUBSTR bytes are looked for at every position of a field or
 * text (windows of each identifier length the dataset has); shorter ones
 * only as a whole field or a whole token, where a window would match by
 * chance (a 4-digit identifier inside any year). Fields that are plain
 * decimal numbers are matched whole only: a number holds no label, and
 * the digits of large values would otherwise meet numeric identifiers. */
#ifndef TREX_CHECK_IDINDEX_H
#define TREX_CHECK_IDINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "err.h"

#define IDINDEX_MAGIC "TREXIDS2"
#define IDINDEX_MAX_IDS (64u * 1024 * 1024)
/* identifiers at least this long are found inside longer text */
#define IDINDEX_MIN_SUBSTR 6
/* lengths above this are matched whole only (a field, a token) */
#define IDINDEX_MAX_WINDOW 4096

struct idindex {
	uint64_t *slots;   /* open addressing on the key, 0 = empty */
	size_t mask;
	size_t n;
	uint64_t base;     /* the hash's base, from the file */
	uint32_t *lens;    /* distinct identifier lengths >= IDINDEX_MIN_SUBSTR, ascending */
	size_t nlens;
	uint64_t *pow;     /* per entry of lens: base^len mod p */
	uint64_t short_lens; /* bit L set: some identifier has length L < IDINDEX_MIN_SUBSTR;
			      * bit 63: some identifier is longer than IDINDEX_MAX_WINDOW */
	uint8_t *pairs;    /* 65536 bits: first two bytes of the long identifiers */
	uint8_t *len_ok;   /* per length up to IDINDEX_MAX_WINDOW: some identifier has it */
};
#define IDINDEX_HUGE_BIT 63

/* Built from the values of the id columns (any order, repeats allowed),
 * then written once: file layout (little-endian) magic, base (u64),
 * IDINDEX_MIN_SUBSTR (u32), number of long lengths (u32), number of keys
 * (u64), the pair bitmap (8192 bytes), the long lengths (u32 each,
 * ascending), the short-length mask (u64), the keys (u64 each, sorted). */
struct idindex_builder {
	uint64_t base;
	uint64_t *keys;
	size_t n, cap;
	uint8_t *pairs;
	bool *long_len;    /* per length up to IDINDEX_MAX_WINDOW */
	uint64_t short_lens;
};
int idindex_builder_init(struct idindex_builder *b, struct trex_err *err);
int idindex_builder_add(struct idindex_builder *b, const char *s, size_t len);
/* Atomically to out (temporary file, fsync, rename); *nids distinct keys. */
int idindex_builder_write(struct idindex_builder *b, const char *out, size_t *nids,
			  struct trex_err *err);
void idindex_builder_free(struct idindex_builder *b);

int idindex_load(const char *path, struct idindex *ix, struct trex_err *err);
void idindex_free(struct idindex *ix);

/* Whether s (len bytes) holds an identifier as described above. */
bool idindex_field_has(const struct idindex *ix, const char *s, size_t len);

/* First field of a table (header included, row 0) that holds an
 * identifier: 1 with *row (0 = header, else 1-based data row) and *col
 * set, else 0. */
int idindex_scan_table(const struct idindex *ix, const struct csv_table *t, size_t *row,
		       size_t *col);
/* Free text: every token (run of letters, digits, '_', '-', '.') whole,
 * and every window of every long identifier length; 1 with *line set
 * (1-based) on a hit, 0 when none, negative errno when the file cannot be
 * read. */
int idindex_scan_text(const struct idindex *ix, const char *path, size_t *line,
		      struct trex_err *err);

#endif
