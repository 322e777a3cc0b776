/* Identifier indexes and category domains of datasets (trex-check
 * --build-id-index ... --domains-out), built once per dataset in one pass
 * and cached in STATE/idindex/<key>/{ids.bin,domains.json,codebook.json}, where the key
 * is the SHA-256 of their formats, the builder, the codebook's threshold
 * (the configured pack's safe_threshold), the dataset path, its id columns and
 * the path, size and mtime of every CSV file below it: a changed dataset
 * (or a new format) gets a new index. */
#ifndef TREX_RUNNER_IDCACHE_H
#define TREX_RUNNER_IDCACHE_H

#include <stddef.h>

#include "config.h"
#include "err.h"

/* The index's key (SHA-256 hex) of ds and the codebook's threshold (the
 * configured pack's safe_threshold): a walk of the dataset's metadata
 * (names, sizes, mtimes; links not followed), no file read. The monitor
 * computes it (the service cannot walk a dataset it may not read). */
int idcache_key(const struct dataset *ds, long threshold, char key[65], struct trex_err *err);

/* 0 with dir set to the folder holding ids.bin, domains.json (bound
 * read-only into the checker's sandbox) and codebook.json (the
 * researchers' codebook, made under the pack's threshold: the one file
 * of it the service may read, runner/codebooks.c), also for a dataset without
 * id_columns (its index finds nothing; its domains still hold). The
 * service names the dataset to the monitor (MON_ID_INDEX), which keys it
 * and, the first time, builds the index in trex-sandbox (one trex-check
 * run over the dataset as a job uid, the dataset read-only, a fresh
 * build folder its only output) and installs it readable by the job uids
 * and not by the service: the service names datasets, it never reads
 * them, nor what was derived from them. Waits for that build, so it is
 * called from a pool thread (job.c); calls are serialised. -ENOSPC when
 * the build failed on a full state filesystem (job.c tries again). */
int idcache_get(const struct config *c, const struct dataset *ds, char *dir, size_t len,
		struct trex_err *err);

#endif
