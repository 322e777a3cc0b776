/* A job's reproducibility record (docs/CONTRACTS.md section 4), signed
 * into its release manifest (relman.c) so that a published result can be
 * traced and rerun (`trex run --local --like JOB`):
 *
 *   {"trex_version": "0.1.0",
 *    "runtime": {"name", "like", "interpreters": {...},
 *                "packages", "packages_sha256"}     (rtident.h),
 *    "dataset": {"name", "content_sha256"},
 *    "policy": {"name", "sha256"}                    (packs_sha256),
 *    "limits": {"memory_mb", "cpu_seconds", "wall_seconds", "pids",
 *               "output_mb"}}
 *
 * Only names the job already named, versions and digests: nothing read
 * from the data but a digest over all of it, no path. */
#ifndef TREX_RUNNER_REPRO_H
#define TREX_RUNNER_REPRO_H

#include <jansson.h>

#include "config.h"
#include "err.h"

/* Built on a pool thread once the dataset's index is found (job.c): the
 * runtime's identity from the monitor (it may wait for the probe), the
 * dataset's content digest from ids_dir/content.sha256 (NULL or absent:
 * no "content_sha256"), the pack's digest. A new reference. */
int repro_build(const struct config *c, const char *runtime, const char *dataset,
		const char *policy, const struct limits *l, const char *ids_dir, json_t **out,
		struct trex_err *err);

#endif
