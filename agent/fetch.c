/* trex outputs / trex fetch: list and download released files. A file is
 * written only after its size and SHA-256 match what trexd listed, and
 * atomically, so a partial or tampered download never sits in the user's
 * folder under the final name. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/client.h"
#include "agent/relman.h"
#include "common/beneath.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/hash.h"

static void fetch_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(fetch_decref)))

/* GET /v1/jobs/{id}/outputs, checked: every entry has a safe name, a size
 * and a sha256. A bad entry fails the whole list rather than being skipped
 * quietly. */
static int fetch_list(const struct cli_ctx *ctx, const char *id, json_t **outputs,
		      struct trex_err *err)
{
	char target[256];
	snprintf(target, sizeof(target), "/v1/jobs/%s/outputs", id);
	_cleanup_json_ json_t *ans = NULL;
	int r = client_call_json(ctx->socket, "GET", target, NULL, &ans, err);
	if (r < 0)
		return r;
	json_t *list = json_object_get(ans, "outputs");
	if (!json_is_array(list))
		return trex_err_setx(err, -EPROTO, "trexd's output list has no \"outputs\" array");
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *sha = json_string_value(json_object_get(o, "sha256"));
		json_t *size = json_object_get(o, "size");
		if (!name || !cli_output_path_ok(name))
			return trex_err_setx(err, -EPROTO,
					     "trexd listed an output with an unsafe name (entry %zu)", i);
		if (!sha || strlen(sha) != TREX_SHA256_HEX_LEN ||
		    strspn(sha, "0123456789abcdef") != TREX_SHA256_HEX_LEN)
			return trex_err_setx(err, -EPROTO, "entry %zu: bad sha256", i);
		if (!json_is_integer(size) || json_integer_value(size) < 0 ||
		    (unsigned long long)json_integer_value(size) > CLIENT_FILE_MAX)
			return trex_err_setx(err, -EPROTO, "entry %zu: bad size", i);
	}
	*outputs = json_incref(list);
	return 0;
}

int cli_outputs(const struct cli_ctx *ctx, int argc, char **argv)
{
	int as_json = ctx->json;
	int r0 = cli_json_only("outputs", argc, argv, &as_json);
	if (r0)
		return r0;
	if (argc - optind != 1)
		return cli_usage_error("outputs", "usage: trex outputs JOB");
	char id[160];
	int rr = cli_resolve_job(ctx, "outputs", argv[optind], id, sizeof(id));
	if (rr)
		return rr;
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *list = NULL;
	if (fetch_list(ctx, id, &list, &err) < 0)
		return cli_fail(&err);
	if (as_json) {
		json_t *doc = json_pack("{s:s,s:O}", "id", id, "outputs", list);
		cli_print_json(doc);
		json_decref(doc);
		return CLI_EXIT_OK;
	}
	if (json_array_size(list) == 0)
		fprintf(stderr, "trex: job %s has no released outputs\n", id);
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) {
		cli_put(stdout, json_string_value(json_object_get(o, "name")));
		printf("\t%" JSON_INTEGER_FORMAT "\t%s\t",
		       json_integer_value(json_object_get(o, "size")),
		       json_string_value(json_object_get(o, "sha256")));
		cli_put(stdout, json_string_value(json_object_get(o, "verdict")));
		fputc('\n', stdout);
	}
	return CLI_EXIT_OK;
}

/* dirfd < 0: the checked bytes go to stdout (-o -). Each file written is
 * added to `done` ({"name", "path", "size", "sha256"}) when not NULL. */
static int fetch_one(const struct cli_ctx *ctx, const char *id, const json_t *entry,
		     int dirfd, const char *dirname_, json_t *done, struct trex_err *err)
{
	const char *name = json_string_value(json_object_get(entry, "name"));
	const char *want = json_string_value(json_object_get(entry, "sha256"));
	size_t size = (size_t)json_integer_value(json_object_get(entry, "size"));
	char ename[800], target[1024];
	if (client_path_escape(name, ename, sizeof(ename)) < 0)
		return trex_err_setx(err, -ENAMETOOLONG, "output name too long");
	snprintf(target, sizeof(target), "/v1/jobs/%s/outputs/%s", id, ename);

	struct client_resp resp;
	/* one byte over the listed size is enough to detect a mismatch */
	int r = client_request(ctx->socket, "GET", target, NULL, 0, size + 1, &resp, err);
	if (r == -EFBIG)
		return trex_err_setx(err, -EPROTO, "%s: larger than the %zu bytes listed", ename,
				     size);
	if (r < 0)
		return r;
	if (resp.status != 200) {
		int st = resp.status;
		client_resp_free(&resp);
		return trex_err_setx(err, CLIENT_EREFUSED, "%s: trexd answered HTTP %d", ename, st);
	}
	char got[TREX_SHA256_HEX_LEN + 1];
	if (resp.len != size) {
		client_resp_free(&resp);
		return trex_err_setx(err, -EPROTO, "%s: received %zu bytes, %zu listed", ename,
				     resp.len, size);
	}
	if (trex_sha256_hex(resp.body, resp.len, got) < 0 || strcmp(got, want) != 0) {
		client_resp_free(&resp);
		return trex_err_setx(err, -EPROTO, "%s: SHA-256 does not match the listing", ename);
	}
	if (dirfd < 0) {
		size_t w = fwrite(resp.body, 1, resp.len, stdout);
		client_resp_free(&resp);
		if (w != size || fflush(stdout) != 0)
			return trex_err_set(err, -EIO, "write %s to stdout", ename);
		return 0;
	}
	const char *leaf = name;
	_cleanup_close_ int parent = trex_mkdir_beneath(dirfd, name, 0755, 0, &leaf, err);
	if (parent < 0) {
		client_resp_free(&resp);
		return parent;
	}
	r = trex_write_file_atomic(parent, leaf, resp.body, resp.len, 0644, err);
	client_resp_free(&resp);
	if (r < 0)
		return r;
	if (done) {
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dirname_, name);
		json_array_append_new(done, json_pack("{s:s,s:s,s:I,s:s}", "name", name, "path",
						      path, "size", (json_int_t)size, "sha256", got));
	} else {
		printf("%s/%s\t%zu bytes\tsha256 %s\n", dirname_, ename, size, got);
	}
	return 0;
}

