/* trex review JOB FILE --release|--reject --reason TEXT: the checker's
 * decisions, sent to trexd, which checks the roles and that nobody decides
 * on their own job (approvals: approve.c). trex held JOB FILE -o OUT: the
 * checker's look at a held output before deciding. trex acro JOB -o DIR: the
 * job's SACRO Viewer export, as a folder the viewer opens. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/client.h"
#include "common/b64.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/hash.h"

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

/* Make dir, a new folder, or take an empty one: SACRO Viewer opens what
 * results.json names next to it, so nothing else may be there. */
static int acro_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n ? -ENOTEMPTY : 0;
}

/* One file of the export into dirfd, its size and SHA-256 as trexd said. */
static int acro_put(int dirfd, json_t *f, struct trex_err *err)
{
	const char *name = json_string_value(json_object_get(f, "name"));
	json_t *text = json_object_get(f, "text");
	const char *b64 = json_string_value(json_object_get(f, "base64"));
	const char *sha = json_string_value(json_object_get(f, "sha256"));
	json_int_t size = json_integer_value(json_object_get(f, "size"));
	_cleanup_free_ unsigned char *dec = NULL;
	const void *data;
	size_t len;
	char got[TREX_SHA256_HEX_LEN + 1];

	/* names come from trexd: checked as any released name before use */
	if (!name || !cli_output_path_ok(name) || !sha || (!json_is_string(text) && !b64))
		return trex_err_setx(err, -EPROTO, "trexd sent a malformed export entry");
	if (json_is_string(text)) {
		data = json_string_value(text);
		len = json_string_length(text);
	} else if (trex_b64_decode(b64, strlen(b64), &dec, &len) == 0) {
		data = dec;
	} else {
		return trex_err_setx(err, -EPROTO, "%s: not base64", name);
	}
	if (trex_sha256_hex(data, len, got) < 0 || (json_int_t)len != size || strcmp(got, sha))
		return trex_err_setx(err, -EPROTO, "%s: size or SHA-256 differs from trexd's", name);
	const char *slash = strrchr(name, '/');
	if (slash) {
		char sub[1025];
		snprintf(sub, sizeof(sub), "%.*s", (int)(slash - name), name);
		if (mkdirat(dirfd, sub, 0700) < 0 && errno != EEXIST)
			return trex_err_set(err, -errno, "%s", sub);
	}
	return trex_write_file_atomic(dirfd, name, data, len, 0600, err);
}

int cli_acro(const struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[2], "-o") != 0)
		return cli_usage_error("acro", "usage: trex acro JOB -o DIR");
	if (!cli_job_id_ok(argv[1]))
		return cli_usage_error("acro", "not a job id");
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *ans = NULL;
	char target[256];
	snprintf(target, sizeof(target), "/v1/jobs/%s/acro", argv[1]);
	if (client_call_json_max(ctx->socket, "GET", target, NULL, CLIENT_FILE_MAX, &ans, &err) < 0)
		return cli_fail(&err);
	int r = acro_dir(argv[3]);
	if (r < 0) {
		fprintf(stderr, "trex acro: %s: %s\n", argv[3],
			r == -ENOTEMPTY ? "not an empty folder (the export goes in a folder of its own)"
					: strerror(-r));
		return CLI_EXIT_FAILED;
	}
	_cleanup_close_ int dirfd = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "trex acro: %s: %s\n", argv[3], strerror(errno));
		return CLI_EXIT_FAILED;
	}
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(ans, "files"), i, f)
		if (acro_put(dirfd, f, &err) < 0)
			return cli_fail(&err);
	printf("job %s: %zu files of its SACRO Viewer export in %s\n", argv[1],
	       json_array_size(json_object_get(ans, "files")), argv[3]);
	return CLI_EXIT_OK;
}
