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
#include "store.h"
#include "checkin.h" /* release_copy */

struct trexd;

/* Copy every declared output found as a regular file in job_dir/stage into
 * job_dir/checkin, then write checkin/manifest.json ({"outputs": declared})
 * and checkin/policy.json (policy_dir/<policy>.json) when any was found.
 * *present receives the
 * declared paths that were found (JSON array of strings). A copy the
 * disk refused (trexd_retryable) fails the whole call, to be made again. */
int release_collect(const struct trexd *d, const char *job_dir, json_t *manifest,
		    json_t **present, struct trex_err *err);

/* What release_finish decided, kept by its caller between tries (zeroed
 * before the first): the outputs' rows (pointing into the manifest and
 * the report, which must outlive it), the job's state, and how far the
 * release got. */
struct release_plan {
	struct output_row *rows;
	char (*shas)[TREX_SHA256_HEX_LEN + 1];
	size_t n, released, held;
	const char *state;
	char reason[512];
	int copied;  /* every releasable file is in the release area */
	int audited; /* the check line is in the audit log */
};
void release_plan_free(struct release_plan *plan);

/* From the check report: copy pass/suppressed files from job_dir/checked to
 * STATE/release/<project>/<id>/, append the check line to the audit log,
 * then record every declared output and the final state in the store (one
 * transaction). A try that fails with a trexd_retryable code (a full
 * disk) can be made again with the same plan: the copies are made again
 * until they all went through, the check line is written once, and
 * nothing is recorded as released before both. */
int release_finish(struct trexd *d, const char *id, const char *project,
		   const char *job_dir, json_t *manifest, json_t *present,
		   json_t *report, const char *report_text, struct release_plan *plan,
		   struct trex_err *err);

#endif
