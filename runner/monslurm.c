/* The monitor's Slurm helper (monslurm.h). What a compromised service can
 * make it do is bounded by what is checked here: a job it names is staged
 * from the monitor's own copy of the approved bundle, the batch script and
 * the sandbox's command line are built here from the configuration (the
 * command is argv in run.json, never shell text), sbatch runs as a pool
 * uid of the configured range only, and squeue/scancel only ever name the
 * configured partition and a job name of trexd's form.
 *
 * Staging layout (STAGE is slurm.stage_dir, shared with the nodes):
 *   STAGE/ID/            root 0755
 *   STAGE/ID/aN/         root 0755: run.json, job.sh, code/ (root, 0644 files)
 *   STAGE/ID/aN/stage/   pool uid, group the service's, 0750: outputs
 *   STAGE/ID/aN/result/  the same: stdout, stderr, status, slurm.log */
#include "monslurm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "cleanup.h"
#include "execrep.h"
#include "fsutil.h"
#include "jobargs.h"
#include "manifest.h"

#define MONSLURM_COPY_DEPTH 16
#define MONSLURM_MEM_OVERHEAD_MB 64 /* trex-sandbox and trex-slurm-node themselves */

void monslurm_name(const char *id, unsigned attempt, char *buf, size_t size)
{
	snprintf(buf, size, "trex-%s-a%u", id, attempt);
}

/* Copy the regular files and folders below src into dst (both open), as
 * root's, 0644 and 0755: the bundle the job reads on the node. A link or
 * anything else in the bundle is refused (the service wrote it). */
static int monslurm_copy_tree(int src, int dst, unsigned depth, struct trex_err *err)
{
	if (depth > MONSLURM_COPY_DEPTH)
		return trex_err_setx(err, -ELOOP, "code: folders nested too deep");
	int dfd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return trex_err_set(err, -errno, "code: read folder");
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = trex_err_set(err, -errno, "code: stat");
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int s2 = openat(src, de->d_name,
							O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || (mkdirat(dst, de->d_name, 0755) < 0 && errno != EEXIST)) {
				r = trex_err_set(err, -errno, "code: folder");
				break;
			}
			_cleanup_close_ int d2 = openat(dst, de->d_name,
							O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = d2 < 0 ? trex_err_set(err, -errno, "code: folder")
				   : monslurm_copy_tree(s2, d2, depth + 1, err);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			r = trex_err_setx(err, -EPERM, "code: not a regular file or folder");
			break;
		}
		/* O_NONBLOCK: a FIFO swapped in since the stat must not
		 * block the monitor; what was opened is checked again */
		_cleanup_close_ int in = openat(src, de->d_name,
						O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
			r = trex_err_setx(err, -EPERM, "code: not a regular file or folder");
			break;
		}
		_cleanup_close_ int out = openat(dst, de->d_name,
						 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
						 0644);
		if (out < 0) {
			r = trex_err_set(err, -errno, "code: copy");
			break;
		}
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (trex_write_all(out, buf, (size_t)n) < 0) {
				n = -1;
				break;
			}
		if (n < 0 || fsync(out) < 0)
			r = trex_err_set(err, -errno, "code: copy");
	}
	closedir(d);
	return r;
}

/* A folder of the pool uid's, readable by the service's group only. */
static int monslurm_pool_dir(int at, const char *name, uid_t uid, gid_t svc_gid,
			     struct trex_err *err)
{
	if (mkdirat(at, name, 0700) < 0)
		return trex_err_set(err, -errno, "staging: mkdir %s", name);
	_cleanup_close_ int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, uid, svc_gid) < 0 || fchmod(fd, 0750) < 0)
		return trex_err_set(err, -errno, "staging: %s", name);
	return 0;
}

static int monslurm_write(int dir, const char *name, const char *text, struct trex_err *err)
{
	return trex_write_file_atomic(dir, name, text, strlen(text), 0644, err);
}

/* run.json: trex-sandbox's command line for the node, built as for a
 * local run (jobargs.c) with the attempt folder's paths instead of fds */
