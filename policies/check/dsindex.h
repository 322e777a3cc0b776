/* What trex-check builds once per dataset, in one pass over its files
 * (dataset.c): the identifier index (idindex.c), the category domains
 * (domains.c) and the codebook researchers are shown (codebook.c). trexd
 * caches them (runner/idcache.c). */
#ifndef TREX_CHECK_DSINDEX_H
#define TREX_CHECK_DSINDEX_H

#include <stddef.h>

#include "err.h"

struct dsindex_out {
	const char *ids;      /* the identifier index */
	const char *domains;  /* NULL: no domains */
	const char *codebook; /* NULL: no codebook */
	long threshold;       /* the codebook's k (the policy's safe_threshold) */
};

/* id_columns: a comma list, possibly empty (an index of no identifiers).
 * *ncols: columns the codebook describes. */
int dsindex_build(const char *dir, const char *id_columns, const struct dsindex_out *out,
		  size_t *nids, size_t *nvalues, size_t *ncols, struct trex_err *err);

#endif
