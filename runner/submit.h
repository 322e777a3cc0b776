/* The write half of POST /v1/jobs, off the loop: the bundle's files and
 * folders fsync'd, the job committed (WAL, synchronous=FULL) and the
 * submission audited take several milliseconds of disk waits, during
 * which the loop keeps answering everyone else. The 201 is sent only
 * after all three, from the loop. */
#ifndef TREX_RUNNER_SUBMIT_H
#define TREX_RUNNER_SUBMIT_H

#include <jansson.h>

#include "access.h"
#include "http.h"
#include "manifest.h"
#include "store.h"
#include "trexd.h"

/* Store a validated submission: `files` and `m` are taken over (the caller
 * keeps nothing), row->id/state are set, the rest of row is filled here.
 * Answers `req` later through http_defer; on failure to defer, answers in
 * `resp` at once. */
void submit_start(struct trexd *d, const struct caller *c, const struct http_request *req,
		  json_t *files, struct manifest *m, const struct permit_decision *pd,
		  const char *sha, const struct job_row *row, struct http_response *resp);

#endif
