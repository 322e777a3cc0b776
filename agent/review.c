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
#include "common/beneath.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/esc.h"
#include "common/hash.h"

static void review_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(review_decref)))

int cli_review(const struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return cli_review_list(ctx, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return cli_review_show(ctx, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "web") == 0)
		return cli_review_web(ctx, argc - 1, argv + 1);
	enum { OPT_RELEASE = 1, OPT_REJECT, OPT_REASON, OPT_LOG };
	static const struct option lopts[] = {
		{ "release", no_argument, NULL, OPT_RELEASE },
		{ "reject", no_argument, NULL, OPT_REJECT },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "log", required_argument, NULL, OPT_LOG },
		CLI_JSON_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	const char *arg = NULL, *file = NULL, *decision = NULL, *reason = NULL, *log = NULL;
	int as_json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_RELEASE:
		case OPT_REJECT:
			if (decision)
				return cli_usage_error("review", "give one of --release or --reject");
			decision = c == OPT_RELEASE ? "release" : "reject";
			break;
		case OPT_REASON: reason = optarg; break;
		case OPT_LOG: log = optarg; break;
		case CLI_OPT_JSON: as_json = 1; break;
		default: return cli_opt_error("review", c, argv);
		}
	}
	if (optind < argc)
		arg = argv[optind];
	if (optind + 1 < argc)
		file = argv[optind + 1];
	if (optind + 2 < argc)
		return cli_usage_error("review", "too many arguments");
	if (!arg || !file == !log || !decision || !reason || !*reason)
		return cli_usage_error("review",
				       "usage: trex review JOB FILE|--log stdout|stderr --release|--reject --reason TEXT\n"
				       "       trex review list | trex review show JOB FILE | trex review web");
	if ((file && !cli_output_path_ok(file)) ||
	    (log && strcmp(log, "stdout") != 0 && strcmp(log, "stderr") != 0))
		return cli_usage_error("review", "not an output name or log (stdout, stderr)");
	char id[160];
	int rr = cli_resolve_job(ctx, "review", arg, id, sizeof(id));
	if (rr)
		return rr;
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
	if (as_json) {
		cli_print_json(ans);
		return CLI_EXIT_OK;
	}
	int released = json_is_true(json_object_get(ans, "released"));
	printf("%s: %s%s\n", file, decision,
	       strcmp(decision, "release") == 0 && !released
		       ? " recorded; a second checker must also release it"
		       : released ? "d" : "ed");
	return CLI_EXIT_OK;
}

/* trex review web: a one-time link to the review page, for the caller's
 * identity on this connection (trexd's web.c). The link is a credential
 * for two minutes: printed, never logged. */
int cli_review_web(const struct cli_ctx *ctx, int argc, char **argv)
{
	int as_json = ctx->json;
	int r0 = cli_json_only("review web", argc, argv, &as_json);
	if (r0)
		return r0;
	if (optind != argc)
		return cli_usage_error("review web", "usage: trex review web");
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *req = json_object(), *ans = NULL;
	if (client_call_json(ctx->socket, "POST", "/v1/review/web", req, &ans, &err) < 0)
		return cli_fail(&err);
	if (as_json) {
		cli_print_json(ans);
		return CLI_EXIT_OK;
	}
	const char *url = json_string_value(json_object_get(ans, "url"));
	if (!url || strncmp(url, "http://", 7) != 0 || strcspn(url, " \t\r\n\"'<>") != strlen(url)) {
		fprintf(stderr, "trex review web: trexd sent no usable link\n");
		return CLI_EXIT_FAILED;
	}
	printf("%s\n", url);
	fprintf(stderr, "open this link in a browser on this machine within %lld s; it works once\n",
		(long long)json_integer_value(json_object_get(ans, "expires_in")));
	return CLI_EXIT_OK;
}

