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
#include "log.h"
#include "buf.h"
#include "events.h"
#include "sched.h"
#include "store.h"
#include "version.h"
#include "view.h"

#define METRICS_ROUTES 32
#define METRICS_CLASSES 5 /* 1xx..5xx */

/* handler latency buckets, seconds */
static const double metrics_bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
					 0.01, 0.025, 0.05, 0.1, 0.25, 1 };
#define METRICS_NB (sizeof(metrics_bounds) / sizeof(metrics_bounds[0]))

/* sandbox start buckets, seconds: a resident start is a few ms, a cold
 * one on a loaded host tens to hundreds */
static const double metrics_start_bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					       0.1, 0.25, 0.5, 1, 2.5, 5 };
#define METRICS_START_NB (sizeof(metrics_start_bounds) / sizeof(metrics_start_bounds[0]))

/* output verdicts; the last is anything else a report said */
static const char *const metrics_verdicts[] = { "pass", "suppressed", "review", "fail",
						"missing", "other" };
#define METRICS_NV (sizeof(metrics_verdicts) / sizeof(metrics_verdicts[0]))

/* (rule, action) pairs of cell decisions: a bounded table, since the
 * labels come from trex-check's report (fixed words of its code, but read
 * back from a process that handled the job's outputs); past the bound, or
 * for a word that is not a plain identifier, the pair counts as "other" */
#define METRICS_CELL_KINDS 63
struct metrics_cell_kind {
	char rule[33];
	char action[17];
	uint64_t n;
};

static struct {
	uint64_t requests[METRICS_ROUTES][METRICS_CLASSES];
	uint64_t buckets[METRICS_NB + 1]; /* last: +Inf */
	uint64_t count;
	double sum;
	uint64_t start_buckets[METRICS_START_NB + 1];
	uint64_t start_count;
	double start_sum;
	uint64_t verdicts[METRICS_NV];
	struct metrics_cell_kind cells[METRICS_CELL_KINDS + 1]; /* last: other */
	size_t n_cells;
} metrics;

