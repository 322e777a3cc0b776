/* trex review JOB FILE --release|--reject --reason TEXT: the checker's
 * decisions, sent to trexd, which checks the roles and that nobody decides
 * on their own job (approvals: approve.c). trex held JOB FILE -o OUT: the
 * checker's look at a held output before deciding. */
#include "cli.h"

#include <fcntl.h>
#include <string.h>

#include "agent/client.h"
#include "common/fsutil.h"

static void review_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(review_decref)))

int cli_review(const struct cli_ctx *ctx, int argc, char **argv)
{
	const char *id = NULL, *file = NULL, *decision = NULL, *reason = NULL, *log = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--release") == 0 || strcmp(argv[i], "--reject") == 0) {
			if (decision)
				return cli_usage_error("review", "give one of --release or --reject");
			decision = argv[i] + 2;
		} else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
			reason = argv[++i];
		} else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
			log = argv[++i];
		} else if (argv[i][0] == '-') {
			return cli_usage_error("review", "unknown option %s", argv[i]);
		} else if (!id) {
			id = argv[i];
		} else if (!file) {
			file = argv[i];
		} else {
			return cli_usage_error("review", "too many arguments");
		}
	}
	if (!id || !file == !log || !decision || !reason || !*reason)
		return cli_usage_error("review",
				       "usage: trex review JOB FILE|--log stdout|stderr --release|--reject --reason TEXT");
	if (!cli_job_id_ok(id) || (file && !cli_output_path_ok(file)) ||
	    (log && strcmp(log, "stdout") != 0 && strcmp(log, "stderr") != 0))
		return cli_usage_error("review", "not a job id, output name or log (stdout, stderr)");
	struct trex_err err = { 0 };
	/* a log is named by "log", an output by "name" (docs/api.md) */
	_cleanup_json_ json_t *req = json_pack("{s:s,s:s,s:s}", log ? "log" : "name",
					      log ? log : file, "decision", decision, "reason",
					      reason);
	if (log)
		file = log;
	_cleanup_json_ json_t *ans = NULL;
	char target[128];
	snprintf(target, sizeof(target), "/v1/jobs/%s/review", id);
	if (client_call_json(ctx->socket, "POST", target, req, &ans, &err) < 0)
		return cli_fail(&err);
	int released = json_is_true(json_object_get(ans, "released"));
	printf("%s: %s%s\n", file, decision,
	       strcmp(decision, "release") == 0 && !released
		       ? " recorded; a second checker must also release it"
		       : released ? "d" : "ed");
	return CLI_EXIT_OK;
}

int cli_held(const struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc != 5 || strcmp(argv[3], "-o") != 0)
		return cli_usage_error("held", "usage: trex held JOB FILE -o OUT");
	if (!cli_job_id_ok(argv[1]) || !cli_output_path_ok(argv[2]))
		return cli_usage_error("held", "not a job id or output name");
	char ename[800], target[1024];
	struct trex_err err = { 0 };
	if (client_path_escape(argv[2], ename, sizeof(ename)) < 0)
		return cli_usage_error("held", "output name too long");
	snprintf(target, sizeof(target), "/v1/jobs/%s/held/%s", argv[1], ename);
	struct client_resp resp;
	if (client_request(ctx->socket, "GET", target, NULL, 0, CLIENT_FILE_MAX, &resp, &err) < 0)
		return cli_fail(&err);
	if (resp.status != 200) {
		fprintf(stderr, "trex held: trexd answered HTTP %d\n", resp.status);
		client_resp_free(&resp);
		return CLI_EXIT_FAILED;
	}
	/* written 0600: held data has not passed any check */
	int r = trex_write_file_atomic(AT_FDCWD, argv[4], resp.body, resp.len, 0600, &err);
	client_resp_free(&resp);
	if (r < 0)
		return cli_fail(&err);
	return CLI_EXIT_OK;
}
