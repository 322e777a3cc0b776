/* trex status / trex wait: follow a job and print a readable summary of
 * what happened to it and to each of its outputs. Everything printed here
 * comes from trexd and is escaped. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/client.h"
#include "agent/sse.h"

/* trex wait follows GET /v1/events?job=ID (sse.c); against a trexd
 * without it, it polls GET /v1/jobs/{id}: start fast (short jobs finish in
 * about a second) and back off to a bounded interval for long ones. The
 * same back-off spaces reconnections of a stream. */
#define WAIT_FIRST_MS 200
#define WAIT_MAX_MS 2000
/* A daemon restart must not fail a long wait, but a dead one should. */
#define WAIT_MAX_ERRORS 5
/* How long trexd may take to answer the stream request. */
#define WAIT_OPEN_MS 30000
/* A stream that broke is opened again until trexd has been unreachable
 * this long (and WAIT_MAX_ERRORS tries): a restart, which drains running
 * jobs first, takes a few seconds. A trexd never reached fails after
 * WAIT_MAX_ERRORS tries, as the poll does. */
#define WAIT_DOWN_S 30

static void status_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(status_decref)))

static const char *status_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void status_field(FILE *f, const char *label, const char *text)
{
	fprintf(f, "  %-9s ", label);
	cli_put(f, text);
	fputc('\n', f);
}

/* The run as trexd shows it to this caller: a researcher gets the
 * result class and rounded figures (docs/api.md), checkers, operators and
 * auditors the exact ones. Only what is there is printed. */
static void status_print_run(FILE *f, const json_t *run)
{
	if (!json_is_object(run))
		return;
	fprintf(f, "  %-9s ", "run:");
	cli_put(f, status_str(run, "result"));
	static const struct {
		const char *key, *pre, *unit;
	} nums[] = {
		{ "exit_code", "exit_code=", "" },     { "signal", "signal=", "" },
		{ "wall_ms", "wall_ms=", "" },         { "cpu_ms", "cpu_ms=", "" },
		{ "peak_memory_kb", "peak_memory_kb=", "" },
		{ "wall_s", "wall <= ", " s" },        { "cpu_s", "cpu <= ", " s" },
		{ "peak_memory_mb", "memory <= ", " MB" },
	};
	const char *sep = " (";
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		const json_t *v = json_object_get(run, nums[i].key);
		if (!json_is_integer(v))
			continue;
		fprintf(f, "%s%s%" JSON_INTEGER_FORMAT "%s", sep, nums[i].pre, json_integer_value(v),
			nums[i].unit);
		sep = ", ";
	}
	fputs(sep[0] == ',' ? ")\n" : "\n", f);
	const char *error = status_str(run, "error");
	if (error && error[0])
		status_field(f, "error:", error);
	const json_t *und = json_object_get(run, "undeclared_files");
	const json_t *ref = json_object_get(run, "refused_files");
	if (json_integer_value(und) > 0 || json_integer_value(ref) > 0)
		fprintf(f, "  %-9s %" JSON_INTEGER_FORMAT "%s undeclared files ignored, %"
			JSON_INTEGER_FORMAT " entries refused (not regular files)\n", "output:",
			json_integer_value(und), json_integer_value(und) >= 10 ? " or more" : "",
			json_integer_value(ref));
	/* their names are never shown (SECURITY.md): say what to do */
	if (json_integer_value(und) > 0)
		fprintf(f, "  %-9s only files declared under \"outputs\" in the manifest are checked and\n"
			   "            released: declare the ones you need (path and kind)\n", "hint:");
}

/* The checker's report entry for an output: matched on the file's
 * basename, since trex-check reports the path it was given. */
static const json_t *status_report_entry(const json_t *report, const char *name)
{
	size_t i;
	const json_t *e;
	if (!name)
		return NULL;
	json_array_foreach(json_object_get(report, "files"), i, e) {
		const char *file = status_str(e, "file");
		if (!file)
			continue;
		const char *base = strrchr(file, '/');
		if (strcmp(base ? base + 1 : file, name) == 0)
			return e;
	}
	return NULL;
}

/* Why an output was not released as is: the checker's reasons, a few. */
#define STATUS_MAX_REASONS 5