static int monslurm_run_json(const struct config *c, const struct mon_msg *m,
			     const char *adir_path, int adir, struct trex_err *err)
{
	const struct dataset *ds = config_dataset(c, m->dataset);
	const struct runtime *rt = config_runtime(c, m->runtime);
	struct limits l = { (long)m->limits[MON_LIM_MEMORY], (long)m->limits[MON_LIM_CPU],
			    (long)m->limits[MON_LIM_WALL], (long)m->limits[MON_LIM_PIDS],
			    (long)m->limits[MON_LIM_OUTPUT] };
	json_t *cmd = json_array();
	for (size_t i = 0; cmd && i < m->n_list; i++)
		json_array_append_new(cmd, json_string(m->list[i]));
	if (!cmd || json_array_size(cmd) != m->n_list) {
		json_decref(cmd);
		return trex_err_setx(err, -EPERM, "command: not valid UTF-8 strings");
	}
	struct jobargs a = { 0 };
	/* the built-in seccomp profile: no fd crosses to the node */
	jobargs_run(&a, c, ds, rt, &l, adir_path, m->job, cmd, 0);
	json_decref(cmd);
	json_t *argv = json_array();
	for (size_t i = 0; argv && !a.oom && i < a.n; i++)
		json_array_append_new(argv, json_string(a.v[i]));
	json_t *doc = argv ? json_pack("{s:o}", "argv", argv) : NULL;
	_cleanup_free_ char *text = doc && !a.oom ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	jobargs_free(&a);
	if (!text)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	return monslurm_write(adir, "run.json", text, err);
}

/* job.sh from the fixed template: opaque ids, configured paths of a
 * narrow alphabet (config_slurm.c) and numbers; nothing else */
static int monslurm_script(const struct config *c, const struct mon_msg *m, const char *name,
			   const char *adir_path, int adir, struct trex_err *err)
{
	const struct slurm_config *s = &c->slurm;
	char runner[PATH_MAX];
	if (s->node_runner)
		snprintf(runner, sizeof(runner), "%s", s->node_runner);
	else {
		const char *slash = strrchr(c->sandbox, '/');
		snprintf(runner, sizeof(runner), "%.*s/trex-slurm-node",
			 slash ? (int)(slash - c->sandbox) : 0, c->sandbox);
	}
	unsigned long mem = (unsigned long)m->limits[MON_LIM_MEMORY] + MONSLURM_MEM_OVERHEAD_MB;
	/* Slurm's limit is a backstop in minutes: trex-sandbox ends the job
	 * at its wall limit in seconds first */
	unsigned long minutes = ((unsigned long)m->limits[MON_LIM_WALL] + 59) / 60 + 1;
	char text[4096];
	int n = snprintf(text, sizeof(text),
			 "#!/bin/sh\n"
			 "#SBATCH --job-name=%s\n"
			 "#SBATCH --partition=%s\n"
			 "#SBATCH --nodes=1\n"
			 "#SBATCH --ntasks=1\n"
			 "#SBATCH --cpus-per-task=1\n"
			 "#SBATCH --mem=%luM\n"
			 "#SBATCH --time=%lu\n"
			 "#SBATCH --no-requeue\n"
			 "#SBATCH --export=NONE\n"
			 "#SBATCH --chdir=%s/result\n"
			 "#SBATCH --output=%s/result/slurm.log\n"
			 "exec %s %s\n",
			 name, s->partition, mem, minutes, adir_path, adir_path, runner, adir_path);
	if (n < 0 || (size_t)n >= sizeof(text))
		return trex_err_setx(err, -ENAMETOOLONG, "batch script too long");
	return monslurm_write(adir, "job.sh", text, err);
}

static int monslurm_check_submit(const struct config *c, const struct mon_msg *m,
				 struct trex_err *err)
{
	const struct slurm_config *s = &c->slurm;
	if (m->num2 < 1 || m->num2 > MONSLURM_ATTEMPTS_MAX)
		return trex_err_setx(err, -EPERM, "attempt: not 1 to %d", MONSLURM_ATTEMPTS_MAX);
	if (m->num3 < (uint64_t)s->pool_uid_base ||
	    m->num3 >= (uint64_t)(s->pool_uid_base + s->pool_uid_count))
		return trex_err_setx(err, -EPERM, "uid: not one of slurm.pool_uids");
	if (!config_dataset(c, m->dataset))
		return trex_err_setx(err, -EPERM, "dataset: not configured");
	if (!config_runtime(c, m->runtime))
		return trex_err_setx(err, -EPERM, "runtime: not configured");
	static const char *const names[MON_NLIMITS] = { "memory_mb", "cpu_seconds",
							"wall_seconds", "pids", "output_mb" };
	const long max[MON_NLIMITS] = { c->limits_max.memory_mb, c->limits_max.cpu_seconds,
					c->limits_max.wall_seconds, c->limits_max.pids,
					c->limits_max.output_mb };
	for (int i = 0; i < MON_NLIMITS; i++)
		if (m->limits[i] < 1 || m->limits[i] > (uint64_t)max[i])
			return trex_err_setx(err, -EPERM, "%s: not within 1 to the configured %ld",
					     names[i], max[i]);
	if (m->n_list < 1 || m->list[0][0] == '\0')
		return trex_err_setx(err, -EPERM, "command: empty");
	return 0;
}

