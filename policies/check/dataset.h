/* A dataset's CSV files read once, for what trex-check builds from them
 * (the identifier index, idindex.c; the category domains, domains.c).
 * Dataset files are the data owner's, trusted and possibly large: one
 * record a line, read a line at a time (the strict reader, csv.c, is for
 * job outputs and caps sizes a national dataset exceeds). */
#ifndef TREX_CHECK_DATASET_H
#define TREX_CHECK_DATASET_H

#include <stddef.h>

#include "err.h"

struct dataset_visitor {
	/* a file's header: 0 to read its rows, 1 to skip them, < 0 to stop */
	int (*header)(void *ctx, const char *path, char *const *fields, size_t n);
	/* one row: its fields (quotes removed), < 0 to stop */
	int (*row)(void *ctx, char *const *fields, size_t n);
	void *ctx;
};

/* Every *.csv below dir, in name order (so what is built from them does
 * not depend on the order of the directory). */
int dataset_scan(const char *dir, const struct dataset_visitor *v, struct trex_err *err);

#endif
