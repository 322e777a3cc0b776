/* GET /metrics: Prometheus text exposition (version 0.0.4). Job counts come
 * from the store at scrape time (one grouped query: the store is the
 * truth, a counter kept beside it would drift across restarts); request
 * counts and handler latency are kept here in memory since start. No data
 * values, no job ids, no user names: labels are states, routes and status
 * codes only. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "alloc.h"
#include "buf.h"
#include "sched.h"
#include "store.h"

#define METRICS_ROUTES 32
#define METRICS_CLASSES 5 /* 1xx..5xx */

/* handler latency buckets, seconds */
static const double metrics_bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
					 0.01, 0.025, 0.05, 0.1, 0.25, 1 };
#define METRICS_NB (sizeof(metrics_bounds) / sizeof(metrics_bounds[0]))

static struct {
	uint64_t requests[METRICS_ROUTES][METRICS_CLASSES];
	uint64_t buckets[METRICS_NB + 1]; /* last: +Inf */
	uint64_t count;
	double sum;
} metrics;

/* names of enum api_route_kind (api.h), in its order */
static const char *const metrics_route_names[] = {
	"not_found", "bad_method", "health", "submit", "job", "outputs", "output_file",
	"approve", "review", "held_file", "release_manifest", "audit_job", "audit_project",
	"trexd_key", "refused",
};

static const char *metrics_route(int route)
{
	if (route >= 0 && (size_t)route < sizeof(metrics_route_names) / sizeof(metrics_route_names[0]))
		return metrics_route_names[route];
	switch (route) {
	case API_METRICS: return "metrics";
	case API_CANCEL: return "cancel";
	case API_LIST: return "list";
	case API_LOGS: return "logs";
	case API_LOG: return "log";
	default: return "other";
	}
}

void metrics_observe_request(int route, int status, uint64_t handler_ns)
{
	if (route < 0 || route >= METRICS_ROUTES)
		route = METRICS_ROUTES - 1;
	int cls = status / 100 - 1;
	if (cls < 0 || cls >= METRICS_CLASSES)
		cls = METRICS_CLASSES - 1;
	metrics.requests[route][cls]++;
	double s = (double)handler_ns / 1e9;
	size_t b = 0;
	while (b < METRICS_NB && s > metrics_bounds[b])
		b++;
	metrics.buckets[b]++;
	metrics.count++;
	metrics.sum += s;
}

static int metrics_jobs(struct trexd *d, struct trex_buf *o, long *queued)
{
	sqlite3_stmt *st;
	*queued = 0;
	if (sqlite3_prepare_v2(store_db(d->store), "SELECT state, count(*) FROM jobs GROUP BY state",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	trex_buf_printf(o, "# HELP trexd_jobs Jobs in the store by state.\n# TYPE trexd_jobs gauge\n");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		long n = (long)sqlite3_column_int64(st, 1);
		/* states are trexd's own words; nothing to escape */
		trex_buf_printf(o, "trexd_jobs{state=\"%s\"} %ld\n", state ? state : "", n);
		if (state && strcmp(state, "queued") == 0)
			*queued = n;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

void metrics_serve(struct trexd *d, struct http_response *resp)
{
	struct trex_buf o;
	trex_buf_init(&o, 1u << 20);
	long queued = 0;
	if (metrics_jobs(d, &o, &queued) < 0) {
		trex_buf_free(&o);
		http_respond_error(resp, 500, "internal", "the store could not be read");
		return;
	}
	trex_buf_printf(&o, "# HELP trexd_queue_depth Jobs waiting for a slot.\n"
			    "# TYPE trexd_queue_depth gauge\ntrexd_queue_depth %ld\n", queued);
	trex_buf_printf(&o, "# HELP trexd_jobs_running Sandboxes trexd supervises now.\n"
			    "# TYPE trexd_jobs_running gauge\ntrexd_jobs_running %d\n",
			sched_running(d));
	trex_buf_printf(&o, "# HELP trexd_api_requests_total API requests since start.\n"
			    "# TYPE trexd_api_requests_total counter\n");
	for (int r = 0; r < METRICS_ROUTES; r++)
		for (int c = 0; c < METRICS_CLASSES; c++)
			if (metrics.requests[r][c])
				trex_buf_printf(&o, "trexd_api_requests_total{route=\"%s\",code=\"%dxx\"} %llu\n",
						metrics_route(r), c + 1,
						(unsigned long long)metrics.requests[r][c]);
	trex_buf_printf(&o, "# HELP trexd_api_handler_seconds Time in the request handler "
			    "(store, checks, JSON), not on the wire.\n"
			    "# TYPE trexd_api_handler_seconds histogram\n");
	uint64_t cum = 0;
	for (size_t b = 0; b < METRICS_NB; b++) {
		cum += metrics.buckets[b];
		trex_buf_printf(&o, "trexd_api_handler_seconds_bucket{le=\"%g\"} %llu\n",
				metrics_bounds[b], (unsigned long long)cum);
	}
	cum += metrics.buckets[METRICS_NB];
	trex_buf_printf(&o, "trexd_api_handler_seconds_bucket{le=\"+Inf\"} %llu\n"
			    "trexd_api_handler_seconds_sum %.6f\n"
			    "trexd_api_handler_seconds_count %llu\n",
			(unsigned long long)cum, metrics.sum, (unsigned long long)metrics.count);
	size_t len = 0;
	char *body = trex_buf_steal(&o, &len);
	if (!body) {
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
	resp->body = body;
	resp->len = len;
}
