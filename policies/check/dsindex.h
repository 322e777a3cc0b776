/* What trex-check builds once per dataset, in one pass over its files
 * (dataset.c): the identifier index (idindex.c) and the category domains
 * (domains.c). trexd caches both (runner/idcache.c). */
#ifndef TREX_CHECK_DSINDEX_H
#define TREX_CHECK_DSINDEX_H

#include <stddef.h>

#include "err.h"

/* id_columns: a comma list, possibly empty (an index of no identifiers);
 * domains_out may be NULL (no domains). */
int dsindex_build(const char *dir, const char *id_columns, const char *ids_out,
		  const char *domains_out, size_t *nids, size_t *nvalues, struct trex_err *err);

#endif
