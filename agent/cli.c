/* Helpers shared by the verbs: usage errors, exit codes for errors, and the
 * validation of every identifier that comes from outside before trex puts
 * it in a URL, a file name or a terminal. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/client.h"
#include "common/esc.h"
#include "common/outname.h"

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "trex %s: ", verb);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'trex --help'.\n");
	va_end(ap);
	return CLI_EXIT_USAGE;
}

int cli_opt_error(const char *verb, int c, char **argv)
{
	if (c == ':')
		return cli_usage_error(verb, "%s needs a value", argv[optind - 1]);
	if (optopt && optopt < 256)
		return cli_usage_error(verb, "unknown option -%c", optopt);
	return cli_usage_error(verb, "unknown option %s", argv[optind - 1]);
}

int cli_json_only(const char *verb, int argc, char **argv, int *as_json)
{
	static const struct option lopts[] = { CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	int c;

	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (c != CLI_OPT_JSON)
			return cli_opt_error(verb, c, argv);
		*as_json = 1;
	}
	return 0;
}

int cli_fail(const struct trex_err *err)
{
	if (err->code == CLIENT_EREFUSED && client_last_refusal()[0]) {
		fprintf(stderr, "trex: %s\n", client_last_refusal());
		return CLI_EXIT_FAILED;
	}
	fprintf(stderr, "trex: %s\n", err->msg[0] ? err->msg : "failed");
	/* no connection, or trexd went silent: not trexd's refusal */
	return err->code == CLIENT_EUNREACHABLE || err->code == -ETIMEDOUT ? CLI_EXIT_UNREACHABLE
									      : CLI_EXIT_FAILED;
}

int cli_exit_for_state(const char *state)
{
	static const struct {
		const char *state;
		int code;
	} map[] = {
		{ "released", CLI_EXIT_OK },	       { "partially_released", CLI_EXIT_PARTIAL },
		{ "held", CLI_EXIT_HELD },	       { "blocked", CLI_EXIT_BLOCKED },
		{ "rejected", CLI_EXIT_BLOCKED },      { "failed", CLI_EXIT_JOB_FAILED },
		{ "refused", CLI_EXIT_JOB_FAILED },    { "timed_out", CLI_EXIT_TIMED_OUT },
		{ "cancelled", CLI_EXIT_CANCELLED },
	};
	if (!cli_state_terminal(state))
		return -1;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(state, map[i].state) == 0)
			return map[i].code;
	return CLI_EXIT_JOB_FAILED; /* a state this trex does not know */
}

void cli_print_json(const json_t *j)
{
	/* re-encoded by jansson: valid JSON, non-ASCII escaped */
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
}

int cli_job_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 128 || id[0] == '.')
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789._-") == n;
}

int cli_output_path_ok(const char *path)
{
	return trex_outname_path_ok(path, strlen(path));
}

void cli_put(FILE *f, const char *text)
{
	char esc[1024];
	if (!text)
		text = "-";
	trex_esc_text(text, strlen(text), esc, sizeof(esc));
	fputs(esc, f);
}

int cli_get_job(const struct cli_ctx *ctx, const char *id, json_t **job,
		struct trex_err *err)
{
	char target[256];
	snprintf(target, sizeof(target), "/v1/jobs/%s", id);
	return client_call_json(ctx->socket, "GET", target, NULL, job, err);
}

int cli_state_terminal(const char *state)
{
	static const char *const live[] = { "submitted", "awaiting_approval", "queued",
					    "running", "checking" };
	if (!state)
		return 0;
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (strcmp(state, live[i]) == 0)
			return 0;
	return 1;
}

/* A whole job id as trexd makes them: 20261129T100000-0a1b2c3d4e5f. */
static int cli_full_id(const char *s)
{
	return strlen(s) == 28 && strspn(s, "0123456789") == 8 && s[8] == 'T' &&
	       strspn(s + 9, "0123456789") == 6 && s[15] == '-' &&
	       strspn(s + 16, "0123456789abcdef") == 12;
}

static int cli_id_matches(const char *id, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *dash = strchr(id, '-');
	return strncmp(id, prefix, n) == 0 || (dash && strncmp(dash + 1, prefix, n) == 0);
}

#define CLI_RESOLVE_PAGE "500"

int cli_resolve_job(const struct cli_ctx *ctx, const char *verb, const char *arg, char *id,
		    size_t idsz)
{
	if (!cli_job_id_ok(arg))
		return cli_usage_error(verb, "not a job id: only letters, digits, '.', '_' and '-'");
	snprintf(id, idsz, "%s", arg);
	if (cli_full_id(arg))
		return 0;
	/* a name trexd knows as it is (an older trexd's ids, a test's) */
	struct trex_err err = { 0 };
	json_t *job = NULL;
	int r = cli_get_job(ctx, arg, &job, &err);
	json_decref(job);
	if (r == 0)
		return 0;
	if (r != CLIENT_EREFUSED || !strstr(client_last_refusal(), "not_found"))
		return cli_fail(&err);
	/* a prefix: every job the caller may see, a page at a time */
	char cursor[128] = "", first[3][129];
	size_t matches = 0;
	do {
		char target[256];
		snprintf(target, sizeof(target), "/v1/jobs?limit=" CLI_RESOLVE_PAGE "%s%s",
			 cursor[0] ? "&cursor=" : "", cursor);
		json_t *ans = NULL;
		if (client_call_json(ctx->socket, "GET", target, NULL, &ans, &err) < 0)
			return cli_fail(&err);
		size_t i;
		json_t *j;
		json_array_foreach(json_object_get(ans, "jobs"), i, j) {
			const char *jid = json_string_value(json_object_get(j, "id"));
			if (jid && cli_job_id_ok(jid) && cli_id_matches(jid, arg) &&
			    matches++ < 3)
				snprintf(first[matches - 1], sizeof(first[0]), "%s", jid);
		}
		const char *next = json_string_value(json_object_get(ans, "next"));
		int ok = next && strlen(next) < sizeof(cursor) &&
			 strspn(next, "0123456789abcdef") == strlen(next);
		snprintf(cursor, sizeof(cursor), "%s", ok ? next : "");
		json_decref(ans);
	} while (cursor[0]);
	if (matches == 1) {
		snprintf(id, idsz, "%s", first[0]);
		return 0;
	}
	if (matches == 0) {
		fprintf(stderr, "trex %s: no job %s (nor a job whose id starts so) that you may see; "
				"'trex list' shows them\n", verb, arg);
		return CLI_EXIT_FAILED;
	}
	fprintf(stderr, "trex %s: %s is ambiguous: %zu jobs match (%s, %s%s); give more of the id\n",
		verb, arg, matches, first[0], first[1], matches > 2 ? ", ..." : "");
	return CLI_EXIT_USAGE;
}
