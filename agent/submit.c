/* trex submit MANIFEST [DIR] [--permit FILE]: upload a manifest, its code
 * bundle and, when the trexd requires one, the signed data permit. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/bundle.h"
#include "agent/client.h"
#include "common/alloc.h"
#include "common/cleanup.h"
#include "common/fsutil.h"

#define SUBMIT_MANIFEST_MAX (1u << 20)
/* common/permit.h: PERMIT_MAX_BYTES */
#define SUBMIT_PERMIT_MAX (64u << 10)

static void submit_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(submit_decref)))

/* Parse the manifest strictly enough to catch a wrong file early (trexd
 * validates its content); duplicates are rejected as trexd does. */
int cli_load_manifest(const char *path, json_t **out, struct stat *st, struct trex_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = trex_read_file(AT_FDCWD, path, SUBMIT_MANIFEST_MAX, &text, &len, err);
	if (r < 0)
		return r;
	if (stat(path, st) < 0)
		return trex_err_set(err, -errno, "stat %s", path);
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return trex_err_setx(err, -EINVAL, "%s:%d:%d: %s", path, je.line,
				     je.column, je.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return trex_err_setx(err, -EINVAL, "%s: the manifest must be a JSON object",
				     path);
	}
	*out = j;
	return 0;
}

/* The line of `"key":` in the manifest's text: the n-th (0-based) one
 * after `"outputs":` when after_outputs, else the only one; 0 when it is
 * not there or not unambiguous. */
static int submit_key_line(const char *text, const char *key, int after_outputs, size_t n)
{
	char pat[80];
	int pl = snprintf(pat, sizeof(pat), "\"%s\"", key);
	if (pl < 0 || (size_t)pl >= sizeof(pat))
		return 0;
	const char *from = text;
	if (after_outputs && !(from = strstr(text, "\"outputs\"")))
		return 0;
	const char *found = NULL;
	size_t seen = 0;
	for (const char *p = from; (p = strstr(p, pat)); p += pl) {
		const char *q = p + pl;
		while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
			q++;
		if (*q != ':')
			continue; /* a value, not a key */
		if (after_outputs ? seen == n : seen == 0)
			found = p;
		seen++;
	}
	if (!found || (!after_outputs && seen != 1))
		return 0;
	int line = 1;
	for (const char *p = text; p < found; p++)
		line += *p == '\n';
	return line;
}

/* trexd names the manifest field at fault ("manifest.outputs[1].kind:",
 * "manifest: unknown key \"outptus\"", "unknown dataset \"x\""): the
 * line of the manifest file that holds it, or 0. */
static int submit_fault_line(const char *path, const char *refusal)
{
	const char *msg = strstr(refusal, "): ");
	return msg ? cli_manifest_line(path, msg + 3) : 0;
}

int cli_manifest_line(const char *path, const char *msg)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct trex_err err = { 0 };
	if (trex_read_file(AT_FDCWD, path, SUBMIT_MANIFEST_MAX, &text, &len, &err) < 0)
		return 0;
	char key[64] = "";
	size_t out = 0;
	int in_outputs = 0;
	const char *uk = strstr(msg, "unknown key \"");
	if (strncmp(msg, "unknown dataset", 15) == 0) {
		snprintf(key, sizeof(key), "dataset");
	} else if (strncmp(msg, "unknown runtime", 15) == 0) {
		snprintf(key, sizeof(key), "runtime");
	} else if (strncmp(msg, "manifest", 8) == 0) {
		/* the field's path up to the ':', its last name */
		const char *colon = strchr(msg, ':');
		const char *o = strstr(msg, ".outputs[");
		if (o && o < colon) {
			in_outputs = 1;
			out = strtoul(o + 9, NULL, 10);
		}
		const char *last = colon;
		while (last > msg && last[-1] != '.' && last[-1] != ']')
			last--;
		if (uk && uk > colon) {
			const char *k = uk + 13, *e = strchr(k, '"');
			if (e && (size_t)(e - k) < sizeof(key))
				snprintf(key, sizeof(key), "%.*s", (int)(e - k), k);
		} else if (colon && last < colon && (size_t)(colon - last) < sizeof(key)) {
			snprintf(key, sizeof(key), "%.*s", (int)(colon - last), last);
		}
	}
	return key[0] && strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
				 strlen(key)
		       ? submit_key_line(text, key, in_outputs, out)
		       : 0;
}

