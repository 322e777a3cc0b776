/* trex list: the jobs trexd lets the caller see, following GET /v1/jobs's
 * pages to the end (or --limit jobs). trex logs JOB [stdout|stderr]: a
 * job's logs once a checker released them. Everything printed about jobs
 * comes from trexd and is escaped; released log bytes are written as they
 * are, except to a terminal. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/client.h"
#include "common/esc.h"

#define LIST_PAGE 50 /* jobs per request: output starts soon, pages stay small */

static void list_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(list_decref)))

/* Append "&name=value" (value percent-encoded) to the query. */
static int list_param(char *q, size_t qsz, const char *name, const char *value)
{
	char enc[400];
	if (!value)
		return 0;
	if (client_path_escape(value, enc, sizeof(enc)) < 0)
		return -ENAMETOOLONG;
	size_t n = strlen(q);
	int w = snprintf(q + n, qsz - n, "%s%s=%s", n ? "&" : "", name, enc);
	return w < 0 || (size_t)w >= qsz - n ? -ENAMETOOLONG : 0;
}

static void list_print(const json_t *job)
{
	static const char *const cols[] = { "id", "state", "project", "submitted_by",
					    "created_at" };
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		if (c)
			fputc(' ', stdout);
		cli_put(stdout, json_string_value(json_object_get(job, cols[c])));
	}
	fputc('\n', stdout);
}

int cli_list(const struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const opts[] = { "--state", "--project", "--user", "--since",
					    "--limit" };
	static const struct option lopts[] = {
		{ "state", required_argument, NULL, 0 },   { "project", required_argument, NULL, 1 },
		{ "user", required_argument, NULL, 2 },    { "since", required_argument, NULL, 3 },
		{ "limit", required_argument, NULL, 4 },   CLI_JSON_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	const char *val[5] = { NULL };
	int as_json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (c >= 0 && c < 5)
			val[c] = optarg;
		else if (c == CLI_OPT_JSON)
			as_json = 1;
		else
			return cli_opt_error("list", c, argv);
	}
	if (optind < argc)
		return cli_usage_error("list", "unexpected argument %s (filters are --state, --project, --user, --since, --limit)",
				       argv[optind]);
	long limit = -1; /* every job */
	if (val[4]) {
		char *e = NULL;
		errno = 0;
		limit = strtol(val[4], &e, 10);
		if (!val[4][0] || *e || errno || limit < 1)
			return cli_usage_error("list", "--limit must be a positive integer");
	}
	char filters[1600] = "";
	for (size_t o = 0; o < 4; o++)
		if (list_param(filters, sizeof(filters), opts[o] + 2, val[o]) < 0)
			return cli_usage_error("list", "%s is too long", opts[o]);
	char cursor[128] = "";
	long printed = 0;
	_cleanup_json_ json_t *all = as_json ? json_array() : NULL;
	do {
		long page = limit < 0 || limit - printed > LIST_PAGE ? LIST_PAGE
									  : limit - printed;
		char target[2048], num[24];
		snprintf(num, sizeof(num), "%ld", page);
		char q[1900];
		snprintf(q, sizeof(q), "%s", filters);
		if (list_param(q, sizeof(q), "limit", num) < 0 ||
		    list_param(q, sizeof(q), "cursor", cursor[0] ? cursor : NULL) < 0)
			return cli_usage_error("list", "the filters are too long");
		snprintf(target, sizeof(target), "/v1/jobs?%s", q);
		struct trex_err err = { 0 };
		_cleanup_json_ json_t *ans = NULL;
		if (client_call_json(ctx->socket, "GET", target, NULL, &ans, &err) < 0)
			return cli_fail(&err);
		size_t i;
		json_t *job;
		json_array_foreach(json_object_get(ans, "jobs"), i, job) {
			if (all)
				json_array_append(all, job);
			else
				list_print(job);
			printed++;
		}
		const char *next = json_string_value(json_object_get(ans, "next"));
		/* a cursor goes back into a URL: only what trexd issues */
		if (next && (strlen(next) >= sizeof(cursor) ||
			     strspn(next, "0123456789abcdef") != strlen(next))) {
			fprintf(stderr, "trex list: trexd sent a malformed cursor\n");
			return CLI_EXIT_FAILED;
		}
		snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
	} while (cursor[0] && (limit < 0 || printed < limit));
	if (all) {
		json_t *doc = json_pack("{s:O}", "jobs", all);
		cli_print_json(doc);
		json_decref(doc);
	}
	return CLI_EXIT_OK;
}

