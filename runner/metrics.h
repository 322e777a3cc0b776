/* GET /metrics in Prometheus text format (runner/metrics.c). */
#ifndef TREX_RUNNER_METRICS_H
#define TREX_RUNNER_METRICS_H

#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "http.h"
#include "trexd.h"

/* One answered request: its route (enum api_route_kind), status and the
 * time spent in api_handle. */
void metrics_observe_request(int route, int status, uint64_t handler_ns);

/* A job's sandbox start: from uv_spawn of trex-sandbox to the job's
 * execve (the status record's started_ns). */
void metrics_observe_sandbox_start(uint64_t ns);

/* A job's run: from spawning its sandbox to the sandbox's exit. */
void metrics_observe_job_run(uint64_t ns);

/* A job leaving the queue for a slot: `since` is when it entered the
 * queue, the store's "YYYY-MM-DDTHH:MM:SSZ" (its updated_at while queued:
 * submission, approval or a requeue), so to the second. */
void metrics_observe_queue_wait(const char *since);

/* An output check: from spawning trex-check's sandbox to its exit. */
void metrics_observe_check(uint64_t ns);

/* One declared output's final verdict (pass, suppressed, review, fail,
 * missing) and, when checked, its report entry's "decisions" (CONTRACTS.md
 * 2: cells per rule and action); decisions may be NULL. */
void metrics_observe_output(const char *verdict, json_t *decisions);

/* The exposition, answered on resp. */
void metrics_serve(struct trexd *d, struct http_response *resp);

/* The http_handler of the metrics listener (config metrics_listen; ctx
 * is the struct trexd): GET /metrics and nothing else, to anyone who
 * reaches the port. Read-only: it reads counters and the store's counts. */
void metrics_http_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