int cli_submit(const struct cli_ctx *ctx, int argc, char **argv)
{
	enum { OPT_PERMIT = 1 };
	static const struct option lopts[] = { { "permit", required_argument, NULL, OPT_PERMIT },
					       CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	const char *pos[2] = { NULL, NULL };
	const char *permit_path = NULL;
	int npos = 0, as_json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (c == OPT_PERMIT)
			permit_path = optarg;
		else if (c == CLI_OPT_JSON)
			as_json = 1;
		else
			return cli_opt_error("submit", c, argv);
	}
	for (int i = optind; i < argc; i++) {
		if (npos == 2)
			return cli_usage_error("submit", "too many arguments (MANIFEST [DIR])");
		pos[npos++] = argv[i];
	}
	if (npos < 1)
		return cli_usage_error("submit", "missing MANIFEST");

	struct trex_err err = { 0 };
	_cleanup_json_ json_t *manifest = NULL;
	struct stat mst;
	if (cli_load_manifest(pos[0], &manifest, &mst, &err) < 0) {
		fprintf(stderr, "trex submit: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	_cleanup_free_ char *mcopy = trex_strdup(pos[0]);
	if (!mcopy)
		return cli_fail(&(struct trex_err){ .msg = "out of memory" });
	const char *dir = pos[1] ? pos[1] : dirname(mcopy);

	struct bundle_skip skip[2] = { { .dev = mst.st_dev, .ino = mst.st_ino } };
	size_t nskip = 1;
	/* the signed permit travels beside the bundle, as text: trexd checks
	 * the signature over exactly these bytes' canonical form */
	_cleanup_free_ char *permit = NULL;
	if (permit_path) {
		size_t plen;
		struct stat pst;
		if (trex_read_file(AT_FDCWD, permit_path, SUBMIT_PERMIT_MAX, &permit, &plen,
				   &err) < 0 ||
		    stat(permit_path, &pst) < 0) {
			fprintf(stderr, "trex submit: permit: %s\n",
				err.msg[0] ? err.msg : strerror(errno));
			return CLI_EXIT_USAGE;
		}
		if (strlen(permit) != plen) {
			fprintf(stderr, "trex submit: permit %s: contains NUL bytes\n", permit_path);
			return CLI_EXIT_USAGE;
		}
		skip[nskip++] = (struct bundle_skip){ .dev = pst.st_dev, .ino = pst.st_ino };
	}
	_cleanup_json_ json_t *files = NULL;
	size_t nbytes = 0;
	if (bundle_collect(dir, skip, nskip, &files, &nbytes, &err) < 0) {
		fprintf(stderr, "trex submit: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	_cleanup_json_ json_t *req = json_object();
	if (!req || json_object_set(req, "manifest", manifest) < 0 ||
	    json_object_set(req, "files", files) < 0 ||
	    (permit && json_object_set_new(req, "permit", json_string(permit)) < 0))
		return cli_fail(&(struct trex_err){ .msg = "out of memory (or permit not UTF-8)" });

	_cleanup_json_ json_t *answer = NULL;
	if (client_call_json(ctx->socket, "POST", "/v1/jobs", req, &answer, &err) < 0) {
		int line = err.code == CLIENT_EREFUSED ? submit_fault_line(pos[0], client_last_refusal())
						       : 0;
		if (line > 0) {
			fprintf(stderr, "trex submit: %s:%d: %s\n", pos[0], line, client_last_refusal());
			return CLI_EXIT_FAILED;
		}
		return cli_fail(&err);
	}
	const char *id = json_string_value(json_object_get(answer, "id"));
	if (!id || !cli_job_id_ok(id)) {
		fprintf(stderr, "trex submit: trexd answered without a valid job id\n");
		return CLI_EXIT_FAILED;
	}
	if (as_json) {
		cli_print_json(answer);
		return CLI_EXIT_OK;
	}
	fprintf(stderr, "trex: submitted %zu file%s (%zu bytes), state ", json_object_size(files),
		json_object_size(files) == 1 ? "" : "s", nbytes);
	cli_put(stderr, json_string_value(json_object_get(answer, "state")));
	fputc('\n', stderr);
	printf("%s\n", id);
	return CLI_EXIT_OK;
}
