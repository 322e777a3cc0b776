/* Re-adoption (docs/operations.md "Restarts"). With on_restart "adopt"
 * the monitor starts each run's trex-sandbox with --adopt-fd: its relay
 * (sandbox/adopt.c) outlives trexd, and records the run's end (logs,
 * status record, exit) in STATE/jobs/ID/adopt, the status file last, by
 * rename. At trexd's next start:
 *
 *   1. as root, before the service starts, recovery keeps alive every
 *      relay whose pid record (pid, start time, boot id) matches what
 *      /proc shows for that pid now, and ends every other sandbox
 *      (recover.c); the monitor gets their pidfds;
 *   2. the service, recovering each job left running, asks the monitor
 *      for its kept run (MON_ADOPT): alive, the monitor watches its
 *      pidfd and says MON_EXITED at its end; gone, its status file must
 *      be there; neither, the job is recovered as without adoption
 *      (on_crash);
 *   3. once the scheduler exists, each claimed job takes a slot and goes
 *      on from its run's end, read from those files, exactly as if
 *      trexd had watched it: run audit line, verdict, collection, check,
 *      release. Nothing is released that the checker did not pass.
 *
 * The wall-clock limit stays the supervisor's: it still runs, measuring
 * from its own start, so the time trexd was away counts. */
#include "adopt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "alloc.h"
#include "cleanup.h"
#include "job.h"
#include "log.h"
#include "monclient.h"
#include "sched.h"
#include "store.h"
#include "trexd.h"

#define ADOPT_MAX 1024
#define ADOPT_LOG_MAX (1u << 20)     /* sandbox.h SBX_ADOPT_LOG_MAX, job.c JOB_LOG_MAX */
#define ADOPT_RECORD_MAX (256u << 10) /* SBX_ADOPT_STATUS_MAX, JOB_STATUS_MAX */
#define ADOPT_HEADER_MAX 160
#define ADOPT_TOTAL_MAX (1ull << 53)

struct adopt_pending {
	char id[STORE_ID_MAX];
	pid_t pid; /* 0: the run ended while trexd was down */
};
static struct adopt_pending adopt_list[ADOPT_MAX];
static size_t adopt_n;

/* 1 when jobs/ID/adopt/status is a regular file (not yet read) */
static int adopt_has_status(const struct config *c, const char *id)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s/jobs/%s/adopt/status", c->state_dir, id);
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int adopt_claim(const struct config *c, const char *id, struct trex_err *err)
{
	if (!c->on_restart_adopt || adopt_n == ADOPT_MAX)
		return 0;
	pid_t pid = 0;
	int r = monc_adopt(id, &pid, err);
	if (r < 0)
		return r;
	if (pid == 0 && !adopt_has_status(c, id))
		return 0;
	struct adopt_pending *a = &adopt_list[adopt_n++];
	snprintf(a->id, sizeof(a->id), "%s", id);
	a->pid = pid;
	return 1;
}

void adopt_start(struct trexd *d)
{
	for (size_t i = 0; i < adopt_n; i++) {
		struct adopt_pending *a = &adopt_list[i];
		struct trex_err err = { 0 };
		struct job *j = NULL;
		int r = job_adopt(d, a->id, a->pid, &j, &err);
		if (r < 0) {
			/* a dataset or runtime no longer configured: the run
			 * cannot be checked as configured, it is not released */
			trex_log(TREX_LOG_ERROR, "job_adopt_failed", "job=%s error=\"%s\"", a->id,
				 err.msg);
			if (a->pid > 0)
				monc_kill(a->pid, SIGTERM, &err);
			char reason[400];
			snprintf(reason, sizeof(reason), "trexd restarted and could not adopt the run: %s",
				 err.msg);
			store_set_state(d->store, a->id, "failed", reason, NULL, NULL, &err);
			continue;
		}
		json_t *f = json_pack("{s:s,s:s,s:s,s:i}", "job", a->id, "project", job_project(j),
				      "sandbox", a->pid > 0 ? "running" : "ended", "pid",
				      (int)a->pid);
		struct trex_err aerr = { 0 };
		if (!f || alog_event(d, "run_adopted", f, &aerr) < 0)
			trex_log(TREX_LOG_ERROR, "audit_failed", "event=run_adopted job=%s", a->id);
		json_decref(f);
		trex_log(TREX_LOG_INFO, "job_adopted", "job=%s pid=%d sandbox=%s", a->id, (int)a->pid,
			 a->pid > 0 ? "running" : "ended");
		sched_adopted(d, j);
	}
	adopt_n = 0;
}