/* Stage attempt m->num2 of job m->job; *adir_path its folder. */
static int monslurm_stage(const struct config *c, gid_t svc_gid, const struct mon_msg *m,
			  int code_dir, char *adir_path, size_t size, struct trex_err *err)
{
	const struct slurm_config *s = &c->slurm;
	uid_t uid = (uid_t)m->num3;
	_cleanup_close_ int stage = open(s->stage_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						       O_CLOEXEC);
	struct stat st;
	if (stage < 0 || fstat(stage, &st) < 0)
		return trex_err_set(err, -errno, "slurm.stage_dir");
	if (st.st_uid != 0 || (st.st_mode & 022))
		return trex_err_setx(err, -EPERM, "slurm.stage_dir: not root's, or writable by others");
	if (mkdirat(stage, m->job, 0755) < 0 && errno != EEXIST)
		return trex_err_set(err, -errno, "staging: mkdir job");
	_cleanup_close_ int jd = openat(stage, m->job, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (jd < 0 || fstat(jd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
		return trex_err_setx(err, -EPERM, "staging: job folder not the monitor's");
	char an[16];
	snprintf(an, sizeof(an), "a%u", (unsigned)m->num2);
	/* an attempt is staged once: a new try is a new attempt */
	if (mkdirat(jd, an, 0755) < 0)
		return trex_err_set(err, -errno, "staging: attempt %s", an);
	_cleanup_close_ int ad = openat(jd, an, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ad < 0 || fchmod(ad, 0755) < 0)
		return trex_err_set(err, -errno, "staging: attempt");
	snprintf(adir_path, size, "%s/%s/%s", s->stage_dir, m->job, an);
	if (mkdirat(ad, "code", 0755) < 0)
		return trex_err_set(err, -errno, "staging: code");
	_cleanup_close_ int cd = openat(ad, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cd < 0 || fchmod(cd, 0755) < 0)
		return trex_err_set(err, -errno, "staging: code");
	int r = monslurm_copy_tree(code_dir, cd, 0, err);
	if (r == 0)
		r = monslurm_pool_dir(ad, "stage", uid, svc_gid, err);
	if (r == 0)
		r = monslurm_pool_dir(ad, "result", uid, svc_gid, err);
	char name[96];
	monslurm_name(m->job, (unsigned)m->num2, name, sizeof(name));
	if (r == 0)
		r = monslurm_run_json(c, m, adir_path, ad, err);
	if (r == 0)
		r = monslurm_script(c, m, name, adir_path, ad, err);
	if (r == 0 && fsync(ad) < 0)
		r = trex_err_set(err, -errno, "staging: fsync");
	return r;
}

/* Remove a staged job: STAGE/ID and everything below, links unfollowed */
static int monslurm_rmtree(int dir, const char *name, unsigned depth)
{
	struct stat st;
	if (depth > MONSLURM_COPY_DEPTH + 4 || fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			return -errno;
		}
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				monslurm_rmtree(dirfd(d), de->d_name, depth + 1);
		closedir(d);
		return unlinkat(dir, name, AT_REMOVEDIR) < 0 ? -errno : 0;
	}
	return unlinkat(dir, name, 0) < 0 ? -errno : 0;
}

/* The program: as uid:gid with no other group (uid 0: root's own), a
 * fixed environment (SLURM_CONF when configured), stdout and stderr on
 * the service's pipes. */
static int monslurm_exec(const struct config *c, uid_t uid, gid_t gid, char *const *argv,
			 const int fds[MON_NFDS], pid_t *out, struct trex_err *err)
{
	char conf[PATH_MAX + 16];
	char *envp[3] = { "PATH=/usr/bin:/bin", NULL, NULL };
	if (c->slurm.conf) {
		snprintf(conf, sizeof(conf), "SLURM_CONF=%s", c->slurm.conf);
		envp[1] = conf;
	}
	int ep[2];
	pid_t pid;
	int fr = execrep_fork(ep, &pid, err);
	if (fr < 0)
		return fr;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int o = fcntl(fds[0], F_DUPFD_CLOEXEC, 8), e = fcntl(fds[1], F_DUPFD_CLOEXEC, 8);
		int report = fcntl(ep[1], F_DUPFD_CLOEXEC, 8);
		if (null < 0 || o < 0 || e < 0 || report < 0 || dup2(null, 0) < 0 ||
		    dup2(o, 1) < 0 || dup2(e, 2) < 0 || chdir("/") < 0)
			_exit(127);
		if (uid != 0 && (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
				 setresuid(uid, uid, uid) < 0))
			_exit(127);
		execve(argv[0], argv, envp);
		execrep_fail(report);
	}
	close(ep[1]);
	int r = execrep_wait(ep[0], pid, argv[0], err);
	if (r < 0)
		return r;
	*out = pid;
	return 0;
}

int monslurm_request(const struct config *c, gid_t service_gid, const struct mon_msg *m,
		     int code_dir, const int fds[MON_NFDS], pid_t *pid, struct trex_err *err)
{
	const struct slurm_config *s = &c->slurm;
	if (!s->enabled)
		return trex_err_setx(err, -EPERM, "slurm: not configured");
	char bin[PATH_MAX], name[96], part[96], adir[PATH_MAX];
	if (m->op == MONSLURM_QUERY) {
		snprintf(bin, sizeof(bin), "%s/squeue", s->bin_dir);
		snprintf(part, sizeof(part), "--partition=%s", s->partition);
		char *const argv[] = { bin, "--noheader", part, "--states=all",
				       "--format=%j|%i|%T|%r", NULL };
		return monslurm_exec(c, 0, 0, argv, fds, pid, err);
	}
	if (!mon_job_id_ok(m->job))
		return trex_err_setx(err, -EPERM, "job: not a job id");
	if (m->op == MONSLURM_CLEAN) {
		_cleanup_close_ int stage = open(s->stage_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							       O_CLOEXEC);
		if (stage < 0)
			return trex_err_set(err, -errno, "slurm.stage_dir");
		int r = monslurm_rmtree(stage, m->job, 0);
		if (r < 0 && r != -ENOENT)
			return trex_err_set(err, r, "staging: remove");
		/* the service waits for an end like any other's */
		snprintf(bin, sizeof(bin), "/bin/true");
		char *const argv[] = { bin, NULL };
		return monslurm_exec(c, 0, 0, argv, fds, pid, err);
	}
	if (m->op == MONSLURM_CANCEL) {
		if (m->num2 < 1 || m->num2 > MONSLURM_ATTEMPTS_MAX)
			return trex_err_setx(err, -EPERM, "attempt: not 1 to %d", MONSLURM_ATTEMPTS_MAX);
		monslurm_name(m->job, (unsigned)m->num2, name, sizeof(name));
		char nameopt[128];
		snprintf(nameopt, sizeof(nameopt), "--name=%s", name);
		snprintf(bin, sizeof(bin), "%s/scancel", s->bin_dir);
		snprintf(part, sizeof(part), "--partition=%s", s->partition);
		char *const argv[] = { bin, part, nameopt, NULL };
		return monslurm_exec(c, 0, 0, argv, fds, pid, err);
	}
	if (m->op != MONSLURM_SUBMIT)
		return trex_err_setx(err, -EPERM, "op: not a Slurm request");
	int r = monslurm_check_submit(c, m, err);
	if (r < 0)
		return r;
	struct passwd *pw = getpwuid((uid_t)m->num3);
	if (!pw)
		return trex_err_setx(err, -EPERM, "uid: no such user on this host");
	r = monslurm_stage(c, service_gid, m, code_dir, adir, sizeof(adir), err);
	if (r < 0)
		return r;
	char script[PATH_MAX + 16];
	snprintf(script, sizeof(script), "%s/job.sh", adir);
	snprintf(bin, sizeof(bin), "%s/sbatch", s->bin_dir);
	char *const argv[] = { bin, "--parsable", "--no-requeue", "--export=NONE", script, NULL };
	/* as the pool uid itself: never sbatch --uid (root's, and it keeps
	 * gid 0), never root's own submission */
	return monslurm_exec(c, (uid_t)m->num3, pw->pw_gid, argv, fds, pid, err);
}
