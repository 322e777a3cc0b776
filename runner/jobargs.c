/* The command lines of trex-sandbox for a job's run and for its check.
 * Everything here comes from the configuration, the job's validated
 * manifest and trexd's own folders: nothing a job wrote. */
#include "jobargs.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "manifest.h"
#include "rtident.h"

void jobargs_add(struct jobargs *a, const char *fmt, ...)
{
	if (a->oom)
		return;
	if (a->n + 2 > a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		char **nv = trex_reallocarray(a->v, ncap, sizeof(char *));
		if (!nv) {
			a->oom = 1;
			return;
		}
		a->v = nv;
		a->cap = ncap;
	}
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = len < 0 ? NULL : trex_malloc((size_t)len + 1);
	if (s)
		vsnprintf(s, (size_t)len + 1, fmt, ap2);
	va_end(ap2);
	if (!s) {
		a->oom = 1;
		return;
	}
	a->v[a->n] = s;
	a->v[++a->n] = NULL;
}

void jobargs_free(struct jobargs *a)
{
	for (size_t i = 0; i < a->n; i++)
		trex_free(a->v[i]);
	trex_free(a->v);
	memset(a, 0, sizeof(*a));
}

/* The job's two folders: open on the monitor's fds (job_dir NULL), or
 * named below job_dir (trex run --local: the user's own folders) */
static void jobargs_folders(struct jobargs *a, const char *job_dir, const char *in,
			    const char *out)
{
	if (!job_dir) {
		jobargs_add(a, "--code-fd");
		jobargs_add(a, "%d", JOBARGS_FD_CODE);
		jobargs_add(a, "--output-fd");
		jobargs_add(a, "%d", JOBARGS_FD_OUTPUT);
		return;
	}
	jobargs_add(a, "--code");
	jobargs_add(a, "%s/%s", job_dir, in);
	jobargs_add(a, "--output");
	jobargs_add(a, "%s/%s", job_dir, out);
}

/* a read-only bind at dest: the monitor's fd (job_dir NULL) or path */
static void jobargs_bind(struct jobargs *a, const char *job_dir, int fd, const char *path,
			 const char *dest)
{
	jobargs_add(a, job_dir ? "--ro-bind" : "--ro-bind-fd");
	if (job_dir)
		jobargs_add(a, "%s", path);
	else
		jobargs_add(a, "%d", fd);
	jobargs_add(a, "%s", dest);
}

/* What every sandbox's command line holds, whatever it runs: its bounds,
 * the job uid range and the compiled seccomp profile's fd. */
static void jobargs_limits(struct jobargs *a, const struct config *c, const struct limits *l,
			   int seccomp)
{
	jobargs_add(a, "--memory");
	jobargs_add(a, "%ld", l->memory_mb);
	jobargs_add(a, "--pids");
	jobargs_add(a, "%ld", l->pids);
	jobargs_add(a, "--cpu-seconds");
	jobargs_add(a, "%ld", l->cpu_seconds);
	jobargs_add(a, "--timeout");
	jobargs_add(a, "%ld", l->wall_seconds);
	jobargs_add(a, "--output-mb");
	jobargs_add(a, "%ld", l->output_mb);
	if (c->uid_range) {
		jobargs_add(a, "--uid-range");
		jobargs_add(a, "%s", c->uid_range);
	}
	if (seccomp) {
		jobargs_add(a, "--seccomp-fd");
		jobargs_add(a, "%d", JOBARGS_FD_SECCOMP);
	}
}

void jobargs_run(struct jobargs *a, const struct config *c, const struct dataset *ds,
		 const struct runtime *rt, const struct limits *l, const char *job_dir,
		 const char *id, json_t *command, int seccomp)
{
	jobargs_add(a, "%s", c->sandbox);
	jobargs_add(a, "--data");
	jobargs_add(a, "%s", ds->path);
	jobargs_folders(a, job_dir, "code", "stage");
	for (size_t i = 0; i < rt->n_etc; i++) {
		jobargs_add(a, "--etc");
		jobargs_add(a, "%s", rt->etc[i]);
	}
	jobargs_limits(a, c, l, seccomp);
	for (size_t i = 0; i < rt->n_env; i++) {
		jobargs_add(a, "--env");
		jobargs_add(a, "%s", rt->env[i]);
	}
	jobargs_add(a, "--status-fd");
	jobargs_add(a, "%d", JOBARGS_FD_STATUS);
	jobargs_add(a, "--job-id");
	jobargs_add(a, "%s", id);
	/* the run outlives trexd; its end is in jobs/ID/adopt (adopt.c) */
	if (!job_dir && c->on_restart_adopt) {
		jobargs_add(a, "--adopt-fd");
		jobargs_add(a, "%d", JOBARGS_FD_ADOPT);
	}
	jobargs_add(a, "--");
	size_t i;
	json_t *arg;
	json_array_foreach(command, i, arg)
		jobargs_add(a, "%s", json_string_value(arg));
}