int cli_held(const struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = { { "output", required_argument, NULL, 'o' },
					       CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	const char *out = NULL;
	int as_json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":o:", lopts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == CLI_OPT_JSON)
			as_json = 1;
		else
			return cli_opt_error("held", c, argv);
	}
	if (argc - optind != 2 || !out)
		return cli_usage_error("held", "usage: trex held JOB FILE -o OUT|-");
	const char *file = argv[optind + 1];
	if (!cli_output_path_ok(file))
		return cli_usage_error("held", "not an output name");
	if (as_json && strcmp(out, "-") == 0)
		return cli_usage_error("held", "-o - writes the file itself to stdout: no --json");
	char id[160];
	int rr = cli_resolve_job(ctx, "held", argv[optind], id, sizeof(id));
	if (rr)
		return rr;
	struct client_resp resp;
	struct trex_err err = { 0 };
	if (queue_get_held(ctx, id, file, &resp, &err) < 0)
		return cli_fail(&err);
	if (strcmp(out, "-") == 0) {
		size_t w = fwrite(resp.body, 1, resp.len, stdout);
		size_t len = resp.len;
		client_resp_free(&resp);
		if (w != len || fflush(stdout) != 0) {
			fprintf(stderr, "trex held: could not write to stdout\n");
			return CLI_EXIT_FAILED;
		}
		return CLI_EXIT_OK;
	}
	char sha[TREX_SHA256_HEX_LEN + 1] = "";
	trex_sha256_hex(resp.body, resp.len, sha);
	size_t len = resp.len;
	const char *argv4 = out;
	/* written 0600: held data has not passed any check */
	int r = trex_write_file_atomic(AT_FDCWD, argv4, resp.body, resp.len, 0600, &err);
	client_resp_free(&resp);
	if (r < 0)
		return cli_fail(&err);
	if (as_json) {
		json_t *doc = json_pack("{s:s,s:s,s:s,s:I,s:s}", "id", id, "name", file, "path", out,
					"size", (json_int_t)len, "sha256", sha);
		cli_print_json(doc);
		json_decref(doc);
	}
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
	const char *base = name;
	_cleanup_close_ int parent = trex_mkdir_beneath(dirfd, name, 0700, 0, &base, err);
	if (parent < 0)
		return parent;
	return trex_write_file_atomic(parent, base, data, len, 0600, err);
}

int cli_acro(const struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = { { "output", required_argument, NULL, 'o' },
					       CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	const char *dir = NULL;
	int as_json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":o:", lopts, NULL)) != -1) {
		if (c == 'o')
			dir = optarg;
		else if (c == CLI_OPT_JSON)
			as_json = 1;
		else
			return cli_opt_error("acro", c, argv);
	}
	if (argc - optind != 1 || !dir)
		return cli_usage_error("acro", "usage: trex acro JOB -o DIR");
	char id[160];
	int rr = cli_resolve_job(ctx, "acro", argv[optind], id, sizeof(id));
	if (rr)
		return rr;
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *ans = NULL;
	char target[256];
	snprintf(target, sizeof(target), "/v1/jobs/%s/acro", id);
	if (client_call_json_max(ctx->socket, "GET", target, NULL, CLIENT_FILE_MAX, &ans, &err) < 0)
		return cli_fail(&err);
	char *argv3 = (char *)dir;
	int r = acro_dir(argv3);
	if (r < 0) {
		fprintf(stderr, "trex acro: %s: %s\n", argv3,
			r == -ENOTEMPTY ? "not an empty folder (the export goes in a folder of its own)"
					: strerror(-r));
		return CLI_EXIT_FAILED;
	}
	_cleanup_close_ int dirfd = open(argv3, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "trex acro: %s: %s\n", argv3, strerror(errno));
		return CLI_EXIT_FAILED;
	}
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(ans, "files"), i, f)
		if (acro_put(dirfd, f, &err) < 0)
			return cli_fail(&err);
	if (as_json) {
		json_t *names = json_array();
		json_array_foreach(json_object_get(ans, "files"), i, f)
			json_array_append_new(names, json_pack("{s:O,s:O,s:O}", "name",
							       json_object_get(f, "name"), "size",
							       json_object_get(f, "size"), "sha256",
							       json_object_get(f, "sha256")));
		json_t *doc = json_pack("{s:s,s:s,s:o}", "id", id, "dir", argv3, "files", names);
		cli_print_json(doc);
		json_decref(doc);
	} else {
		printf("job %s: %zu files of its SACRO Viewer export in %s\n", id,
		       json_array_size(json_object_get(ans, "files")), argv3);
	}
	return CLI_EXIT_OK;
}
