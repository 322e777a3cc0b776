/* Crash recovery at start-up. A trexd killed with SIGKILL (or a power cut)
 * leaves jobs marked running or checking in the store, and their
 * trex-sandbox supervisors still alive: they were trexd's children, not
 * its threads, and nothing ties their life to trexd's. Before any job
 * starts again, trexd finds those orphans through /proc, ends them (their
 * jobs die with them: the job holds PR_SET_PDEATHSIG on its supervisor and
 * the whole pid namespace goes with its init), throws away what the
 * interrupted run left on disk, including any output copied to the release
 * area before the check was recorded, and only then re-queues or fails
 * the jobs in the store. Each step can be redone: a crash during recovery
 * is recovered by the next start. Temporary files in the release area,
 * interrupted jobs' or not, are relclean.c's. */
#include "recover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "adopt.h"
#include "alloc.h"
#include "beneath.h"
#include "bundle.h"
#include "cleanup.h"
#include "fsutil.h"
#include "jobargs.h"
#include "log.h"
#include "monproto.h"
#include "procid.h"
#include "store.h"

#define RECOVER_MAX_ORPHANS 4096
#define RECOVER_CMDLINE_MAX (256u << 10)
#define RECOVER_TERM_WAIT_MS 5000 /* the supervisor's own clean-up */
#define RECOVER_KILL_WAIT_MS 5000
#define RECOVER_LOCK_TRIES 50 /* 20 ms apart: one second */

int recover_lock(const struct config *c, struct trex_err *err)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/trexd.lock", c->state_dir);
	/* kept open on purpose for the life of the process */
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", p);
	/* a killed trexd's two processes let go of it a moment apart (the
	 * service dies with the monitor, PR_SET_PDEATHSIG): wait that
	 * moment, not longer */
	int tries = 0;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK && tries < RECOVER_LOCK_TRIES) {
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
		tries++;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return trex_err_setx(err, -EBUSY, "another trexd uses %s", c->state_dir);
		return trex_err_set(err, -e, "lock %s", p);
	}
	return 0;
}

/* 1 when pid is a trex-sandbox started by a trexd on this state folder:
 * argv[0] is the configured sandbox and the folder its outputs go to,
 * handed over open as fd JOBARGS_FD_OUTPUT (jobargs.h) and held by the
 * supervisor until it ends, lies under STATE/jobs/ (or, as a trexd
 * before the monitor passed folders open did, an argument does), or an
 * argument lies under STATE/idindex/.build- (an identifier index build's
 * --output, monitor.c): a build left running would write into a build
 * folder the next build makes again. */
