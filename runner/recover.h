/* Start-up recovery after a crash (runner/recover.c). */
#ifndef TREX_RUNNER_RECOVER_H
#define TREX_RUNNER_RECOVER_H

#include <sys/types.h>

#include "config.h"
#include "err.h"
#include "store.h"

/* Take the state folder's lock (STATE/trexd.lock, flock, held until
 * exit): -EBUSY when another trexd uses the folder. */
int recover_lock(const struct config *c, struct trex_err *err);

/* A run a previous trexd left alive to be adopted (on_restart "adopt",
 * runner/adopt.c): its trex-sandbox relay, proven by the pid record the
 * relay wrote in STATE/jobs/JOB/adopt/pid (pid, start time, boot id all
 * as /proc shows them), pinned by a pidfd opened before a second look. */
#define RECOVER_KEPT_MAX 1024
struct recover_kept {
	pid_t pid;
	int pidfd;
	char job[40];
};
struct recover_adoptable {
	struct recover_kept v[RECOVER_KEPT_MAX];
	size_t n;
};

/* End every trex-sandbox a previous trexd on the same state folder left
 * behind (SIGTERM, then SIGKILL; bounded), but for the runs on_restart
 * "adopt" keeps (kept, when not NULL: those and their supervisors live
 * on). Returns how many were ended, or -EBUSY when some would not die. */
int recover_orphans(const struct config *c, struct recover_adoptable *kept,
		    struct trex_err *err);

/* Remove what an interrupted run of job id left (recover_run's clean-up
 * of one job). */
void recover_clean_one(const struct config *c, const char *id, const char *project);

/* Clean the folders of jobs left running or checking and re-queue or
 * fail them (config "on_crash"). Returns the number of jobs recovered or a
 * negative errno. Call before any job starts, after recover_orphans (as
 * root, before the service drops its privileges: main.c). */
int recover_run(const struct config *c, struct store *s, struct trex_err *err);

#endif
