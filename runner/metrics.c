/* GET /metrics: Prometheus text exposition (version 0.0.4). Job counts come
 * from the store at scrape time (one grouped query: the store is the
 * truth, a counter kept beside it would drift across restarts); request
 * counts and handler latency are kept here in memory since start. No data
 * values, no job ids, no user names: labels are states, routes, status
 * codes, verdicts and the rule and action words of common/sdcvocab.c only
 * (anything else a report says is "other"). Names follow Prometheus'
 * conventions: counters end in _total, durations are _seconds, sizes
 * _bytes. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include <sqlite3.h>

#include "alloc.h"
#include "log.h"
#include "buf.h"
#include "permit.h"
#include "sdcvocab.h"
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

/* job run buckets, seconds: a quick analysis to a day-long one */
static const double metrics_run_bounds[] = { 1, 5, 15, 30, 60, 300, 900, 1800, 3600,
					     7200, 14400, 43200, 86400 };
#define METRICS_RUN_NB (sizeof(metrics_run_bounds) / sizeof(metrics_run_bounds[0]))

/* queue wait buckets, seconds (the store keeps whole seconds) */
static const double metrics_wait_bounds[] = { 1, 5, 15, 60, 300, 900, 3600, 14400,
					      43200, 86400 };
#define METRICS_WAIT_NB (sizeof(metrics_wait_bounds) / sizeof(metrics_wait_bounds[0]))

/* output check buckets, seconds: trex-check's set-up plus its pass over
 * the outputs */
static const double metrics_check_bounds[] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
					       60, 300 };
#define METRICS_CHECK_NB (sizeof(metrics_check_bounds) / sizeof(metrics_check_bounds[0]))

/* One histogram's state (bounds fixed above, the last bucket +Inf). */
#define METRICS_HIST_MAX 16
struct metrics_hist {
	uint64_t buckets[METRICS_HIST_MAX + 1];
	uint64_t count;
	double sum;
};

/* rules of sdcvocab.c with a verdict-by-rule row; the last row is
 * "other" (a word sdcvocab.c does not list) */
#define METRICS_RULES_MAX 64

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
	struct metrics_hist run, wait, check;
	/* outputs by verdict and by each rule that decided in them */
	uint64_t verdict_rules[METRICS_NV][METRICS_RULES_MAX + 1];
} metrics;

static void metrics_hist_observe(struct metrics_hist *h, const double *bounds, size_t nb,
				 double s)
{
	size_t b = 0;
	while (b < nb && s > bounds[b])
		b++;
	h->buckets[b]++;
	h->count++;
	h->sum += s;
}

void metrics_observe_job_run(uint64_t ns)
{
	metrics_hist_observe(&metrics.run, metrics_run_bounds, METRICS_RUN_NB, (double)ns / 1e9);
}

void metrics_observe_check(uint64_t ns)
{
	metrics_hist_observe(&metrics.check, metrics_check_bounds, METRICS_CHECK_NB,
			     (double)ns / 1e9);
}

void metrics_observe_queue_wait(const char *since)
{
	time_t t0, now = time(NULL);
	if (!since || permit_parse_time(since, &t0) < 0)
		return;
	/* a clock stepped back counts as no wait, not a negative one */
	metrics_hist_observe(&metrics.wait, metrics_wait_bounds, METRICS_WAIT_NB,
			     now > t0 ? (double)(now - t0) : 0.0);
}

