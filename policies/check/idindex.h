/* Identifier-leak detection: the pseudonymised identifiers of a dataset,
 * as a compact file of 64-bit hashes built once per dataset, and an O(1)
 * lookup for every field of every checked output. An output that carries
 * one of them is record-level data however it is declared. */
#ifndef TREX_CHECK_IDINDEX_H
#define TREX_CHECK_IDINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "err.h"

#define IDINDEX_MAGIC "TREXIDS1"
#define IDINDEX_MAX_IDS (64u * 1024 * 1024)

struct idindex {
	uint64_t *slots; /* open addressing, 0 = empty */
	size_t mask;
	size_t n;
};

/* Scan every *.csv below dir (recursively) and write the hashes of the
 * values of the named columns (comma list) to out, atomically. File
 * layout: magic, count (u64, little-endian), sorted hashes (u64 LE). */
int idindex_build(const char *dir, const char *columns, const char *out, size_t *nids,
		  struct trex_err *err);
int idindex_load(const char *path, struct idindex *ix, struct trex_err *err);
void idindex_free(struct idindex *ix);
bool idindex_has(const struct idindex *ix, const char *s, size_t len);

/* First field of a table (header included, row 0) that is an identifier:
 * 1 with *row (0 = header, else 1-based data row) and *col set, else 0. */
int idindex_scan_table(const struct idindex *ix, const struct csv_table *t, size_t *row,
		       size_t *col);
/* Free text: every token (run of letters, digits, '_', '-', '.') of the
 * file; 1 with *line set (1-based) on a hit, 0 when none, negative errno
 * when the file cannot be read. */
int idindex_scan_text(const struct idindex *ix, const char *path, size_t *line,
		      struct trex_err *err);

#endif
