/* A job's declared outputs on their way to trex-check (checkin.c), shared
 * by trexd (release.c) and `trex run --local` (agent/runlocal.c). */
#ifndef TREX_RUNNER_CHECKIN_H
#define TREX_RUNNER_CHECKIN_H

#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "err.h"
#include "hash.h"

/* Copy every declared output of `manifest` found as a regular file in
 * job_dir/stage into job_dir/checkin, then write checkin/manifest.json
 * ({"outputs": declared}) and checkin/policy.json (the pack `policy` of
 * c->policy_dir, resolved) when any was found. *present receives the
 * declared paths found (JSON array of strings). A copy the disk refused
 * (trexd_retryable) fails the whole call, to be made again. */
int checkin_collect(const struct config *c, const char *policy, const char *job_dir,
		    json_t *manifest, json_t **present, struct trex_err *err);

/* Copy src_dir/rel (a regular file, no symlink on the way, beneath
 * src_dir) to dst_dir/dst_rel durably (tmp + fsync + rename + fsync dir),
 * at most max bytes. sha256/size of the copy when non-NULL. */
int release_copy(int src_dir, const char *rel, int dst_dir, const char *dst_rel,
		 uint64_t max, char sha256[TREX_SHA256_HEX_LEN + 1], int64_t *size,
		 struct trex_err *err);

/* job_dir/sub, opened as a directory (not through a symlink). */
int checkin_open_dir(const char *job_dir, const char *sub, struct trex_err *err);

/* The job state from output counts (CONTRACTS.md 3), with a reason. */
const char *release_state(size_t declared, size_t released, size_t held, char *reason,
			  size_t reason_len);
/* 1 when path is one of `present` (strings). */
int checkin_present(json_t *present, const char *path);

/* One declared output's verdict from the check report: "missing" when the
 * job did not produce it, "fail" when the report says nothing of it or
 * releases no file for a pass, else the checker's word (view_verdict);
 * `released` the checked/ file to release (pass and suppressed only),
 * `entry` the report's entry, both pointing into report. */
struct checkin_verdict {
	const char *verdict;
	const char *summary;
	const char *released;
	json_t *entry;
};
void checkin_verdict(json_t *report, json_t *present, const char *path,
		     struct checkin_verdict *v);

#endif
