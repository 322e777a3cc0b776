/* trex run --local MANIFEST [DIR] --data DIR: the job as trexd would run it,
 * on the researcher's own (dummy) data, on a machine without trexd.
 *
 * Nothing here decides how a job runs: the manifest is validated by
 * trexd's validator (runner/manifest.c) against trexd's configuration
 * (runner/config.c: the built-in runtimes and limits, or a site's
 * trexd.json with --trexd-config), the code is the bundle `trex submit`
 * would upload (agent/bundle.c) written out as trexd writes it
 * (runner/bundle.c), the command lines of trex-sandbox around the job and
 * around trex-check are trexd's own (runner/jobargs.c), the checker's
 * inputs are prepared (runner/checkin.c) and its report read per output
 * (checkin_verdict, release_state) as trexd does. What differs: the
 * sandbox runs rootless when the caller is not root (SECURITY.md), --data
 * stands where the configured dataset would, and there is no identifier
 * index and no earlier release of the project (the checks that need them
 * are not made: docs/cli.md). Then everything is shown: the logs, each
 * output's decision, the report, and the copies in -o OUT. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/bundle.h"
#include "agent/client.h"
#include "agent/runlike.h"
#include "common/alloc.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "policies/seccomp/secpol.h"
#include "runner/checkin.h"
#include "runner/config.h"
#include "runner/jobargs.h"
#include "runner/manifest.h"
#include "runner/packs.h"
#include "runner/runrec.h"

/* runner/bundle.h: the uploaded bundle written as trexd writes it (its
 * header's limits clash with agent/bundle.h's names, so only these) */
int bundle_check(json_t *files, size_t max_bytes, struct trex_err *err);
int bundle_write(const char *job_dir, json_t *files, json_t *digests, struct trex_err *err);
void bundle_remove(const char *job_dir);

#define RL_MARKER ".trex-local"
#define RL_LOG_MAX (64u << 20)    /* a log shown is read up to this */
#define RL_REPORT_MAX (16u << 20) /* trexd's JOB_REPORT_MAX */

struct rl_opts {
	const char *manifest, *code, *data, *out, *policy, *trexd_config;
	const char *like, *trexd_key; /* --like JOB: a released job, rerun */
	int local, json;
};

static void rl_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(rl_decref)))

static volatile sig_atomic_t rl_interrupted;
static void rl_on_signal(int sig)
{
	(void)sig;
	rl_interrupted = 1; /* the sandbox got it too and ends the job */
}

