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
