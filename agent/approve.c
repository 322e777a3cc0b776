/* trex approve JOB [--digest JOB_SHA256]: the approver's decision on a
 * strict-permit job. What is approved is the whole job (common/jobdigest.h):
 * trex shows it -- the manifest (command, dataset, runtime, outputs,
 * limits, permit), the disclosure policy and every file with its SHA-256
 * and size -- after checking that exactly what it shows hashes to the
 * job_sha256 trexd holds, so nothing approved goes unseen. Without
 * --digest nothing is approved (exit 3); with it, trex approves only when
 * the job still has that digest, and trexd checks it again. Every string
 * the researcher wrote is printed as an ASCII-escaped JSON string: no byte
 * of it can move the cursor or reorder the text on the approver's
 * terminal. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "agent/client.h"
#include "common/alloc.h"
#include "common/jobdigest.h"

static void approve_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(approve_decref)))

/* A JSON value, compact and ASCII-escaped, or "-" when absent. */
static void approve_put(FILE *f, json_t *v)
{
	char *t = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	fputs(t ? t : "-", f);
	free(t); /* jansson's allocator */
}

static int approve_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int approve_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void approve_print_files(FILE *f, json_t *files)
{
	size_t n = json_object_size(files), i = 0;
	const char **names = trex_calloc(n + 1, sizeof(*names));
	const char *name;
	json_t *v;
	json_int_t total = 0;
	json_object_foreach(files, name, v) {
		if (names)
			names[i++] = name;
		total += json_integer_value(json_object_get(v, "size"));
	}
	fprintf(f, "%-12s %zu (%lld bytes)\n", "files", n, (long long)total);
	if (!names)
		return;
	qsort(names, n, sizeof(*names), approve_cmp);
	for (i = 0; i < n; i++) {
		json_t *e = json_object_get(files, names[i]);
		const char *sha = json_string_value(json_object_get(e, "sha256"));
		fputs("  ", f);
		if (sha && approve_hex64(sha))
			fputs(sha, f);
		else
			approve_put(f, json_object_get(e, "sha256"));
		fputs("  ", f);
		approve_put(f, json_object_get(e, "size"));
		fputs("  ", f);
		json_t *js = json_string(names[i]);
		approve_put(f, js);
		json_decref(js);
		fputc('\n', f);
	}
	trex_free(names);
}

/* Everything the digest covers, field by field; manifest keys this trex
 * does not know are printed too. */
static void approve_print(FILE *f, const char *id, json_t *job, json_t *canon, const char *sha)
{
	json_t *m = json_object_get(canon, "manifest");
	fprintf(f, "%-12s %s (", "job", id);
	approve_put(f, json_object_get(job, "state"));
	fputs(", submitted by ", f);
	approve_put(f, json_object_get(job, "submitted_by"));
	fputs(")\n", f);
	static const char *const keys[] = { "project", "permit", "dataset", "runtime", "command" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		fprintf(f, "%-12s ", keys[i]);
		approve_put(f, json_object_get(m, keys[i]));
		fputc('\n', f);
		if (i == 1) {
			fprintf(f, "%-12s ", "policy");
			approve_put(f, json_object_get(canon, "policy"));
			fputc('\n', f);
		}
	}
	fprintf(f, "%-12s ", "limits");
	approve_put(f, json_object_get(m, "limits"));
	fputc('\n', f);
	json_t *outs = json_object_get(m, "outputs");
	fprintf(f, "%-12s %zu\n", "outputs", json_array_size(outs));
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		fputs("  ", f);
		approve_put(f, o);
		fputc('\n', f);
	}
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v) {
		if (strcmp(k, "limits") == 0 || strcmp(k, "outputs") == 0)
			continue;
		size_t j;
		for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
			if (strcmp(k, keys[j]) == 0)
				break;
		if (j < sizeof(keys) / sizeof(keys[0]))
			continue;
		json_t *jk = json_string(k);
		fputs("other key   ", f);
		approve_put(f, jk);
		json_decref(jk);
		fputs(": ", f);
		approve_put(f, v);
		fputc('\n', f);
	}
	approve_print_files(f, json_object_get(canon, "files"));
	fprintf(f, "%-12s %s\n", "job_sha256", sha);
}

int cli_approve(const struct cli_ctx *ctx, int argc, char **argv)
{
	enum { OPT_DIGEST = 1 };
	static const struct option lopts[] = { { "digest", required_argument, NULL, OPT_DIGEST },
					       CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	const char *digest = NULL;
	int as_json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (c == OPT_DIGEST)
			digest = optarg;
		else if (c == CLI_OPT_JSON)
			as_json = 1;
		else
			return cli_opt_error("approve", c, argv);
	}
	if (argc - optind != 1)
		return cli_usage_error("approve", "usage: trex approve JOB [--digest JOB_SHA256]");
	char id[160];
	int rr = cli_resolve_job(ctx, "approve", argv[optind], id, sizeof(id));
	if (rr)
		return rr;
	if (digest && !approve_hex64(digest))
		return cli_usage_error("approve", "--digest: not a job_sha256 (64 lowercase hex digits)");
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *job = NULL, *canon = NULL, *req = NULL, *ans = NULL;
	if (cli_get_job(ctx, id, &job, &err) < 0)
		return cli_fail(&err);
	json_t *permit = json_object_get(job, "permit");
	const char *held = json_string_value(json_object_get(job, "job_sha256"));
	if (!permit) {
		fprintf(stderr, "trex approve: job %s has no permit to approve under\n", id);
		return CLI_EXIT_FAILED;
	}
	/* the digest of what is printed below, computed here */
	char sha[TREX_SHA256_HEX_LEN + 1] = "";
	canon = jobdigest_canonical(json_object_get(job, "manifest"), json_object_get(job, "files"),
				    json_string_value(json_object_get(permit, "policy")));
	if (!held || !canon || jobdigest_sha256(canon, sha, &err) < 0 || strcmp(sha, held) != 0) {
		fprintf(stderr, "trex approve: what trexd shows of job %s does not hash to its job_sha256 %s: nothing approved\n",
			id, held ? held : "(none)");
		return CLI_EXIT_FAILED;
	}
	/* --json: the canonical job (what the digest covers) and the digest */
	if (as_json) {
		json_t *doc = json_pack("{s:s,s:O,s:s,s:O}", "id", id, "state",
					json_object_get(job, "state") ? json_object_get(job, "state")
								      : json_null(),
					"job_sha256", sha, "job", canon);
		if (!digest)
			cli_print_json(doc);
		json_decref(doc);
	} else {
		approve_print(stdout, id, job, canon, sha);
	}
	fflush(stdout);
	if (!digest) {
		fprintf(stderr, "trex approve: nothing approved yet: if the job above is the one to approve, run\n"
				"  trex approve %s --digest %s\n", id, sha);
		return CLI_EXIT_NOT_APPROVED;
	}
	if (strcmp(digest, sha) != 0) {
		fprintf(stderr, "trex approve: job %s is job_sha256 %s now, not the %s given: nothing approved\n",
			id, sha, digest);
		return CLI_EXIT_FAILED;
	}
	req = json_pack("{s:s}", "job_sha256", sha);
	char target[128];
	snprintf(target, sizeof(target), "/v1/jobs/%s/approve", id);
	if (client_call_json(ctx->socket, "POST", target, req, &ans, &err) < 0)
		return cli_fail(&err);
	if (as_json)
		cli_print_json(ans);
	else
		printf("approved job %s, job_sha256 %s\n", id, sha);
	return CLI_EXIT_OK;
}