static void status_print_reasons(FILE *f, const json_t *entry)
{
	const json_t *reasons = json_object_get(entry, "reasons");
	size_t i;
	const json_t *r;
	json_array_foreach(reasons, i, r) {
		if (i == STATUS_MAX_REASONS) {
			fprintf(f, "      (%zu more reasons in 'trex status --json')\n",
				json_array_size(reasons) - i);
			break;
		}
		fputs("      why: ", f);
		cli_put(f, json_string_value(r));
		fputc('\n', f);
	}
}

static void status_print_outputs(FILE *f, const json_t *outputs, const json_t *report)
{
	if (!json_is_array(outputs))
		return;
	fprintf(f, "  outputs:  %zu\n", json_array_size(outputs));
	size_t i;
	const json_t *o;
	json_array_foreach(outputs, i, o) {
		fputs("    - ", f);
		cli_put(f, status_str(o, "name"));
		fputs(" [", f);
		cli_put(f, status_str(o, "kind"));
		fputs("] verdict=", f);
		cli_put(f, status_str(o, "verdict"));
		fprintf(f, " %s", json_is_true(json_object_get(o, "released")) ? "RELEASED"
										  : "not released");
		const json_t *size = json_object_get(o, "size");
		if (json_is_integer(size))
			fprintf(f, " size=%" JSON_INTEGER_FORMAT, json_integer_value(size));
		fputc('\n', f);
		const char *summary = status_str(o, "summary");
		if (summary && summary[0]) {
			fputs("      ", f);
			cli_put(f, summary);
			fputc('\n', f);
		}
		const char *verdict = status_str(o, "verdict");
		if (!verdict || strcmp(verdict, "pass") != 0)
			status_print_reasons(f, status_report_entry(report, status_str(o, "name")));
	}
}

static void status_print_logs(FILE *f, const json_t *logs)
{
	if (!json_is_array(logs) || json_array_size(logs) == 0)
		return;
	fputs("  logs:    ", f);
	size_t i;
	const json_t *l;
	json_array_foreach(logs, i, l) {
		fputc(' ', f);
		cli_put(f, status_str(l, "name"));
		const json_t *size = json_object_get(l, "size");
		fputs(" (", f);
		if (json_is_integer(size))
			fprintf(f, "%" JSON_INTEGER_FORMAT " bytes, ", json_integer_value(size));
		cli_put(f, status_str(l, "state"));
		fputc(')', f);
	}
	fputc('\n', f);
}

/* The permit the job ran under and every checker decision with its
 * reason: a researcher sees why a held output was released or not. */
static void status_print_access(FILE *f, const json_t *job)
{
	const json_t *p = json_object_get(job, "permit");
	if (json_is_object(p)) {
		fputs("  permit:   ", f);
		cli_put(f, status_str(p, "permit_id"));
		fputs(" (policy ", f);
		cli_put(f, status_str(p, "policy"));
		fputs(json_is_true(json_object_get(p, "strict")) ? ", strict)\n" : ")\n", f);
	}
	size_t i;
	const json_t *r;
	json_array_foreach(json_object_get(job, "reviews"), i, r) {
		fputs("  review:   ", f);
		cli_put(f, status_str(r, "name"));
		fputs(": ", f);
		cli_put(f, status_str(r, "decision"));
		fputs(" by ", f);
		cli_put(f, status_str(r, "reviewer"));
		fputs(" (", f);
		cli_put(f, status_str(r, "reason"));
		fputs(")\n", f);
	}
}

void cli_print_job(FILE *f, const json_t *job)
{
	fputs("job ", f);
	cli_put(f, status_str(job, "id"));
	fputc('\n', f);
	status_field(f, "state:", status_str(job, "state"));
	const char *reason = status_str(job, "reason");
	if (reason && reason[0])
		status_field(f, "reason:", reason);
	static const char *const keys[] = { "project", "dataset", "runtime", "submitted_by" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(job, keys[i]);
		char label[32];
		snprintf(label, sizeof(label), "%s:", keys[i]);
		if (json_is_string(v))
			status_field(f, label, json_string_value(v));
		else if (json_is_integer(v))
			fprintf(f, "  %-9s %" JSON_INTEGER_FORMAT "\n", label, json_integer_value(v));
	}
	status_print_run(f, json_object_get(job, "run"));
	status_print_outputs(f, json_object_get(job, "outputs"), json_object_get(job, "report"));
	status_print_logs(f, json_object_get(job, "logs"));
	status_print_access(f, job);
}