int cli_fetch(const struct cli_ctx *ctx, int argc, char **argv)
{
	enum { OPT_NO_VERIFY = 1, OPT_TREXD_KEY };
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "trexd-key", required_argument, NULL, OPT_TREXD_KEY },
		CLI_JSON_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	const char *outdir = ".", *trexd_key = NULL;
	int verify = 1, as_json = ctx->json, c;
	const char *names[256];
	size_t nnames = 0;
	while ((c = getopt_long(argc, argv, ":o:", lopts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case OPT_NO_VERIFY: verify = 0; break;
		case OPT_TREXD_KEY: trexd_key = optarg; break;
		case CLI_OPT_JSON: as_json = 1; break;
		default: return cli_opt_error("fetch", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error("fetch", "missing JOB id");
	const char *arg = argv[optind];
	for (int i = optind + 1; i < argc; i++) {
		if (nnames >= sizeof(names) / sizeof(names[0]))
			return cli_usage_error("fetch", "too many names");
		if (!cli_output_path_ok(argv[i]))
			return cli_usage_error("fetch", "not an output name: %s", argv[i]);
		names[nnames++] = argv[i];
	}
	int to_stdout = strcmp(outdir, "-") == 0;
	if (to_stdout && as_json)
		return cli_usage_error("fetch", "-o - writes the file itself to stdout: no --json");
	if (to_stdout && nnames > 1)
		return cli_usage_error("fetch", "-o - writes one file: name one");
	char id[160];
	int rr = cli_resolve_job(ctx, "fetch", arg, id, sizeof(id));
	if (rr)
		return rr;
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *list = NULL;
	if (fetch_list(ctx, id, &list, &err) < 0)
		return cli_fail(&err);
	/* every requested name must be released before anything is written */
	for (size_t k = 0; k < nnames; k++) {
		size_t i;
		json_t *o;
		int found = 0;
		json_array_foreach(list, i, o)
			found |= strcmp(json_string_value(json_object_get(o, "name")), names[k]) == 0;
		if (!found) {
			fprintf(stderr, "trex fetch: %s: not released for job %s\n", names[k], id);
			return CLI_EXIT_FAILED;
		}
	}
	if (json_array_size(list) == 0) {
		fprintf(stderr, "trex fetch: job %s has no released outputs\n", id);
		return CLI_EXIT_FAILED;
	}
	/* the listing is believed only as far as trexd's signature covers it */
	_cleanup_json_ json_t *man = NULL;
	if (verify && relman_check_get(ctx->socket, id, trexd_key, list, &man, &err) < 0) {
		fprintf(stderr, "trex fetch: %s\n", err.msg);
		return CLI_EXIT_FAILED;
	}
	if (to_stdout && nnames == 0 && json_array_size(list) != 1) {
		fprintf(stderr, "trex fetch: job %s has %zu released outputs; -o - writes one: name it\n",
			id, json_array_size(list));
		return CLI_EXIT_USAGE;
	}
	_cleanup_close_ int dirfd = -1;
	if (!to_stdout) {
		if (trex_mkdir_p(outdir, 0755, &err) < 0)
			return cli_fail(&err);
		dirfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			trex_err_set(&err, -errno, "open %s", outdir);
			return cli_fail(&err);
		}
	}
	_cleanup_json_ json_t *done = as_json ? json_array() : NULL;
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		int wanted = nnames == 0;
		for (size_t k = 0; k < nnames && !wanted; k++)
			wanted = strcmp(names[k], name) == 0;
		if (wanted && fetch_one(ctx, id, o, dirfd, outdir, done, &err) < 0)
			return cli_fail(&err);
	}
	/* how the files were made, as signed (a verified manifest only) */
	json_t *rec = json_object_get(man, "reproducibility");
	if (done) {
		json_t *doc = json_pack("{s:s,s:O,s:O*}", "id", id, "files", done, "reproducibility",
					rec);
		cli_print_json(doc);
		json_decref(doc);
	} else if (rec) {
		relman_print_repro(to_stdout ? stderr : stdout, man);
		fprintf(to_stdout ? stderr : stdout,
			"rerun on dummy data: trex run --local --like %s [DIR] --data DUMMY\n", id);
	}
	return CLI_EXIT_OK;
}