/* The row of a rule word: its index in sdcvocab.c, else "other". */
static size_t metrics_rule_index(const char *rule)
{
	for (size_t i = 0; rule && i < sdc_vocab_nrules && i < METRICS_RULES_MAX; i++)
		if (strcmp(rule, sdc_vocab_rules[i]) == 0)
			return i;
	return METRICS_RULES_MAX;
}

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
	unsigned char seen[METRICS_RULES_MAX + 1] = { 0 };
	json_array_foreach(decisions, i, d) {
		const char *rule = json_string_value(json_object_get(d, "rule"));
		json_int_t n = json_integer_value(json_object_get(d, "cells"));
		if (n > 0)
			metrics_count_cells(rule, json_string_value(json_object_get(d, "action")),
					    (uint64_t)n);
		/* each rule that decided counts the output once, file-level
		 * rules included */
		size_t k = metrics_rule_index(rule);
		if (!seen[k]) {
			seen[k] = 1;
			metrics.verdict_rules[v][k]++;
		}
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

/* One number of the store's database, or -1. */
static long long metrics_store_int(struct trexd *d, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	if (sqlite3_prepare_v2(store_db(d->store), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* What the state folder holds and has left: the database's size (its
 * pages, without the WAL), the released outputs' bytes (their copies
 * under STATE/release) and the free space of its filesystem, for
 * alerts before a full disk stops jobs. A figure that cannot be read is
 * left out rather than reported as 0. */
static void metrics_store_size(struct trexd *d, struct trex_buf *o)
{
	long long pages = metrics_store_int(d, "PRAGMA page_count");
	long long page = metrics_store_int(d, "PRAGMA page_size");
	long long released = metrics_store_int(d, "SELECT coalesce(sum(size), 0) FROM outputs"
						  " WHERE released = 1");
	if (pages >= 0 && page > 0)
		trex_buf_printf(o, "# HELP trexd_store_db_bytes Size of trexd.db (its pages).\n"
				   "# TYPE trexd_store_db_bytes gauge\ntrexd_store_db_bytes %lld\n",
				pages * page);
	if (released >= 0)
		trex_buf_printf(o, "# HELP trexd_released_output_bytes Bytes of every released "
				   "output kept in the state folder.\n"
				   "# TYPE trexd_released_output_bytes gauge\n"
				   "trexd_released_output_bytes %lld\n", released);
	struct statvfs sv;
	if (statvfs(d->cfg->state_dir, &sv) == 0)
		trex_buf_printf(o, "# HELP trexd_state_free_bytes Space left for trexd on the state "
				   "folder's filesystem.\n"
				   "# TYPE trexd_state_free_bytes gauge\ntrexd_state_free_bytes %llu\n",
				(unsigned long long)sv.f_bavail * (unsigned long long)sv.f_frsize);
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
	trex_buf_printf(&o, "# HELP trexd_job_queue_wait_seconds From entering the queue "
			    "(submission, approval or requeue) to a slot, to the second.\n"
			    "# TYPE trexd_job_queue_wait_seconds histogram\n");
	metrics_histogram(&o, "trexd_job_queue_wait_seconds", metrics_wait_bounds, METRICS_WAIT_NB,
			  metrics.wait.buckets, metrics.wait.sum, metrics.wait.count);
	trex_buf_printf(&o, "# HELP trexd_job_duration_seconds From spawning a job's sandbox to "
			    "its exit (the run, not the check).\n"
			    "# TYPE trexd_job_duration_seconds histogram\n");
	metrics_histogram(&o, "trexd_job_duration_seconds", metrics_run_bounds, METRICS_RUN_NB,
			  metrics.run.buckets, metrics.run.sum, metrics.run.count);
	trex_buf_printf(&o, "# HELP trexd_check_duration_seconds From spawning the output check's "
			    "sandbox to its exit.\n"
			    "# TYPE trexd_check_duration_seconds histogram\n");
	metrics_histogram(&o, "trexd_check_duration_seconds", metrics_check_bounds,
			  METRICS_CHECK_NB, metrics.check.buckets, metrics.check.sum,
			  metrics.check.count);
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
		if (metrics.cells[i].n && (i < metrics.n_cells || i == METRICS_CELL_KINDS))
			trex_buf_printf(&o, "trexd_check_cell_decisions_total{rule=\"%s\","
					    "action=\"%s\"} %llu\n", metrics.cells[i].rule,
					metrics.cells[i].action,
					(unsigned long long)metrics.cells[i].n);
	trex_buf_printf(&o, "# HELP trexd_output_rule_verdicts_total Checked outputs by verdict "
			    "and each disclosure rule that decided in them (an output counts once "
			    "per rule).\n"
			    "# TYPE trexd_output_rule_verdicts_total counter\n");
	for (size_t v = 0; v < METRICS_NV; v++)
		for (size_t k = 0; k <= METRICS_RULES_MAX; k++)
			if (metrics.verdict_rules[v][k])
				trex_buf_printf(&o, "trexd_output_rule_verdicts_total{verdict=\"%s\","
						    "rule=\"%s\"} %llu\n", metrics_verdicts[v],
						k < METRICS_RULES_MAX ? sdc_vocab_rules[k] : "other",
						(unsigned long long)metrics.verdict_rules[v][k]);
	metrics_store_size(d, &o);
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
