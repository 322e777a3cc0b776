/* trex run --local --like JOB (runlike.h). What is rerun is what the
 * researcher may already see of their own job: its manifest (GET
 * /v1/jobs/ID, as stored: every limit explicit) and its files' digests,
 * both checked against the job_sha256 trexd signed into the release
 * manifest; the code itself comes from the researcher's folder (trexd
 * serves no code back), each file compared by SHA-256 with the job's.
 * The runtime and policy are the record's names, run here as trex run
 * --local runs any job; a local pack or runtime whose digest differs
 * from the record's is said, loudly, before the run. */
#include "runlike.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/bundle.h"
#include "agent/client.h"
#include "agent/relman.h"
#include "common/alloc.h"
#include "common/b64.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/jobdigest.h"
#include "runner/jobargs.h"
#include "runner/packs.h"
#include "runner/rtident.h"

int runlike_fetch(const struct cli_ctx *ctx, const char *id, const char *keyfile,
		  struct runlike *l, struct trex_err *err)
{
	if (id != l->id)
		snprintf(l->id, sizeof(l->id), "%s", id);
	char target[256];
	snprintf(target, sizeof(target), "/v1/jobs/%s", id);
	int r = client_call_json(ctx->socket, "GET", target, NULL, &l->job, err);
	if (r < 0)
		return r;
	json_t *manifest = json_object_get(l->job, "manifest");
	if (!json_is_object(manifest))
		return trex_err_setx(err, -EPROTO, "trexd sent no manifest for job %s", id);
	json_t *none = json_array();
	r = relman_check_get(ctx->socket, id, keyfile, none, &l->release, err);
	json_decref(none);
	if (r < 0)
		return r;
	l->record = json_object_get(l->release, "reproducibility");
	if (!json_is_object(l->record))
		return trex_err_setx(err, -ENOENT, "the release manifest of job %s has no "
				     "reproducibility record (released by a trexd before it kept "
				     "one): run its manifest with trex run --local MANIFEST", id);
	if (!json_string_value(json_object_get(json_object_get(l->record, "policy"), "name")))
		return trex_err_setx(err, -EPROTO, "the record of job %s names no policy", id);
	snprintf(l->tmp, sizeof(l->tmp), "/tmp/trex-like.XXXXXX");
	if (!mkdtemp(l->tmp)) {
		l->tmp[0] = '\0';
		return trex_err_set(err, -errno, "mkdtemp");
	}
	snprintf(l->manifest, sizeof(l->manifest), "%s/manifest.json", l->tmp);
	_cleanup_close_ int dfd = open(l->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
	r = dfd < 0 || !text ? trex_err_set(err, dfd < 0 ? -errno : -ENOMEM, "%s", l->tmp)
			     : trex_write_file_atomic(dfd, "manifest.json", text, strlen(text), 0600,
						      err);
	free(text);
	l->report = json_pack("{s:s}", "job", id);
	return r < 0 ? r : l->report ? 0 : trex_err_setx(err, -ENOMEM, "out of memory");
}

const char *runlike_policy(const struct runlike *l)
{
	return json_string_value(json_object_get(json_object_get(l->record, "policy"), "name"));
}

__attribute__((format(printf, 3, 4))) static void runlike_warn(struct runlike *l, int quiet,
								const char *fmt, ...)
{
	l->differs = 1;
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("trex run: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The job's files (its "files": name -> {sha256, size}) against dir's. */
static void runlike_code(struct runlike *l, const char *dir, int quiet)
{
	json_t *want = json_object_get(l->job, "files"), *local = NULL, *mine = json_object();
	struct trex_err err = { 0 };
	size_t nbytes = 0;
	json_t *rep = json_pack("{s:s,s:[],s:[]}", "dir", dir, "changed", "missing");
	if (bundle_collect(dir, NULL, 0, &local, &nbytes, &err) < 0) {
		runlike_warn(l, quiet, "the code folder %s: %s", dir, err.msg);
		local = json_object();
	}
	const char *name;
	json_t *digest;
	json_object_foreach(want, name, digest) {
		const char *b64 = json_string_value(json_object_get(local, name));
		unsigned char *bytes = NULL;
		size_t len = 0;
		if (!b64 || trex_b64_decode(b64, strlen(b64), &bytes, &len) < 0) {
			json_array_append_new(json_object_get(rep, "missing"), json_string(name));
			runlike_warn(l, quiet, "%s: a file of the released job is not in the code folder",
				     name);
			continue;
		}
		json_t *d = jobdigest_file(bytes, len);
		trex_free(bytes);
		if (!json_equal(d, digest)) {
			json_array_append_new(json_object_get(rep, "changed"), json_string(name));
			runlike_warn(l, quiet, "%s: not the released job's file (its SHA-256 differs)",
				     name);
		}
		json_object_set_new(mine, name, d);
	}
	/* the manifest and files trexd showed are the ones it signed */
	const char *signed_sha = json_string_value(json_object_get(l->release, "job_sha256"));
	json_t *canon = jobdigest_canonical(json_object_get(l->job, "manifest"), want,
					    json_string_value(json_object_get(l->release, "policy")));
	char sha[TREX_SHA256_HEX_LEN + 1] = "";
	int same = signed_sha && canon && jobdigest_sha256(canon, sha, &err) == 0 &&
		   strcmp(sha, signed_sha) == 0;
	json_decref(canon);
	if (!same)
		runlike_warn(l, quiet, "the manifest and files trexd shows of job %s do not hash to "
			     "the job_sha256 of its signed release manifest", l->id);
	json_object_set_new(rep, "job_sha256_matches", json_boolean(same));
	json_object_set_new(l->report, "code", rep);
	json_decref(local);
	json_decref(mine);
}

static void runlike_policy_cmp(struct runlike *l, const struct config *c, int quiet)
{
	json_t *pol = json_object_get(l->record, "policy");
	const char *name = runlike_policy(l), *want = json_string_value(json_object_get(pol, "sha256"));
	char have[65] = "";
	struct trex_err err = { 0 };
	packs_sha256(c, name, have, &err);
	int same = want && strcmp(have, want) == 0;
	if (!same)
		runlike_warn(l, quiet, "policy %s here is not the pack the job was checked with "
			     "(its digest differs: %s): decisions may differ", name,
			     have[0] ? have : "unreadable");
	json_object_set_new(l->report, "policy",
			    json_pack("{s:s,s:s?,s:s?,s:b}", "name", name, "recorded", want, "here",
				      have[0] ? have : NULL, "same", same));
}

static void runlike_runtime(struct runlike *l, const struct config *c, const char *runtime,
			    const char *work, int seccomp, runlike_spawn_fn spawn, void *arg,
			    int quiet)
{
	json_t *want = json_object_get(l->record, "runtime"), *have = NULL;
	const struct runtime *rt = config_runtime(c, runtime);
	char path[4200];
	snprintf(path, sizeof(path), "%s/probe.out", work);
	struct jobargs a = { 0 };
	if (rt)
		jobargs_probe(&a, c, rt, seccomp);
	_cleanup_close_ int out = open(path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
				      0600);
	int ok = rt && !a.oom && out >= 0 && spawn(a.v, out, arg) == 0;
	jobargs_free(&a);
	char *text = NULL;
	size_t len = 0;
	struct trex_err err = { 0 };
	if (rt && trex_read_file(AT_FDCWD, path, RTIDENT_OUT_MAX, &text, &len, &err) == 0)
		have = rtident_parse(rt, text, len, ok);
	trex_free(text);
	json_t *wi = json_object_get(want, "interpreters"), *hi = json_object_get(have, "interpreters");
	const char *wp = json_string_value(json_object_get(want, "packages_sha256"));
	const char *hp = json_string_value(json_object_get(have, "packages_sha256"));
	int same_i = wi && hi && json_equal(wi, hi), same_p = wp && hp && strcmp(wp, hp) == 0;
	if (!same_i) {
		char *w = wi ? json_dumps(wi, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
		char *h = hi ? json_dumps(hi, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
		runlike_warn(l, quiet, "the runtime's interpreters here are %s, the job ran with %s",
			     h ? h : "unknown (the probe failed)", w ? w : "unknown");
		free(w);
		free(h);
	}
	if (!same_p)
		runlike_warn(l, quiet, "the runtime's installed packages here (%s) are not the "
			     "job's (%s): results may differ", hp ? hp : "unknown", wp ? wp : "unknown");
	json_object_set_new(l->report, "runtime",
			    json_pack("{s:s,s:O*,s:o*,s:b,s:b}", "name", runtime, "recorded", want,
				      "here", have, "same_interpreters", same_i, "same_packages",
				      same_p));
}

void runlike_compare(struct runlike *l, const struct config *c, const char *runtime,
		     const char *dir, const char *work, int seccomp, runlike_spawn_fn spawn,
		     void *arg, int quiet)
{
	runlike_code(l, dir, quiet);
	runlike_policy_cmp(l, c, quiet);
	runlike_runtime(l, c, runtime, work, seccomp, spawn, arg, quiet);
	json_object_set_new(l->report, "same", json_boolean(!l->differs));
}

void runlike_free(struct runlike *l)
{
	if (l->tmp[0]) {
		unlink(l->manifest);
		rmdir(l->tmp);
	}
	json_decref(l->job);
	json_decref(l->release);
	json_decref(l->report);
	memset(l, 0, sizeof(*l));
}