static int recover_is_ours(const struct config *c, pid_t pid, const char *jobs_prefix,
			   const char *idx_prefix)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	_cleanup_free_ char *buf = trex_malloc(RECOVER_CMDLINE_MAX + 1);
	if (!buf)
		return 0;
	size_t len = 0;
	ssize_t n;
	while (len < RECOVER_CMDLINE_MAX &&
	       (n = read(fd, buf + len, RECOVER_CMDLINE_MAX - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	if (len == 0 || strcmp(buf, c->sandbox) != 0)
		return 0;
	size_t plen = strlen(jobs_prefix), ilen = strlen(idx_prefix);
	for (size_t i = strlen(buf) + 1; i < len; i += strlen(buf + i) + 1)
		if (strncmp(buf + i, jobs_prefix, plen) == 0 ||
		    strncmp(buf + i, idx_prefix, ilen) == 0)
			return 1;
	char link[PATH_MAX];
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)pid, JOBARGS_FD_OUTPUT);
	n = readlink(p, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return strncmp(link, jobs_prefix, plen) == 0 || strncmp(link, idx_prefix, ilen) == 0;
}

/* Gone, or a zombie nobody has reaped yet (its job is gone either way). */
static int recover_gone(pid_t pid)
{
	char p[64], st[512];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, st, sizeof(st) - 1);
	if (n <= 0)
		return 1;
	st[n] = '\0';
	const char *rp = strrchr(st, ')');
	return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* Wait (bounded) until every pid is gone; returns how many are left. */
static int recover_wait(const pid_t *pids, int n, int ms)
{
	int left = n;
	for (int waited = 0; waited <= ms; waited += 50) {
		left = 0;
		for (int i = 0; i < n; i++)
			left += !recover_gone(pids[i]);
		if (left == 0)
			return 0;
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	return left;
}

/* pid's parent (/proc/PID/stat field 4), or 0 */
static pid_t recover_ppid(pid_t pid)
{
	char p[64], st[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, st, sizeof(st) - 1);
	if (n <= 0)
		return 0;
	st[n] = '\0';
	const char *rp = strrchr(st, ')');
	if (!rp || !(rp = strchr(rp + 2, ' ')))
		return 0;
	return (pid_t)strtol(rp + 1, NULL, 10);
}

/* The job id after --job-id when pid's command line also holds
 * --adopt-fd (a run started with on_restart "adopt"), in job; 0 or -1. */
static int recover_adopt_job(pid_t pid, char job[40])
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	_cleanup_free_ char *buf = trex_malloc(RECOVER_CMDLINE_MAX + 1);
	if (!buf)
		return -1;
	size_t len = 0;
	ssize_t n;
	while (len < RECOVER_CMDLINE_MAX &&
	       (n = read(fd, buf + len, RECOVER_CMDLINE_MAX - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	int adopt = 0;
	job[0] = '\0';
	/* the sandbox's own options end at "--": the job's arguments after
	 * it are the job's, not ours */
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
		const char *a = buf + i;
		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--adopt-fd") == 0)
			adopt = 1;
		else if (strcmp(a, "--job-id") == 0 && i + strlen(a) + 1 < len)
			snprintf(job, 40, "%s", a + strlen(a) + 1);
	}
	return adopt && mon_job_id_ok(job) ? 0 : -1;
}

/* 1 when STATE/jobs/JOB/adopt/pid (reached without a link: the service
 * owns that tree) names pid with the start time and boot id /proc gives
 * it now: the relay of that job's run itself, not a process that took
 * over its pid. */
static int recover_pid_record_ok(const struct config *c, const char *job, pid_t pid)
{
	_cleanup_close_ int state = open(c->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (state < 0)
		return 0;
	char rel[128];
	snprintf(rel, sizeof(rel), "jobs/%s/adopt/pid", job);
	_cleanup_close_ int fd = trex_open_beneath(state, rel, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	char text[200];
	ssize_t n = read(fd, text, sizeof(text) - 1);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	int rpid = 0, used = 0;
	unsigned long long rstart = 0, start = 0;
	char rboot[TREX_BOOT_ID_LEN + 1] = "", boot[TREX_BOOT_ID_LEN + 1];
	if (sscanf(text, "trex-adopt-pid 1 pid=%d start=%llu boot=%36[0-9a-f-]\n%n", &rpid,
		   &rstart, rboot, &used) != 3 || used != (int)n)
		return 0;
	return rpid == (int)pid && trex_proc_identity(pid, &start, boot) == 0 && start == rstart &&
	       strcmp(boot, rboot) == 0;
}

/* Keep pid, the relay of job's run, for the new trexd to adopt: pinned
 * by a pidfd, then looked at again (the pid record still names it), so
 * that the pidfd is that process's and no other's. */
static int recover_keep(const struct config *c, struct recover_adoptable *kept, pid_t pid,
			const char *job)
{
	if (kept->n == RECOVER_KEPT_MAX || !recover_pid_record_ok(c, job, pid))
		return 0;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return 0;
	if (!recover_pid_record_ok(c, job, pid)) {
		close(pidfd);
		return 0;
	}
	struct recover_kept *k = &kept->v[kept->n++];
	k->pid = pid;
	k->pidfd = pidfd;
	snprintf(k->job, sizeof(k->job), "%s", job);
	trex_log(TREX_LOG_INFO, "sandbox_kept", "job=%s pid=%d", job, (int)pid);
	return 1;
}

static int recover_is_kept(const struct recover_adoptable *kept, pid_t pid)
{
	for (size_t i = 0; kept && i < kept->n; i++)
		if (kept->v[i].pid == pid)
			return 1;
	return 0;
}

int recover_orphans(const struct config *c, struct recover_adoptable *kept,
		    struct trex_err *err)
{
	char prefix[PATH_MAX], idx_prefix[PATH_MAX];
	snprintf(prefix, sizeof(prefix), "%s/jobs/", c->state_dir);
	snprintf(idx_prefix, sizeof(idx_prefix), "%s/idindex/.build-", c->state_dir);
	_cleanup_free_ pid_t *pids = trex_calloc(RECOVER_MAX_ORPHANS, sizeof(*pids));
	if (!pids)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	DIR *proc = opendir("/proc");
	if (!proc)
		return trex_err_set(err, -errno, "open /proc");
	int n = 0;
	struct dirent *e;
	pid_t self = getpid();
	while ((e = readdir(proc)) && n < RECOVER_MAX_ORPHANS) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		if (recover_is_ours(c, (pid_t)pid, prefix, idx_prefix) && !recover_gone((pid_t)pid))
			pids[n++] = (pid_t)pid;
	}
	closedir(proc);
	/* on_restart "adopt": the runs whose relay proves who it is live on,
	 * with their supervisors (the relay's children); the rest end */
	if (kept && c->on_restart_adopt) {
		char job[40];
		for (int i = 0; i < n; i++)
			if (recover_adopt_job(pids[i], job) == 0 && recover_keep(c, kept, pids[i], job))
				pids[i] = 0;
		int m = 0;
		for (int i = 0; i < n; i++)
			if (pids[i] && !recover_is_kept(kept, recover_ppid(pids[i])))
				pids[m++] = pids[i];
		n = m;
	}
	if (n == 0)
		return 0;
	/* SIGTERM first: the supervisor ends its job and gives back its cgroup
	 * and uid lease; SIGKILL if it does not manage in time */
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	int left = recover_wait(pids, n, RECOVER_TERM_WAIT_MS);
	if (left > 0) {
		for (int i = 0; i < n; i++)
			if (!recover_gone(pids[i]))
				kill(pids[i], SIGKILL);
		left = recover_wait(pids, n, RECOVER_KILL_WAIT_MS);
	}
	trex_log(TREX_LOG_WARN, "orphans_killed", "count=%d left=%d", n, left);
	if (left > 0)
		return trex_err_setx(err, -EBUSY, "%d sandboxes of a previous trexd do not die", left);
	return n;
}

struct recover_ctx {
	const struct config *c;
	int n;
};

/* What an interrupted run left: the sandbox's and the checker's folders,
 * the logs, and anything already copied to the release area (its store
 * record was never committed, so it must not stay visible). */
void recover_clean_one(const struct config *c, const char *id, const char *project)
{
	static const char *const subs[] = { "stage", "checkin", "checked", "logs", "adopt" };
	char p[PATH_MAX];
	for (size_t i = 0; i < TREX_ARRAY_LEN(subs); i++) {
		snprintf(p, sizeof(p), "%s/jobs/%s/%s", c->state_dir, id, subs[i]);
		bundle_remove(p);
	}
	snprintf(p, sizeof(p), "%s/release/%s/%s", c->state_dir, project, id);
	bundle_remove(p);
}

static int recover_clean_job(void *arg, const char *id, const char *project,
			     const char *state)
{
	struct recover_ctx *x = arg;
	recover_clean_one(x->c, id, project);
	trex_log(TREX_LOG_WARN, "job_recovered", "job=%s was=%s action=%s", id, state,
		 x->c->on_crash_requeue ? "requeue" : "fail");
	x->n++;
	return 0;
}

struct recover_job {
	char id[STORE_ID_MAX];
	char project[128];
	int running;
};

struct recover_list {
	struct recover_job *v;
	size_t n, cap;
	int oom;
};

static int recover_list_add(void *arg, const char *id, const char *project, const char *state)
{
	struct recover_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct recover_job *v = trex_reallocarray(l->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	struct recover_job *j = &l->v[l->n++];
	snprintf(j->id, sizeof(j->id), "%s", id);
	snprintf(j->project, sizeof(j->project), "%s", project);
	j->running = strcmp(state, "running") == 0;
	return 0;
}

/* on_restart "adopt": a job left running whose run can be adopted
 * (adopt_claim) is left as it is, for adopt_start; every other one is
 * cleaned and recovered as without adoption, one by one. */
static int recover_run_adopt(const struct config *c, struct store *s, struct trex_err *err)
{
	struct recover_list l = { 0 };
	int r = store_list_interrupted(s, recover_list_add, &l, err);
	if (r == -ENOMEM)
		r = trex_err_setx(err, -ENOMEM, "out of memory");
	int n = 0;
	for (size_t i = 0; r >= 0 && i < l.n; i++) {
		struct recover_job *j = &l.v[i];
		int claimed = j->running ? adopt_claim(c, j->id, err) : 0;
		if (claimed < 0) {
			r = claimed;
			break;
		}
		if (claimed)
			continue;
		recover_clean_one(c, j->id, j->project);
		trex_log(TREX_LOG_WARN, "job_recovered", "job=%s was=%s action=%s", j->id,
			 j->running ? "running" : "checking", c->on_crash_requeue ? "requeue" : "fail");
		r = store_recover_one(s, j->id, c->on_crash_requeue, err);
		n += r > 0;
	}
	trex_free(l.v);
	return r < 0 ? r : n;
}

int recover_run(const struct config *c, struct store *s, struct trex_err *err)
{
	if (c->on_restart_adopt)
		return recover_run_adopt(c, s, err);
	/* the orphans were ended already, by root, before the service
	 * started (main.c): a sandbox is root's, the service may not signal it */
	struct recover_ctx x = { .c = c };
	int r = store_list_interrupted(s, recover_clean_job, &x, err);
	if (r < 0)
		return r;
	r = store_recover_jobs(s, c->on_crash_requeue, err);
	return r < 0 ? r : x.n;
}
