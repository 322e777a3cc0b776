/* Helpers shared by the verbs: usage errors, exit codes for errors, and the
 * validation of every identifier that comes from outside before trex puts
 * it in a URL, a file name or a terminal. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "agent/client.h"
#include "common/esc.h"

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

int cli_fail(const struct trex_err *err)
{
	fprintf(stderr, "trex: %s\n", err->msg[0] ? err->msg : "failed");
	return CLI_EXIT_FAILED;
}

int cli_job_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 128 || id[0] == '.')
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789._-") == n;
}

int cli_output_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255 || name[0] == '.')
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return 0;
	return 1;
}

int cli_output_path_ok(const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || n > 1024)
		return 0;
	char comp[256];
	int depth = 0;
	for (const char *c = path;;) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);
		if (len == 0 || len >= sizeof(comp) || ++depth > 16)
			return 0;
		memcpy(comp, c, len);
		comp[len] = '\0';
		if (!cli_output_name_ok(comp))
			return 0;
		if (!slash)
			return 1;
		c = slash + 1;
	}
}

void cli_put(FILE *f, const char *text)
{
	char esc[1024];
	if (!text)
		text = "-";
	trex_esc(text, strlen(text), esc, sizeof(esc));
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
