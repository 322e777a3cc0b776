/* Moving outputs between a job's folders: declared outputs from stage/ to
 * checkin/ (for trex-check), releasable versions from checked/ to the
 * release area, and the job's final state from the verdicts. */
#ifndef TREX_RUNNER_RELEASE_H
#define TREX_RUNNER_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "hash.h"

struct trexd;

/* Copy every declared output found as a regular file in job_dir/stage into
 * job_dir/checkin, then write checkin/manifest.json ({"outputs": declared})
 * and checkin/policy.json (policy_dir/<policy>.json) when any was found.
 * *present receives the
 * declared paths that were found (JSON array of strings). */
int release_collect(const struct trexd *d, const char *job_dir, json_t *manifest,
		    json_t **present, struct trex_err *err);

/* From the check report: copy pass/suppressed files from job_dir/checked to
 * STATE/release/<project>/<id>/, record every declared output and the final
 * state in the store (one transaction). */
int release_finish(struct trexd *d, const char *id, const char *project,
		   const char *job_dir, json_t *manifest, json_t *present,
		   json_t *report, const char *report_text, struct trex_err *err);

/* The job state from output counts (CONTRACTS.md 3), with a reason. */
const char *release_state(size_t declared, size_t released, size_t held, char *reason,
			  size_t reason_len);

/* Copy src_dir/rel (a regular file, no symlink on the way, beneath
 * src_dir) to dst_dir/dst_rel durably (tmp + fsync + rename + fsync dir),
 * at most max bytes. sha256/size of the copy when non-NULL. */
int release_copy(int src_dir, const char *rel, int dst_dir, const char *dst_rel,
		 uint64_t max, char sha256[TREX_SHA256_HEX_LEN + 1], int64_t *size,
		 struct trex_err *err);

#endif