static int status_parse(const char *verb, int argc, char **argv, const char **id, int *as_json,
			double *timeout)
{
	enum { OPT_TIMEOUT = 1 };
	static const struct option opts[] = { CLI_JSON_OPTION,
					      { "timeout", required_argument, NULL, OPT_TIMEOUT },
					      { NULL, 0, NULL, 0 } };
	*id = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == CLI_OPT_JSON) {
			*as_json = 1;
		} else if (c == OPT_TIMEOUT && timeout) {
			char *end;
			errno = 0;
			*timeout = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(*timeout >= 0) || *timeout > 1e7)
				return cli_usage_error(verb, "bad --timeout value (seconds, e.g. 600)");
		} else {
			return cli_opt_error(verb, c == OPT_TIMEOUT ? '?' : c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(verb, "missing JOB id");
	if (optind + 1 < argc)
		return cli_usage_error(verb, "too many arguments");
	*id = argv[optind];
	return 0;
}

int cli_status(const struct cli_ctx *ctx, int argc, char **argv)
{
	const char *arg;
	int as_json = ctx->json;
	int r = status_parse("status", argc, argv, &arg, &as_json, NULL);
	if (r)
		return r;
	char id[160];
	if ((r = cli_resolve_job(ctx, "status", arg, id, sizeof(id))) != 0)
		return r;
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *job = NULL;
	if (cli_get_job(ctx, id, &job, &err) < 0)
		return cli_fail(&err);
	if (as_json)
		cli_print_json(job);
	else
		cli_print_job(stdout, job);
	return CLI_EXIT_OK;
}

static double status_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What trex wait shows while it waits: each state the job reaches, with
 * the time since it was submitted; on a terminal the last line is
 * redrawn every second, elsewhere one plain line per change (stderr, so
 * stdout keeps only the final status). */
struct status_progress {
	int tty;
	time_t created; /* the job's created_at, else when the wait began */
	int created_known;
	char state[32];
	int drawn;      /* a line without its newline is on the terminal */
};

static time_t status_parse_utc(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	return end && !*end ? timegm(&tm) : (time_t)-1;
}

static void status_progress_draw(struct status_progress *p)
{
	time_t now = time(NULL);
	long el = now > p->created ? (long)(now - p->created) : 0;
	if (p->tty)
		fputs("\r\033[K", stderr);
	if (el >= 3600)
		fprintf(stderr, "[%ld:%02ld:%02ld] ", el / 3600, el / 60 % 60, el % 60);
	else
		fprintf(stderr, "[%2ld:%02ld] ", el / 60, el % 60);
	cli_put(stderr, p->state);
	if (p->tty) {
		p->drawn = 1;
	} else {
		fputc('\n', stderr);
	}
	fflush(stderr);
}

/* A job document or event's state: a line when it changed. */
static void status_progress_job(struct status_progress *p, const json_t *job)
{
	const char *state = status_str(job, "state");
	if (!state)
		return;
	if (!p->created_known) {
		time_t c = status_parse_utc(status_str(job, "created_at"));
		p->created_known = 1;
		if (c != (time_t)-1 && c <= time(NULL))
			p->created = c;
	}
	if (strcmp(state, p->state) == 0)
		return;
	if (p->drawn)
		fputc('\n', stderr);
	p->drawn = 0;
	snprintf(p->state, sizeof(p->state), "%s", state);
	status_progress_draw(p);
}

/* The terminal's line, redrawn with the time now. */
static void status_progress_tick(struct status_progress *p)
{
	if (p->tty && p->state[0])
		status_progress_draw(p);
}

static void status_progress_end(struct status_progress *p)
{
	if (p->drawn)
		fputc('\n', stderr);
	p->drawn = 0;
}

/* The job's exit code once it has ended (printed), or -1 while it runs. */
static int status_ended(const json_t *job, struct status_progress *p, int as_json)
{
	const char *state = status_str(job, "state");
	status_progress_job(p, job);
	int code = cli_exit_for_state(state);
	if (code < 0)
		return -1;
	status_progress_end(p);
	if (as_json)
		cli_print_json(job);
	else
		cli_print_job(stdout, job);
	/* the job's own time limit shows as timed_out, or as failed with
	 * run.result timed_out (the researcher's view) */
	const json_t *run = json_object_get(job, "run");
	const char *result = status_str(run, "result");
	if (code == CLI_EXIT_JOB_FAILED && result &&
	    (strcmp(result, "timed_out") == 0 || strcmp(result, "timeout") == 0 ||
	     strcmp(result, "cpu_limit") == 0))
		code = CLI_EXIT_TIMED_OUT;
	return code;
}

static int status_timed_out(const char *id, double timeout, struct status_progress *p)
{
	status_progress_end(p);
	fprintf(stderr, "trex wait: job %s not finished after %g s (it goes on; 'trex wait %s' "
			"again to follow it)\n", id, timeout, id);
	return CLI_EXIT_WAIT_TIMEOUT;
}

static void status_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Sleep before the next try for the back-off delay, cut short by the
 * deadline, then grow the delay by half up to WAIT_MAX_MS. 0, or the
 * timed-out exit code once the deadline has passed. */
static int status_backoff(const char *id, double timeout, double deadline, long *delay_ms,
			  struct status_progress *p)
{
	long sleep_ms = *delay_ms;
	if (timeout > 0) {
		double left = deadline - status_now();
		if (left <= 0)
			return status_timed_out(id, timeout, p);
		if (left * 1000 < (double)sleep_ms)
			sleep_ms = (long)(left * 1000) + 1;
	}
	status_sleep_ms(sleep_ms);
	status_progress_tick(p);
	*delay_ms = *delay_ms * 3 / 2 > WAIT_MAX_MS ? WAIT_MAX_MS : *delay_ms * 3 / 2;
	return 0;
}

struct status_wait {
	const struct cli_ctx *ctx;
	const char *id;
	double timeout, deadline;
	int as_json;
	struct status_progress progress;
};

/* Polling GET /v1/jobs/{id}, for a trexd without GET /v1/events. */
static int status_wait_poll(struct status_wait *w)
{
	long delay_ms = WAIT_FIRST_MS;
	int errors = 0;
	for (;;) {
		struct trex_err err = { 0 };
		_cleanup_json_ json_t *job = NULL;
		int r = cli_get_job(w->ctx, w->id, &job, &err);
		if (r == CLIENT_EREFUSED || (r < 0 && ++errors >= WAIT_MAX_ERRORS)) {
			status_progress_end(&w->progress);
			return cli_fail(&err); /* e.g. 404: waiting will not help */
		}
		if (r == 0) {
			errors = 0;
			int code = status_ended(job, &w->progress, w->as_json);
			if (code >= 0)
				return code;
		}
		int t = status_backoff(w->id, w->timeout, w->deadline, &delay_ms, &w->progress);
		if (t)
			return t;
	}
}

/* Follow an open stream of the job's events. The job is read once the
 * stream is live (so no change can fall between the read and the stream)
 * and again when an event says it ended or a reset says events were
 * lost; the states events carry are shown as they come. 1: ended (*code
 * set); 0: the timeout passed; CLIENT_EREFUSED: the job cannot be read;
 * other negative: the stream or a read broke. */
static int status_follow(struct status_wait *w, struct sse_stream *s, int *code,
			 struct trex_err *err)
{
	int look = 1;
	for (;;) {
		if (look) {
			_cleanup_json_ json_t *job = NULL;
			int r = cli_get_job(w->ctx, w->id, &job, err);
			if (r < 0)
				return r;
			*code = status_ended(job, &w->progress, w->as_json);
			if (*code >= 0)
				return 1;
			look = 0;
		}
		/* a terminal's line shows the time: woken every second */
		int wait_ms = w->progress.tty ? 1000 : -1;
		if (w->timeout > 0) {
			double left = w->deadline - status_now();
			if (left <= 0)
				return 0;
			int left_ms = left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
			wait_ms = wait_ms < 0 || left_ms < wait_ms ? left_ms : wait_ms;
		}
		struct sse_event ev;
		int r = sse_next(s, wait_ms, &ev, err);
		if (r < 0)
			return r;
		if (r == 0) {
			status_progress_tick(&w->progress);
			continue;
		}
		if (strcmp(ev.event, "reset") == 0) {
			look = 1;
		} else if (strcmp(ev.event, "job") == 0) {
			json_t *d = json_loads(ev.data, 0, NULL);
			int mine = d && strcmp(status_str(d, "id") ? status_str(d, "id") : "", w->id) == 0;
			if (mine && !cli_state_terminal(status_str(d, "state")))
				status_progress_job(&w->progress, d);
			look = mine && cli_state_terminal(status_str(d, "state"));
			json_decref(d);
		}
	}
}

int cli_wait(const struct cli_ctx *ctx, int argc, char **argv)
{
	const char *arg;
	struct status_wait w = { .ctx = ctx, .as_json = ctx->json };
	int r = status_parse("wait", argc, argv, &arg, &w.as_json, &w.timeout);
	if (r)
		return r;
	char id[160];
	if ((r = cli_resolve_job(ctx, "wait", arg, id, sizeof(id))) != 0)
		return r;
	w.id = id;
	w.deadline = status_now() + w.timeout;
	w.progress.tty = isatty(STDERR_FILENO);
	w.progress.created = time(NULL);
	char target[256];
	snprintf(target, sizeof(target), "/v1/events?job=%s", id);
	long delay_ms = WAIT_FIRST_MS;
	int errors = 0, followed = 0;
	double down_since = 0;
	for (;;) {
		struct trex_err err = { 0 };
		struct sse_stream *s = NULL;
		int status = 0, code = 0;
		r = sse_open(ctx->socket, target, WAIT_OPEN_MS, &status, &s, &err);
		/* no stream (an older trexd: 404; too many streams: 503; or a
		 * refusal the poll will report): poll instead */
		if (r == 0 && status != 200)
			return status_wait_poll(&w);
		if (r == 0) {
			errors = 0;
			down_since = 0;
			followed = 1;
			r = status_follow(&w, s, &code, &err);
			sse_close(s);
			if (r == 1)
				return code;
			if (r == 0)
				return status_timed_out(id, w.timeout, &w.progress);
			if (r == CLIENT_EREFUSED) {
				status_progress_end(&w.progress);
				return cli_fail(&err);
			}
		}
		/* trexd restarting (after a stream worked), or not there */
		if (down_since == 0)
			down_since = status_now();
		if (++errors >= WAIT_MAX_ERRORS &&
		    (!followed || status_now() - down_since >= WAIT_DOWN_S)) {
			status_progress_end(&w.progress);
			return cli_fail(&err);
		}
		int t = status_backoff(id, w.timeout, w.deadline, &delay_ms, &w.progress);
		if (t)
			return t;
	}
}

/* trex cancel JOB: POST /v1/jobs/{id}/cancel (its submitter or an
 * operator). A queued job is cancelled at once; a running one once its
 * sandbox is gone. */
int cli_cancel(const struct cli_ctx *ctx, int argc, char **argv)
{
	const char *arg;
	int as_json = ctx->json;
	int r = status_parse("cancel", argc, argv, &arg, &as_json, NULL);
	if (r)
		return r;
	char id[160];
	if ((r = cli_resolve_job(ctx, "cancel", arg, id, sizeof(id))) != 0)
		return r;
	char target[256];
	snprintf(target, sizeof(target), "/v1/jobs/%s/cancel", id);
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *ans = NULL;
	if (client_call_json(ctx->socket, "POST", target, NULL, &ans, &err) < 0)
		return cli_fail(&err);
	if (as_json) {
		cli_print_json(ans);
		return CLI_EXIT_OK;
	}
	const char *state = status_str(ans, "state");
	printf("job %s: ", id);
	cli_put(stdout, state);
	if (state && strcmp(state, "cancelling") == 0)
		fputs(" (its sandbox is being stopped; 'trex wait' follows it to cancelled)", stdout);
	fputc('\n', stdout);
	return CLI_EXIT_OK;
}
