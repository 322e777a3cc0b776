/* The HTTP API of trexd (docs/CONTRACTS.md section 3, docs/api.md). */
#ifndef TREX_RUNNER_API_H
#define TREX_RUNNER_API_H

#include "http.h"
#include "store.h"

enum api_route_kind {
	API_NOT_FOUND,
	API_BAD_METHOD,
	API_HEALTH,
	API_SUBMIT,
	API_JOB,
	API_OUTPUTS,
	API_OUTPUT_FILE,
	API_APPROVE,          /* POST /v1/jobs/{id}/approve */
	API_REVIEW,           /* POST /v1/jobs/{id}/review */
	API_HELD_FILE,        /* GET /v1/jobs/{id}/held/{name} */
	API_RELEASE_MANIFEST, /* GET /v1/jobs/{id}/release */
	API_AUDIT_JOB,        /* GET /v1/audit/job/{id} */
	API_AUDIT_PROJECT,    /* GET /v1/audit/project/{project} */
	API_TREXD_KEY,        /* GET /v1/trexd-key */
	API_REFUSED,          /* set by api_handle: the caller was refused */
	API_METRICS,          /* GET /metrics (Prometheus text) */
	API_CANCEL,           /* POST /v1/jobs/{id}/cancel */
	API_LIST,             /* GET /v1/jobs (jobs_list.c) */
	API_LOGS,             /* GET /v1/jobs/{id}/logs (logs.c) */
	API_LOG,              /* GET /v1/jobs/{id}/logs/{stdout|stderr} */
	API_EVENTS,           /* GET /v1/events (server-sent events) */
	API_AUDIT_HEAD,       /* GET /v1/audit/head (audit_head.c) */
	API_ACRO,             /* GET /v1/jobs/{id}/acro (acroview.c) */
	API_QUEUE,            /* GET /v1/review (queue.c) */
	API_REVIEW_WEB,       /* POST /v1/review/web (web.c: a sign-in link) */
	API_REVIEW_PAGE,      /* any request to the review listener (web.c) */
	API_DATASETS,         /* GET /v1/datasets (codebooks.c) */
	API_DATASET,          /* GET /v1/datasets/{name}: its codebook */
};

struct api_route {
	enum api_route_kind kind;
	char id[STORE_ID_MAX];
	char name[1025]; /* percent-decoded output name */
};

/* Pure routing: method + path (no query string) to a route. */
void api_route(const char *method, const char *path, struct api_route *out);

/* A route's name for logs and metrics ("submit", "job", ...): trexd's
 * own words, never the caller's text. */
const char *api_route_name(enum api_route_kind kind);

/* An answered request, counted (metrics.h) and logged: route name,
 * status, caller uid and, when the route names one, the job (a job id
 * checked by api_route). api_handle calls it, or, for an answer the
 * handler deferred (http_defer), whoever answers, once the status is
 * known (submit.c). t0: uv_hrtime() when the handler started. */
void api_answered(enum api_route_kind kind, const char *method, int status, uid_t uid,
		  const char *job, uint64_t t0);

/* The http_handler; ctx is the struct trexd. */
void api_handle(void *ctx, const struct http_request *req, struct http_response *resp);

/* New job id: UTC time and 48 random bits, e.g. 20261129T100000-0a1b2c3d4e5f. */
int api_new_job_id(char id[STORE_ID_MAX]);

#endif