static const char *metrics_route(int route)
{
	return api_route_name((enum api_route_kind)route);
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

void metrics_observe_sandbox_start(uint64_t ns)
{
	double s = (double)ns / 1e9;
	size_t b = 0;
	while (b < METRICS_START_NB && s > metrics_start_bounds[b])
		b++;
	metrics.start_buckets[b]++;
	metrics.start_count++;
	metrics.start_sum += s;
}

/* Label values are words of trex-check's vocabularies (view.h): a
 * report cannot put text of its own into the metrics. */
static void metrics_count_cells(const char *rule, const char *action, uint64_t n)
{
	struct metrics_cell_kind *k = NULL;
	rule = view_rule(rule);
	action = view_action(action);
	if (strlen(rule) < sizeof(k->rule) && strlen(action) < sizeof(k->action)) {
		for (size_t i = 0; i < metrics.n_cells; i++)
			if (strcmp(metrics.cells[i].rule, rule) == 0 &&
			    strcmp(metrics.cells[i].action, action) == 0)
				k = &metrics.cells[i];
		if (!k && metrics.n_cells < METRICS_CELL_KINDS) {
			k = &metrics.cells[metrics.n_cells++];
			snprintf(k->rule, sizeof(k->rule), "%s", rule);
			snprintf(k->action, sizeof(k->action), "%s", action);
		}
	}
	if (!k) {
		k = &metrics.cells[METRICS_CELL_KINDS];
		snprintf(k->rule, sizeof(k->rule), "other");
		snprintf(k->action, sizeof(k->action), "other");
	}
	k->n += n;
}

void metrics_observe_output(const char *verdict, json_t *decisions)
{
	size_t v = 0;
	while (v < METRICS_NV - 1 && (!verdict || strcmp(verdict, metrics_verdicts[v]) != 0))
		v++;
	metrics.verdicts[v]++;
	/* the report's per-file tally (CONTRACTS.md 2): file-level decisions
	 * carry no cells and add nothing */
	size_t i;
	json_t *d;
	json_array_foreach(decisions, i, d) {
		json_int_t n = json_integer_value(json_object_get(d, "cells"));
		if (n > 0)
			metrics_count_cells(json_string_value(json_object_get(d, "rule")),
					    json_string_value(json_object_get(d, "action")),
					    (uint64_t)n);
	}
}

/* A histogram's lines: cumulative buckets, +Inf, sum and count. */
static void metrics_histogram(struct trex_buf *o, const char *name, const double *bounds,
			      size_t nb, const uint64_t *buckets, double sum, uint64_t count)
{
	uint64_t cum = 0;
	for (size_t b = 0; b < nb; b++) {
		cum += buckets[b];
		trex_buf_printf(o, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[b],
				(unsigned long long)cum);
	}
	cum += buckets[nb];
	trex_buf_printf(o, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
			(unsigned long long)cum, name, sum, name, (unsigned long long)count);
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
	/* the usual constant-1 gauge whose labels say what is running */
	trex_buf_printf(&o, "# HELP trex_build_info The trex release this trexd was built from.\n"
			    "# TYPE trex_build_info gauge\ntrex_build_info{version=\"%s\"} 1\n",
			TREX_VERSION);
	trex_buf_printf(&o, "# HELP trexd_queue_depth Jobs waiting for a slot.\n"
			    "# TYPE trexd_queue_depth gauge\ntrexd_queue_depth %ld\n", queued);
	trex_buf_printf(&o, "# HELP trexd_jobs_running Sandboxes trexd supervises now.\n"
			    "# TYPE trexd_jobs_running gauge\ntrexd_jobs_running %d\n",
			sched_running(d));
	trex_buf_printf(&o, "# HELP trexd_event_streams Open GET /v1/events streams.\n"
			    "# TYPE trexd_event_streams gauge\ntrexd_event_streams %zu\n",
			events_subscribers(d));
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
	metrics_histogram(&o, "trexd_api_handler_seconds", metrics_bounds, METRICS_NB,
			  metrics.buckets, metrics.sum, metrics.count);
	trex_buf_printf(&o, "# HELP trexd_sandbox_start_seconds From spawning trex-sandbox to the "
			    "job's execve inside it.\n"
			    "# TYPE trexd_sandbox_start_seconds histogram\n");
	metrics_histogram(&o, "trexd_sandbox_start_seconds", metrics_start_bounds,
			  METRICS_START_NB, metrics.start_buckets, metrics.start_sum,
			  metrics.start_count);
	trex_buf_printf(&o, "# HELP trexd_output_verdicts_total Declared outputs of finished jobs "
			    "by verdict of the disclosure check.\n"
			    "# TYPE trexd_output_verdicts_total counter\n");
	for (size_t v = 0; v < METRICS_NV; v++)
		trex_buf_printf(&o, "trexd_output_verdicts_total{verdict=\"%s\"} %llu\n",
				metrics_verdicts[v], (unsigned long long)metrics.verdicts[v]);
	trex_buf_printf(&o, "# HELP trexd_check_cell_decisions_total Cell decisions of the "
			    "disclosure check by rule and action.\n"
			    "# TYPE trexd_check_cell_decisions_total counter\n");
	for (size_t i = 0; i <= METRICS_CELL_KINDS; i++)
		if ((i < metrics.n_cells || i == METRICS_CELL_KINDS) && metrics.cells[i].n)
			trex_buf_printf(&o, "trexd_check_cell_decisions_total{rule=\"%s\","
					    "action=\"%s\"} %llu\n", metrics.cells[i].rule,
					metrics.cells[i].action,
					(unsigned long long)metrics.cells[i].n);
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

void metrics_http_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct trexd *d = ctx;
	uint64_t t0 = uv_hrtime();
	enum api_route_kind kind = API_METRICS;
	if (strcmp(req->path, "/metrics") != 0) {
		kind = API_NOT_FOUND;
		http_respond_error(resp, 404, "not_found", "this listener serves GET /metrics only");
	} else if (strcmp(req->method, "GET") != 0) {
		kind = API_BAD_METHOD;
		http_respond_error(resp, 405, "method_not_allowed", "GET /metrics only");
	} else {
		metrics_serve(d, resp);
	}
	metrics_observe_request((int)kind, resp->status, uv_hrtime() - t0);
	/* a scrape every few seconds: not worth a line at info level */
	trex_log(TREX_LOG_DEBUG, "metrics_request", "listener=metrics method=%s route=%s status=%d",
		 req->method, api_route_name(kind), resp->status);
}