void adopt_end_free(struct adopt_end *e)
{
	trex_free(e->out);
	trex_free(e->err);
	trex_free(e->record);
	*e = (struct adopt_end){ 0 };
}

/* name in dir: a regular file of at most max bytes (never a link) */
static int adopt_read_file(int dir, const char *name, size_t max, char **data, size_t *len,
			   struct trex_err *err)
{
	_cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return trex_err_set(err, -errno, "adopt/%s", name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return trex_err_setx(err, -EBADMSG, "adopt/%s: not a regular file", name);
	if ((uint64_t)st.st_size > max)
		return trex_err_setx(err, -EBADMSG, "adopt/%s: over %zu bytes", name, max);
	*data = trex_malloc((size_t)st.st_size + 1);
	if (!*data)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return trex_err_setx(err, -EBADMSG, "adopt/%s: shorter than its size", name);
		got += (size_t)n;
	}
	(*data)[got] = '\0';
	*len = got;
	return 0;
}

/* "NAME=" then decimal digits (no sign, no leading zero but "0") up to
 * max, then `sep`; *p moves past it. */
static int adopt_field(const char **p, const char *name, uint64_t max, char sep, uint64_t *v)
{
	size_t n = strlen(name);
	const char *s = *p;
	if (strncmp(s, name, n) != 0 || s[n] != '=')
		return -1;
	s += n + 1;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	uint64_t x = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (*s != sep)
		return -1;
	*v = x;
	*p = s + 1;
	return 0;
}

int adopt_read(const char *job_dir, struct adopt_end *e, struct trex_err *err)
{
	*e = (struct adopt_end){ 0 };
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/adopt", job_dir);
	_cleanup_close_ int dir = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return trex_err_set(err, -errno, "adopt folder");
	char *st = NULL;
	size_t st_len = 0;
	int r = adopt_read_file(dir, "status", ADOPT_HEADER_MAX + ADOPT_RECORD_MAX, &st, &st_len,
				err);
	if (r < 0)
		return r;
	/* trex-adopt 1 exit=N signal=N stdout_bytes=N stderr_bytes=N record=N\n */
	const char *s = st;
	uint64_t ex = 0, sig = 0, rec = 0;
	static const char magic[] = "trex-adopt 1 ";
	if (st_len > ADOPT_HEADER_MAX + ADOPT_RECORD_MAX || strncmp(s, magic, sizeof(magic) - 1) ||
	    (s += sizeof(magic) - 1, 0) || adopt_field(&s, "exit", 255, ' ', &ex) < 0 ||
	    adopt_field(&s, "signal", 64, ' ', &sig) < 0 ||
	    adopt_field(&s, "stdout_bytes", ADOPT_TOTAL_MAX, ' ', &e->out_total) < 0 ||
	    adopt_field(&s, "stderr_bytes", ADOPT_TOTAL_MAX, ' ', &e->err_total) < 0 ||
	    adopt_field(&s, "record", ADOPT_RECORD_MAX, '\n', &rec) < 0 ||
	    (size_t)(s - st) > ADOPT_HEADER_MAX || rec != st_len - (size_t)(s - st) ||
	    memchr(s, '\0', rec) || (ex != 0 && sig != 0)) {
		trex_free(st);
		return trex_err_setx(err, -EBADMSG, "adopt/status: not a status header and record");
	}
	e->exit_status = (int64_t)ex;
	e->term_signal = (int)sig;
	e->record_len = rec;
	e->record = trex_malloc(rec + 1);
	if (!e->record) {
		trex_free(st);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	memcpy(e->record, s, rec);
	e->record[rec] = '\0';
	trex_free(st);
	/* each log: what was kept, never more than what went through */
	r = adopt_read_file(dir, "stdout", ADOPT_LOG_MAX, &e->out, &e->out_len, err);
	if (r == 0)
		r = adopt_read_file(dir, "stderr", ADOPT_LOG_MAX, &e->err, &e->err_len, err);
	if (r == 0 && (e->out_len > e->out_total || e->err_len > e->err_total))
		r = trex_err_setx(err, -EBADMSG, "adopt/status: a log longer than its count");
	if (r < 0)
		adopt_end_free(e);
	return r;
}