static int rl_parse(int argc, char **argv, struct rl_opts *o)
{
	enum { OPT_LOCAL = 1, OPT_DATA, OPT_POLICY, OPT_TREXD_CONFIG, OPT_LIKE, OPT_TREXD_KEY };
	static const struct option lopts[] = {
		{ "local", no_argument, NULL, OPT_LOCAL },
		{ "data", required_argument, NULL, OPT_DATA },
		{ "output", required_argument, NULL, 'o' },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "trexd-config", required_argument, NULL, OPT_TREXD_CONFIG },
		{ "like", required_argument, NULL, OPT_LIKE },
		{ "trexd-key", required_argument, NULL, OPT_TREXD_KEY },
		CLI_JSON_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	int c, npos = 0;
	while ((c = getopt_long(argc, argv, ":o:", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_LOCAL: o->local = 1; break;
		case OPT_DATA: o->data = optarg; break;
		case 'o': o->out = optarg; break;
		case OPT_POLICY: o->policy = optarg; break;
		case OPT_TREXD_CONFIG: o->trexd_config = optarg; break;
		case OPT_LIKE: o->like = optarg; break;
		case OPT_TREXD_KEY: o->trexd_key = optarg; break;
		case CLI_OPT_JSON: o->json = 1; break;
		default: return cli_opt_error("run", c, argv);
		}
	}
	for (int i = optind; i < argc; i++) {
		/* --like JOB: the manifest is the job's, DIR its code */
		if (o->like && npos == 0) {
			o->code = argv[i];
			npos = 2;
			continue;
		}
		if (npos == 2)
			return cli_usage_error("run", o->like ? "too many arguments (--like JOB [DIR])"
							      : "too many arguments (MANIFEST [DIR])");
		if (npos++ == 0)
			o->manifest = argv[i];
		else
			o->code = argv[i];
	}
	if (!o->local)
		return cli_usage_error("run", "only --local runs here; `trex submit` sends a job to trexd");
	if (o->like && o->policy)
		return cli_usage_error("run", "--like runs with the released job's policy: no --policy");
	if (!o->manifest && !o->like)
		return cli_usage_error("run", "missing MANIFEST (or --like JOB)");
	if (o->like && !o->code)
		o->code = ".";
	if (!o->data)
		return cli_usage_error("run", "missing --data DIR: the folder standing for the "
					      "manifest's dataset (dummy data, e.g. from trex-synth)");
	struct stat st;
	if (stat(o->data, &st) < 0 || !S_ISDIR(st.st_mode))
		return cli_usage_error("run", "--data %s: not a folder", o->data);
	if (!o->out)
		o->out = "trex-local-out";
	return 0;
}

/* trexd's configuration as this host would have it: the built-in
 * runtimes, limits, helpers and packs of this installation (common/
 * paths.h), or a site's trexd.json; the manifest's dataset is --data. */
static int rl_config(const struct rl_opts *o, json_t *manifest, struct config *c,
		     struct trex_err *err)
{
	int r = config_init_defaults(c, err);
	if (r == 0 && o->trexd_config)
		r = config_load_file(c, o->trexd_config, err);
	if (r < 0)
		return r;
	const char *name = json_string_value(json_object_get(manifest, "dataset"));
	if (!name)
		return 0; /* manifest_validate says what is missing */
	char real[PATH_MAX];
	if (!realpath(o->data, real))
		return trex_err_set(err, -errno, "--data %s", o->data);
	for (size_t i = 0; i < c->n_datasets; i++)
		if (strcmp(c->datasets[i].name, name) == 0) {
			char *p = trex_strdup(real);
			if (!p)
				return trex_err_setx(err, -ENOMEM, "out of memory");
			trex_free(c->datasets[i].path);
			c->datasets[i].path = p;
			return 0;
		}
	char spec[PATH_MAX + 80];
	snprintf(spec, sizeof(spec), "%s=%s", name, real);
	char ids[80];
	snprintf(ids, sizeof(ids), "%s=", name);
	const char *specs[1] = { spec }, *idspecs[1] = { ids };
	/* no identifier columns: without trexd's identifier index there is
	 * nothing to check them against (docs/cli.md). A name
	 * config_add_datasets refuses is one trexd would not have */
	if (config_add_datasets(c, specs, 1, idspecs, 1, err) < 0)
		return trex_err_prefix(err, "dataset");
	return 0;
}

/* Run argv: stdin /dev/null, stdout and stderr into files, the status
 * record on fd 3, the compiled seccomp profile on fd 4 (bpf >= 0), as
 * trexd's monitor does. *wstatus: its wait status. */
static int rl_spawn(char **argv, int out, int errf, int status, int bpf, int *wstatus,
		    struct trex_err *err)
{
	if (bpf >= 0 && lseek(bpf, 0, SEEK_SET) < 0)
		return trex_err_set(err, -errno, "rewind the seccomp profile");
	pid_t pid = fork();
	if (pid < 0)
		return trex_err_set(err, -errno, "fork");
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		int fo = fcntl(out, F_DUPFD, 10), fe = fcntl(errf, F_DUPFD, 10);
		int fs = fcntl(status, F_DUPFD, 10), fb = bpf >= 0 ? fcntl(bpf, F_DUPFD, 10) : -1;
		if (nul < 0 || fo < 0 || fe < 0 || fs < 0 || (bpf >= 0 && fb < 0) ||
		    dup2(nul, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || dup2(fs, 3) < 0 ||
		    (fb >= 0 && dup2(fb, 4) < 0) || close_range(fb >= 0 ? 5 : 4, ~0U, 0) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return trex_err_set(err, -errno, "wait for %s", argv[0]);
	*wstatus = st;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return trex_err_setx(err, -ENOENT, "could not start %s", argv[0]);
	return 0;
}

/* runlike_spawn_fn: the runtime's probe, its stdout into out */
static int rl_spawn_probe(char **argv, int out, void *arg)
{
	const int *bpf = arg;
	struct trex_err err = { 0 };
	_cleanup_close_ int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	int ws = 0;
	if (nul < 0 || rl_spawn(argv, out, nul, nul, *bpf, &ws, &err) < 0)
		return -1;
	return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 ? 0 : -1;
}

static int rl_open_out(const char *dir, const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return open(p, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static json_t *rl_read_json_or_text(const char *dir, const char *name, int as_json,
				    char **text, size_t *len)
{
	char p[PATH_MAX];
	struct trex_err err = { 0 };
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	*text = NULL;
	*len = 0;
	if (trex_read_file(AT_FDCWD, p, as_json ? RL_REPORT_MAX : RL_LOG_MAX, text, len, &err) < 0)
		return NULL;
	if (!as_json)
		return NULL;
	return json_loadb(*text, *len, 0, NULL);
}

/* OUT: new, empty, or one an earlier local run wrote (its marker there):
 * then its contents are replaced. Anything else is left alone. */
static int rl_prepare_out(const char *out, struct trex_err *err)
{
	char marker[PATH_MAX];
	snprintf(marker, sizeof(marker), "%s/" RL_MARKER, out);
	struct stat st;
	if (lstat(out, &st) == 0 && S_ISDIR(st.st_mode) && lstat(marker, &st) == 0)
		bundle_remove(out); /* depth first, no symlink followed */
	int made = 0;
	char first[256] = "";
	int fd = trex_open_empty_dir(out, &made, first, sizeof(first), err);
	if (fd == -EEXIST)
		return trex_err_setx(err, -EEXIST, "-o %s holds %s: give a new or empty folder, or "
					      "one an earlier local run wrote", out, first);
	if (fd < 0)
		return fd;
	close(fd);
	int m = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (m < 0)
		return trex_err_set(err, -errno, "create %s", marker);
	close(m);
	return 0;
}

/* src_dir/rel -> out/sub/rel (a regular file beneath src_dir). */
static void rl_copy(const char *src_dir, const char *rel, const char *out, const char *sub,
		    const char *dst_rel)
{
	char dst[PATH_MAX];
	struct trex_err err = { 0 };
	snprintf(dst, sizeof(dst), "%s/%s", out, sub);
	if (trex_mkdir_p(dst, 0755, &err) < 0)
		return;
	_cleanup_close_ int s = open(src_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s >= 0 && d >= 0 &&
	    release_copy(s, rel, d, dst_rel, (uint64_t)1 << 40, NULL, NULL, &err) < 0)
		fprintf(stderr, "trex run: copy %s into %s: %s\n", dst_rel, dst, err.msg);
}

static void rl_print_log(const char *title, const char *text, size_t len)
{
	printf("== %s (%zu bytes) ==\n", title, len);
	if (len) {
		fwrite(text, 1, len, stdout);
		if (text[len - 1] != '\n')
			putchar('\n');
	}
}

/* One output's decision as text, then the report's reasons and every
 * flagged cell (row, key, rule, action, reason), as `trex review show`
 * lists them: this is the researcher's own dummy data, nothing is held
 * back. */
static void rl_print_output(const char *path, const struct checkin_verdict *v,
			    const char *decision)
{
	printf("%-12s %s", decision, path);
	if (v->summary)
		printf(" -- %s", v->summary);
	putchar('\n');
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(v->entry, "reasons"), i, d)
		if (json_is_string(d))
			printf("    reason: %s\n", json_string_value(d));
	json_array_foreach(json_object_get(v->entry, "cells"), i, d) {
		const char *s;
		json_t *row = json_object_get(d, "row");
		printf("    ");
		if (json_is_integer(row))
			printf("row %lld ", (long long)json_integer_value(row));
		const char *k;
		json_t *kv;
		int first = 1;
		json_object_foreach(json_object_get(d, "key"), k, kv) {
			if (json_is_string(kv))
				printf("%s%s=%s", first ? "(" : ", ", k, json_string_value(kv));
			first = 0;
		}
		if (!first)
			printf(") ");
		if ((s = json_string_value(json_object_get(d, "rule"))))
			printf("%s ", s);
		if ((s = json_string_value(json_object_get(d, "action"))))
			printf("%s ", s);
		if ((s = json_string_value(json_object_get(d, "reason"))))
			printf("-- %s", s);
		putchar('\n');
	}
}

/* The decision a researcher reads for a verdict (trexd's words). */
static const char *rl_decision(const char *verdict)
{
	if (!strcmp(verdict, "pass"))
		return "released";
	if (!strcmp(verdict, "suppressed"))
		return "suppressed";
	if (!strcmp(verdict, "review"))
		return "held";
	if (!strcmp(verdict, "missing"))
		return "missing";
	return "blocked";
}

struct rl_job {
	struct rl_opts o;
	struct config cfg;
	struct manifest m;
	char work[64];     /* the job's folders, as trexd's jobs/<id> */
	int work_made;     /* work is ours to remove */
	char job_dir[96];
	char id[64];
	int bpf;           /* compiled seccomp profile, or -1: the built-in */
};

/* The run, as trexd's job_after_run reads it: the state when it ended
 * the job (failed, timed out), else NULL and the outputs go to the
 * check. */
static const char *rl_run(struct rl_job *j, json_t **runrec, char *reason, size_t rlen,
			  struct trex_err *err)
{
	struct jobargs a = { 0 };
	json_t *command = json_object_get(j->m.json, "command");
	const struct dataset *ds = config_dataset(&j->cfg, j->m.dataset);
	const struct runtime *rt = config_runtime(&j->cfg, j->m.runtime);
	jobargs_run(&a, &j->cfg, ds, rt, &j->m.limits, j->job_dir, j->id, command, j->bpf >= 0);
	if (a.oom) {
		jobargs_free(&a);
		trex_err_setx(err, -ENOMEM, "out of memory");
		return NULL;
	}
	_cleanup_close_ int out = rl_open_out(j->work, "stdout");
	_cleanup_close_ int er = rl_open_out(j->work, "stderr");
	_cleanup_close_ int st = rl_open_out(j->work, "run.status");
	int ws = 0;
	int r = (out < 0 || er < 0 || st < 0)
			? trex_err_set(err, -errno, "create the logs in %s", j->work)
			: rl_spawn(a.v, out, er, st, j->bpf, &ws, err);
	jobargs_free(&a);
	if (r < 0)
		return NULL;
	char *text;
	size_t len;
	rl_read_json_or_text(j->work, "run.status", 0, &text, &len);
	*runrec = runrec_parse(text ? text : "", len);
	trex_free(text);
	if (!*runrec) {
		trex_err_setx(err, -ENOMEM, "out of memory");
		return NULL;
	}
	if (!json_object_get(*runrec, "exit_code"))
		json_object_set_new(*runrec, "exit_code",
				    json_integer(WIFSIGNALED(ws) ? 128 + WTERMSIG(ws)
								 : WEXITSTATUS(ws)));
	return runrec_verdict(*runrec, j->m.limits.wall_seconds, j->m.limits.cpu_seconds,
			      j->m.limits.memory_mb, j->m.limits.output_mb, reason, rlen);
}

/* The check, as trexd's job_checked reads it: the report, or NULL with
 * the reason the check failed. */
static json_t *rl_check(struct rl_job *j, json_t *present, json_t *runrec, char *reason,
			size_t rlen, struct trex_err *err)
{
	struct jobargs a = { 0 };
	if (jobargs_check(&a, &j->cfg, j->job_dir, j->id, j->m.limits.output_mb, NULL, NULL,
			  present, j->bpf >= 0, err) < 0 || a.oom) {
		if (a.oom)
			trex_err_setx(err, -ENOMEM, "out of memory");
		jobargs_free(&a);
		return NULL;
	}
	_cleanup_close_ int out = rl_open_out(j->work, "check.stdout");
	_cleanup_close_ int er = rl_open_out(j->work, "check.stderr");
	_cleanup_close_ int st = rl_open_out(j->work, "check.status");
	int ws = 0;
	int r = (out < 0 || er < 0 || st < 0)
			? trex_err_set(err, -errno, "create the checker's logs in %s", j->work)
			: rl_spawn(a.v, out, er, st, j->bpf, &ws, err);
	jobargs_free(&a);
	if (r < 0)
		return NULL;
	char *stext, *etext, *otext = NULL;
	size_t slen, elen, olen;
	rl_read_json_or_text(j->work, "check.status", 0, &stext, &slen);
	rl_read_json_or_text(j->work, "check.stderr", 0, &etext, &elen);
	json_t *status = runrec_parse(stext ? stext : "", slen);
	const char *result = json_string_value(json_object_get(status, "result"));
	json_t *report = NULL;
	int code = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
	if (code != 0 || (result && strcmp(result, "exit") != 0)) {
		if (result && !strcmp(result, "setup_failed"))
			snprintf(reason, rlen, "output check failed: sandbox setup failed: %s: %s",
				 json_string_value(json_object_get(status, "failed_stage")) ?: "unknown",
				 json_string_value(json_object_get(status, "error")) ?: "no message");
		else
			runrec_check_failed(runrec, code, etext, elen, manifest_outputs(j->m.json),
					    reason, rlen);
	} else if (!(report = rl_read_json_or_text(j->work, "check.stdout", 1, &otext, &olen)) ||
		   !json_is_object(report)) {
		json_decref(report);
		report = NULL;
		snprintf(reason, rlen, "output check produced no valid report");
	}
	trex_free(otext);
	json_decref(status);
	trex_free(stext);
	trex_free(etext);
	return report;
}

/* The job's folders as trexd makes them (jobs/<id>/code, stage, checkin,
 * checked) in a fresh folder of /tmp, the code written from the bundle
 * `trex submit` would upload. */
static int rl_setup(struct rl_job *j, struct trex_err *err)
{
	char *mcopy = trex_strdup(j->o.manifest);
	if (!mcopy)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	struct stat mst;
	int r = stat(j->o.manifest, &mst) < 0 ? trex_err_set(err, -errno, "%s", j->o.manifest) : 0;
	const char *dir = j->o.code ? j->o.code : dirname(mcopy);
	struct bundle_skip skip = { .dev = mst.st_dev, .ino = mst.st_ino };
	json_t *files = NULL;
	size_t nbytes = 0;
	if (r == 0)
		r = bundle_collect(dir, &skip, 1, &files, &nbytes, err);
	trex_free(mcopy);
	if (r == 0)
		r = bundle_check(files, BUNDLE_MAX_BYTES, err);
	snprintf(j->work, sizeof(j->work), "/tmp/trex-local.XXXXXX");
	if (r == 0 && !mkdtemp(j->work))
		r = trex_err_set(err, -errno, "mkdtemp %s", j->work);
	else if (r == 0)
		j->work_made = 1;
	snprintf(j->job_dir, sizeof(j->job_dir), "%s/job", j->work);
	if (r == 0)
		r = bundle_write(j->job_dir, files, NULL, err);
	json_decref(files);
	static const char *const subs[] = { "stage", "checkin", "checked" };
	for (size_t i = 0; r == 0 && i < sizeof(subs) / sizeof(subs[0]); i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", j->job_dir, subs[i]);
		if (mkdir(p, 0755) < 0)
			r = trex_err_set(err, -errno, "mkdir %s", p);
	}
	/* the seccomp profile trexd would compile and hand over, when the
	 * configuration names one (else the sandbox's built-in default) */
	if (r == 0 && j->cfg.seccomp_profile)
		r = secpol_compile_file(j->cfg.seccomp_profile, &j->bpf, err);
	return r;
}

int cli_run(const struct cli_ctx *ctx, int argc, char **argv)
{
	struct rl_job j = { .bpf = -1 };
	int r = rl_parse(argc, argv, &j.o);
	if (r)
		return r;
	j.o.json |= ctx->json;
	struct trex_err err = { 0 };
	/* --like JOB: its manifest and signed record from trexd */
	struct runlike like __attribute__((cleanup(runlike_free))) = { 0 };
	if (j.o.like) {
		int rr = cli_resolve_job(ctx, "run", j.o.like, like.id, sizeof(like.id));
		if (rr)
			return rr;
		if (runlike_fetch(ctx, like.id, j.o.trexd_key, &like, &err) < 0) {
			int refused = err.code == CLIENT_EREFUSED && client_last_refusal()[0];
			fprintf(stderr, "trex run: --like %s: %s\n", like.id,
				refused ? client_last_refusal() : err.msg);
			return err.code == -ENOENT ? CLI_EXIT_USAGE
			       : err.code == CLIENT_EUNREACHABLE || err.code == -ETIMEDOUT
				       ? CLI_EXIT_UNREACHABLE
				       : CLI_EXIT_FAILED;
		}
		j.o.manifest = like.manifest;
		j.o.policy = runlike_policy(&like);
	}
	_cleanup_json_ json_t *manifest = NULL;
	struct stat mst;
	if (cli_load_manifest(j.o.manifest, &manifest, &mst, &err) < 0) {
		fprintf(stderr, "trex run: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	if (rl_config(&j.o, manifest, &j.cfg, &err) < 0) {
		fprintf(stderr, "trex run: %s\n", err.msg);
		config_free(&j.cfg);
		return CLI_EXIT_USAGE;
	}
	const char *code = NULL;
	if (manifest_validate(manifest, &j.cfg, &j.m, &code, &err) < 0) {
		int line = cli_manifest_line(j.o.manifest, err.msg);
		if (line > 0)
			fprintf(stderr, "trex run: %s:%d: %s\n", j.o.manifest, line, err.msg);
		else
			fprintf(stderr, "trex run: %s: %s\n", j.o.manifest, err.msg);
		config_free(&j.cfg);
		return CLI_EXIT_USAGE;
	}
	const char *policy = j.o.policy ? j.o.policy : j.cfg.policy;
	json_t *pack = NULL;
	if (packs_resolve(&j.cfg, policy, &pack, &err) < 0) {
		char packs[256];
		const char *near = NULL;
		packs_names(&j.cfg, policy, packs, sizeof(packs), &near);
		char what[160];
		snprintf(what, sizeof(what), "no disclosure policy \"%.64s\"", policy);
		fprintf(stderr, "trex run: %s%s%s%s%s; the policies: %s\n",
			j.o.policy ? "--policy: " : "", err.code == -ENOENT ? what : err.msg,
			near ? " (did you mean \"" : "",
			near ? near : "", near ? "\"?)" : "", packs[0] ? packs : "none");
		manifest_release(&j.m);
		config_free(&j.cfg);
		return CLI_EXIT_USAGE;
	}
	json_decref(pack);
	snprintf(j.id, sizeof(j.id), "local-%d", (int)getpid());
	int rc = CLI_EXIT_JOB_FAILED;
	json_t *runrec = NULL, *present = NULL, *report = NULL, *outputs = json_array();
	char reason[512] = "";
	const char *state = NULL;
	int od = -1;
	if (rl_prepare_out(j.o.out, &err) < 0 || rl_setup(&j, &err) < 0) {
		fprintf(stderr, "trex run: %s\n", err.msg);
		rc = CLI_EXIT_USAGE;
		goto done;
	}
	/* --like: this machine against the record, said before the run */
	if (j.o.like) {
		if (!j.o.json) {
			json_t *ds = json_object_get(like.record, "dataset");
			fprintf(stderr, "trex run: rerunning job %s (runtime %s, policy %s) on --data %s,"
				" not its dataset ", like.id, j.m.runtime, policy, j.o.data);
			cli_put(stderr, json_string_value(json_object_get(ds, "name")));
			if (json_object_get(ds, "content_sha256")) {
				fputs(" (content sha256 ", stderr);
				cli_put(stderr, json_string_value(json_object_get(ds, "content_sha256")));
				fputc(')', stderr);
			}
			fputc('\n', stderr);
		}
		runlike_compare(&like, &j.cfg, j.m.runtime, j.o.code, j.work, j.bpf >= 0,
				rl_spawn_probe, &j.bpf, j.o.json);
		if (!j.o.json && !like.differs)
			fprintf(stderr, "trex run: code, policy and runtime are the released job's\n");
	}
	struct sigaction sa = { .sa_handler = rl_on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!j.o.json)
		fprintf(stderr, "trex run: running %s in trex-sandbox (work folder %s)\n", j.id, j.work);
	state = rl_run(&j, &runrec, reason, sizeof(reason), &err);
	if (!runrec) {
		fprintf(stderr, "trex run: %s\n", err.msg);
		rc = CLI_EXIT_FAILED;
		goto done;
	}
	if (!state && checkin_collect(&j.cfg, policy, j.job_dir, j.m.json, &present, &err) < 0) {
		state = "failed";
		snprintf(reason, sizeof(reason), "output check could not start: %s", err.msg);
	}
	if (!state && json_array_size(present) == 0)
		report = json_pack("{s:[]}", "files");
	else if (!state && !(report = rl_check(&j, present, runrec, reason, sizeof(reason), &err)))
		state = "failed";
	if (!state && report) {
		/* trexd's reading of the report, output by output */
		json_t *outs = manifest_outputs(j.m.json);
		size_t i, released = 0, held = 0;
		json_t *o;
		char checked[PATH_MAX], stage[PATH_MAX];
		snprintf(checked, sizeof(checked), "%s/checked", j.job_dir);
		snprintf(stage, sizeof(stage), "%s/stage", j.job_dir);
		json_array_foreach(outs, i, o) {
			const char *path = manifest_output_path(o);
			struct checkin_verdict v;
			checkin_verdict(report, present, path, &v);
			held += !strcmp(v.verdict, "review");
			released += v.released != NULL;
			if (checkin_present(present, path))
				rl_copy(stage, path, j.o.out, "outputs", path);
			if (v.released)
				rl_copy(checked, v.released, j.o.out, "released", path);
			json_array_append_new(outputs,
					      json_pack("{s:s,s:s,s:s,s:s?,s:O*,s:O*}", "file", path,
							"verdict", v.verdict, "decision",
							rl_decision(v.verdict), "summary", v.summary,
							"decisions", json_object_get(v.entry, "decisions"),
							"cells", json_object_get(v.entry, "cells")));
		}
		state = release_state(json_array_size(outs), released, held, reason, sizeof(reason));
	}
	rc = rl_interrupted ? CLI_EXIT_CANCELLED : cli_exit_for_state(state);
	if (rc < 0)
		rc = CLI_EXIT_JOB_FAILED;

	/* everything into OUT, then shown */
	char *olog, *elog;
	size_t olen, elen;
	rl_read_json_or_text(j.work, "stdout", 0, &olog, &olen);
	rl_read_json_or_text(j.work, "stderr", 0, &elog, &elen);
	/* the checker's own words when it failed: under trexd only checkers
	 * read them (runrec.h); here the data is the researcher's dummy */
	char *clog = NULL;
	size_t clen = 0;
	int chk_failed = !report && json_array_size(present) > 0;
	if (chk_failed)
		rl_read_json_or_text(j.work, "check.stderr", 0, &clog, &clen);
	od = open(j.o.out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json_t *summary = json_pack("{s:s,s:s,s:s,s:O,s:O,s:O*,s:s#,s:s#}", "job", j.id, "state",
				    state, "reason", reason, "run", runrec, "outputs", outputs,
				    "report", report, "stdout", olog ? olog : "", olen, "stderr",
				    elog ? elog : "", elen);
	if (summary && like.report)
		json_object_set(summary, "like", like.report);
	if (od >= 0) {
		if (report) {
			_cleanup_free_ char *t = json_dumps(report, JSON_INDENT(2));
			if (t)
				trex_write_file_atomic(od, "report.json", t, strlen(t), 0644, &err);
		}
		_cleanup_free_ char *s = summary ? json_dumps(summary, JSON_INDENT(2)) : NULL;
		if (s)
			trex_write_file_atomic(od, "run.json", s, strlen(s), 0644, &err);
		if (olog)
			trex_write_file_atomic(od, "stdout", olog, olen, 0644, &err);
		if (elog)
			trex_write_file_atomic(od, "stderr", elog, elen, 0644, &err);
		if (chk_failed && clog)
			trex_write_file_atomic(od, "check.stderr", clog, clen, 0644, &err);
	}
	if (j.o.json) {
		if (summary)
			cli_print_json(summary);
	} else {
		rl_print_log("job stdout", olog ? olog : "", olen);
		rl_print_log("job stderr", elog ? elog : "", elen);
		const char *cls = runrec_class(runrec);
		printf("== run: %s, exit code %lld, %lld ms ==\n", cls,
		       (long long)json_integer_value(json_object_get(runrec, "exit_code")),
		       (long long)json_integer_value(json_object_get(runrec, "wall_ms")));
		if (report) {
			printf("== outputs (policy %s) ==\n", policy);
			size_t i;
			json_t *o;
			json_array_foreach(outputs, i, o) {
				const char *path = json_string_value(json_object_get(o, "file"));
				struct checkin_verdict v;
				checkin_verdict(report, present, path, &v);
				rl_print_output(path, &v, rl_decision(v.verdict));
			}
		}
		if (chk_failed && clog)
			rl_print_log("trex-check stderr", clog, clen);
		printf("== state: %s -- %s ==\n", state, reason);
		printf("copies in %s: outputs/ (as the job wrote them), released/ (what trexd "
		       "would release), report.json, run.json, stdout, stderr%s\n",
		       j.o.out, chk_failed ? ", check.stderr" : "");
	}
	json_decref(summary);
	trex_free(clog);
	trex_free(olog);
	trex_free(elog);
done:
	if (od >= 0)
		close(od);
	json_decref(runrec);
	json_decref(present);
	json_decref(report);
	json_decref(outputs);
	if (j.work_made)
		bundle_remove(j.work);
	if (j.bpf >= 0)
		close(j.bpf);
	manifest_release(&j.m);
	config_free(&j.cfg);
	return rc;
}