/* Released bytes to f; to a terminal, control characters other than
 * newline and tab are shown as '?' (a log must not drive the terminal). */
static int logs_write(FILE *f, const char *data, size_t len)
{
	if (!isatty(fileno(f)))
		return fwrite(data, 1, len, f) == len ? 0 : -EIO;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		fputc(c < 0x20 && c != '\n' && c != '\t' ? '?' : c == 0x7f ? '?' : c, f);
	}
	return ferror(f) ? -EIO : 0;
}

/* trexd's refusal of a log, printed as client_call_json's are. */
static void logs_refused(const char *id, const char *name, const struct client_resp *r)
{
	json_t *j = json_loadb(r->body ? r->body : "", r->len, 0, NULL);
	const json_t *e = json_object_get(j, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	char ecode[64], emsg[300];
	trex_esc_text(code ? code : "error", strlen(code ? code : "error"), ecode, sizeof(ecode));
	trex_esc_text(msg ? msg : "(no message)", strlen(msg ? msg : "(no message)"), emsg,
		 sizeof(emsg));
	fprintf(stderr, "trex logs: %s of %s: trexd refused (HTTP %d %s): %s\n", name, id,
		r->status, ecode, emsg);
	json_decref(j);
}

int cli_logs(const struct cli_ctx *ctx, int argc, char **argv)
{
	int as_json = ctx->json;
	int r0 = cli_json_only("logs", argc, argv, &as_json);
	if (r0)
		return r0;
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "stdout") != 0 && strcmp(argv[2], "stderr") != 0))
		return cli_usage_error("logs", "usage: trex logs JOB [stdout|stderr]");
	char id[160];
	int rr = cli_resolve_job(ctx, "logs", argv[1], id, sizeof(id));
	if (rr)
		return rr;
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *ans = NULL;
	char target[256];
	snprintf(target, sizeof(target), "/v1/jobs/%s/logs", id);
	if (client_call_json(ctx->socket, "GET", target, NULL, &ans, &err) < 0)
		return cli_fail(&err);
	if (as_json) {
		/* the listing: names, sizes and states, not the bytes */
		cli_print_json(ans);
		return CLI_EXIT_OK;
	}
	int rc = CLI_EXIT_OK, shown = 0;
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(ans, "logs"), i, l) {
		const char *name = json_string_value(json_object_get(l, "name"));
		if (!name || (strcmp(name, "stdout") != 0 && strcmp(name, "stderr") != 0) ||
		    (argc == 3 && strcmp(name, argv[2]) != 0))
			continue;
		shown = 1;
		snprintf(target, sizeof(target), "/v1/jobs/%s/logs/%s", id, name);
		struct client_resp resp;
		if (client_request(ctx->socket, "GET", target, NULL, 0, CLIENT_FILE_MAX, &resp,
				   &err) < 0)
			return cli_fail(&err);
		if (resp.status != 200) {
			logs_refused(id, name, &resp);
			rc = CLI_EXIT_FAILED;
		} else if (logs_write(strcmp(name, "stdout") == 0 ? stdout : stderr, resp.body,
				      resp.len) < 0) {
			fprintf(stderr, "trex logs: could not write the %s log\n", name);
			rc = CLI_EXIT_FAILED;
		}
		client_resp_free(&resp);
	}
	if (!shown) {
		fprintf(stderr, "trex logs: job %s has no %s log yet (it is ", id,
			argc == 3 ? argv[2] : "");
		cli_put(stderr, json_string_value(json_object_get(ans, "state")));
		fputs(")\n", stderr);
		return CLI_EXIT_FAILED;
	}
	fflush(stdout);
	return rc;
}
