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
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "bundle.h"
#include "cleanup.h"
#include "fsutil.h"
#include "jobargs.h"
#include "log.h"
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
 * before the monitor passed folders open did, an argument does). */
static int recover_is_ours(const struct config *c, pid_t pid, const char *jobs_prefix)
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
	size_t plen = strlen(jobs_prefix);
	for (size_t i = strlen(buf) + 1; i < len; i += strlen(buf + i) + 1)
		if (strncmp(buf + i, jobs_prefix, plen) == 0)
			return 1;
	char link[PATH_MAX];
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)pid, JOBARGS_FD_OUTPUT);
	n = readlink(p, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return strncmp(link, jobs_prefix, plen) == 0;
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

int recover_orphans(const struct config *c, struct trex_err *err)
{
	char prefix[PATH_MAX];
	snprintf(prefix, sizeof(prefix), "%s/jobs/", c->state_dir);
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
		if (recover_is_ours(c, (pid_t)pid, prefix) && !recover_gone((pid_t)pid))
			pids[n++] = (pid_t)pid;
	}
	closedir(proc);
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
static int recover_clean_job(void *arg, const char *id, const char *project,
			     const char *state)
{
	struct recover_ctx *x = arg;
	static const char *const subs[] = { "stage", "checkin", "checked", "logs" };
	char p[PATH_MAX];
	for (size_t i = 0; i < TREX_ARRAY_LEN(subs); i++) {
		snprintf(p, sizeof(p), "%s/jobs/%s/%s", x->c->state_dir, id, subs[i]);
		bundle_remove(p);
	}
	snprintf(p, sizeof(p), "%s/release/%s/%s", x->c->state_dir, project, id);
	bundle_remove(p);
	trex_log(TREX_LOG_WARN, "job_recovered", "job=%s was=%s action=%s", id, state,
		 x->c->on_crash_requeue ? "requeue" : "fail");
	x->n++;
	return 0;
}

int recover_run(const struct config *c, struct store *s, struct trex_err *err)
{
	/* the orphans were ended already, by root, before the service
	 * started (main.c): a sandbox is root's, the service may not signal it */
	struct recover_ctx x = { .c = c };
	int r = store_list_interrupted(s, recover_clean_job, &x, err);
	if (r < 0)
		return r;
	r = store_recover_jobs(s, c->on_crash_requeue, err);
	return r < 0 ? r : x.n;
}
