/* Identifier indexes of datasets (trex-check --build-id-index), built once
 * per dataset and cached in STATE/idindex/<key>/ids.bin, where the key is
 * the SHA-256 of the dataset path, its id columns and the path, size and
 * mtime of every CSV file below it: a changed dataset gets a new index. */
#ifndef TREX_RUNNER_IDCACHE_H
#define TREX_RUNNER_IDCACHE_H

#include <stddef.h>

#include "config.h"
#include "err.h"

/* 0 with dir set to the folder holding ids.bin (bound read-only into the
 * checker's sandbox), 1 when the dataset declares no id_columns. Builds
 * the index the first time (one trex-check run over the dataset, outside
 * the sandbox: the data owner's files, the TRE's binary), so it is called
 * from a pool thread (job.c); calls are serialised. */
int idcache_get(const struct config *c, const struct dataset *ds, char *dir, size_t len,
		struct trex_err *err);

#endif
