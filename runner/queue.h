/* GET /v1/review: an output checker's queue (issue 17). */
#ifndef TREX_RUNNER_QUEUE_H
#define TREX_RUNNER_QUEUE_H

#include "access.h"
#include "http.h"
#include "trexd.h"

/* At most this many items in one answer ("truncated": true beyond). */
#define QUEUE_MAX 1000

/* {"items": [...], "truncated": bool}: every output held for review and
 * every non-empty held log of an ended job, oldest job first, that the
 * caller (a checker) may decide on: not of a job they submitted. Each
 * item carries the release votes recorded so far and how many the
 * two-checker rule needs; what a checker who does research in the job's
 * project may see of it is cut by view.c (view_queue_item). */
void queue_serve(struct trexd *d, const struct caller *c, struct http_response *resp);

#endif