/* trex-check's folder and file name, resolved: its folder is bound at
 * /opt/trex */
static int jobargs_checker(const struct config *c, char dir[PATH_MAX], const char **name,
			   struct trex_err *err)
{
	char real[PATH_MAX];
	if (!realpath(c->check, real))
		return trex_err_set(err, -errno, "trex-check at %s", c->check);
	snprintf(dir, PATH_MAX, "%s", real);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return trex_err_setx(err, -EINVAL, "trex-check at %s: no folder", c->check);
	*slash = '\0';
	*name = slash + 1;
	return 0;
}

int jobargs_index(struct jobargs *a, const struct config *c, const struct dataset *ds,
		  const char *key, long threshold, int seccomp, struct trex_err *err)
{
	char check_dir[PATH_MAX], cols[1024];
	const char *check_name;
	int r = jobargs_checker(c, check_dir, &check_name, err);
	if (r < 0)
		return r;
	/* no id columns: the domains, and an index of nothing */
	size_t off = 0;
	cols[0] = '\0';
	for (size_t i = 0; i < ds->n_id_columns; i++) {
		int n = snprintf(cols + off, sizeof(cols) - off, "%s%s", i ? "," : "",
				 ds->id_columns[i]);
		if (n < 0 || (size_t)n >= sizeof(cols) - off)
			return trex_err_setx(err, -E2BIG, "dataset %s: id_columns over %zu bytes",
					     ds->name, sizeof(cols) - 1);
		off += (size_t)n;
	}
	jobargs_add(a, "%s", c->sandbox);
	jobargs_add(a, "--data");
	jobargs_add(a, "%s", ds->path);
	/* the build folder, opened by the monitor: no path below STATE */
	jobargs_add(a, "--output-fd");
	jobargs_add(a, "%d", JOBARGS_FD_OUTPUT);
	jobargs_add(a, "--ro-bind");
	jobargs_add(a, "%s", check_dir);
	jobargs_add(a, "/opt/trex");
	/* the configuration's maximum; /output (a tmpfs charged to the
	 * memory) as large as the memory */
	const struct limits l = { .memory_mb = c->limits_max.memory_mb,
				  .cpu_seconds = c->limits_max.cpu_seconds,
				  .wall_seconds = c->limits_max.wall_seconds, .pids = 16,
				  .output_mb = c->limits_max.memory_mb };
	jobargs_limits(a, c, &l, seccomp);
	jobargs_add(a, "--status-fd");
	jobargs_add(a, "%d", JOBARGS_FD_STATUS);
	jobargs_add(a, "--job-id");
	jobargs_add(a, "idindex-%.16s", key);
	jobargs_add(a, "--");
	jobargs_add(a, "/opt/trex/%s", check_name);
	jobargs_add(a, "--build-id-index");
	jobargs_add(a, "/data");
	jobargs_add(a, "--id-columns");
	jobargs_add(a, "%s", cols);
	jobargs_add(a, "--out");
	jobargs_add(a, "/output/ids.bin");
	jobargs_add(a, "--domains-out");
	jobargs_add(a, "/output/domains.json");
	/* the researchers' codebook, made under the pack's threshold */
	jobargs_add(a, "--codebook-out");
	jobargs_add(a, "/output/codebook.json");
	jobargs_add(a, "--threshold");
	jobargs_add(a, "%ld", threshold);
	/* the dataset's version for the reproducibility record (relman.c):
	 * computed here, where the data may be read, once per version */
	jobargs_add(a, "--content-digest-out");
	jobargs_add(a, "/output/content.sha256");
	return 0;
}

