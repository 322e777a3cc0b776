/* Identifier indexes, category domains and codebooks of datasets
 * (trex-check --build-id-index ... --domains-out ... --codebook-out),
 * built once per dataset in one pass and cached in
 * STATE/idindex/<key>/{ids.bin,domains.json,codebook.json}, where the key
 * is the SHA-256 of their formats, the codebook's threshold (the
 * configured pack's safe_threshold), the dataset path, its id columns and
 * the path, size and mtime of every CSV file below it: a changed dataset
 * (or a new format, or threshold) gets a new index. */
#ifndef TREX_RUNNER_IDCACHE_H
#define TREX_RUNNER_IDCACHE_H

#include <stddef.h>

#include "config.h"
#include "err.h"

/* 0 with dir set to the folder holding ids.bin, domains.json and
 * codebook.json (the first two bound
 * read-only into the checker's sandbox), also for a dataset without
 * id_columns (its index finds nothing; its domains still hold). Builds
 * the index the first time (one trex-check run over the dataset, outside
 * the sandbox: the data owner's files, the TRE's binary), so it is called
 * from a pool thread (job.c); calls are serialised. */
int idcache_get(const struct config *c, const struct dataset *ds, char *dir, size_t len,
		struct trex_err *err);

#endif