int jobargs_check(struct jobargs *a, const struct config *c, const char *job_dir,
		  const char *id, long output_mb, const char *ids_dir, const char *prev_dir,
		  json_t *present, int seccomp, struct trex_err *err)
{
	char check_dir[PATH_MAX];
	const char *check_name;
	int r = jobargs_checker(c, check_dir, &check_name, err);
	if (r < 0)
		return r;
	jobargs_add(a, "%s", c->sandbox);
	jobargs_folders(a, job_dir, "checkin", "checked");
	/* trex-check's own folder: the configuration's, root's, not below
	 * STATE, so named by its path */
	jobargs_add(a, "--ro-bind");
	jobargs_add(a, "%s", check_dir);
	jobargs_add(a, "/opt/trex");
	/* the dataset's identifier index, outside the job's reach (checkin is
	 * filled from what the job wrote) */
	if (ids_dir)
		jobargs_bind(a, job_dir, JOBARGS_FD_IDS, ids_dir, "/opt/trex-ids");
	/* tables released earlier for the project: the differencing rule */
	if (prev_dir)
		jobargs_bind(a, job_dir, JOBARGS_FD_PREVIOUS, prev_dir, "/opt/trex-previous");
	jobargs_add(a, "--env");
	jobargs_add(a, "TREX_POLICY_DIR=/job");
	/* the checker's own bounds, independent of the job's; its /output
	 * (a tmpfs, charged to its memory) holds the released copies and the
	 * SACRO Viewer export, at most twice the job's output size */
	const struct limits l = { .memory_mb = 2048 + 2 * output_mb, .cpu_seconds = 600,
				  .wall_seconds = 900, .pids = 16, .output_mb = 3 * output_mb + 1 };
	jobargs_limits(a, c, &l, seccomp);
	jobargs_add(a, "--status-fd");
	jobargs_add(a, "%d", JOBARGS_FD_STATUS);
	jobargs_add(a, "--job-id");
	jobargs_add(a, "%s-check", id);
	jobargs_add(a, "--");
	jobargs_add(a, "/opt/trex/%s", check_name);
	jobargs_add(a, "--json");
	jobargs_add(a, "--manifest");
	jobargs_add(a, "manifest.json");
	jobargs_add(a, "--policy");
	jobargs_add(a, "policy.json");
	jobargs_add(a, "--out");
	jobargs_add(a, "/output");
	/* /output (jobs/<id>/checked) is staging: release_copy reads each
	 * released file from it and fsyncs the copy it publishes, so a second
	 * fsync per table in the checker only costs time */
	jobargs_add(a, "--no-sync");
	/* an output that cannot be read as declared fails alone, not the
	 * job's other outputs (issue 17) */
	jobargs_add(a, "--keep-going");
	/* for output checkers (GET /v1/jobs/{id}/acro): the released tables
	 * as SACRO Viewer reads them; one over its bound is left out, the
	 * check stands (trex-check --acro-max-mb) */
	jobargs_add(a, "--acro-json");
	jobargs_add(a, "/output/%s", MANIFEST_ACRO_DIR);
	jobargs_add(a, "--acro-max-mb");
	jobargs_add(a, "%ld", 2 * output_mb);
	if (ids_dir) {
		jobargs_add(a, "--id-index");
		jobargs_add(a, "/opt/trex-ids/ids.bin");
		/* the dataset's categories: labels must be values it can produce */
		jobargs_add(a, "--domains");
		jobargs_add(a, "/opt/trex-ids/domains.json");
	}
	if (prev_dir) {
		jobargs_add(a, "--previous");
		jobargs_add(a, "/opt/trex-previous");
	}
	size_t i;
	json_t *f;
	json_array_foreach(present, i, f)
		jobargs_add(a, "%s", json_string_value(f));
	return 0;
}

void jobargs_probe(struct jobargs *a, const struct config *c, const struct runtime *rt,
		   int seccomp)
{
	jobargs_add(a, "%s", c->sandbox);
	for (size_t i = 0; i < rt->n_etc; i++) {
		jobargs_add(a, "--etc");
		jobargs_add(a, "%s", rt->etc[i]);
	}
	/* enough for an interpreter listing its packages; never above max */
	struct limits l = { .memory_mb = 512, .cpu_seconds = 60, .wall_seconds = 120, .pids = 16,
			    .output_mb = 1 };
	l.memory_mb = l.memory_mb < c->limits_max.memory_mb ? l.memory_mb : c->limits_max.memory_mb;
	l.cpu_seconds = l.cpu_seconds < c->limits_max.cpu_seconds ? l.cpu_seconds
								   : c->limits_max.cpu_seconds;
	l.wall_seconds = l.wall_seconds < c->limits_max.wall_seconds ? l.wall_seconds
								      : c->limits_max.wall_seconds;
	l.pids = l.pids < c->limits_max.pids ? l.pids : c->limits_max.pids;
	jobargs_limits(a, c, &l, seccomp);
	for (size_t i = 0; i < rt->n_env; i++) {
		jobargs_add(a, "--env");
		jobargs_add(a, "%s", rt->env[i]);
	}
	jobargs_add(a, "--job-id");
	jobargs_add(a, "runtime-%s", rt->name);
	jobargs_add(a, "--");
	const char *const *cmd = rtident_command(rt);
	for (size_t i = 0; cmd[i]; i++)
		jobargs_add(a, "%s", cmd[i]);
}
