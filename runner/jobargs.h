/* The command lines trexd gives trex-sandbox (README "Command-line
 * contracts"): one around the job's command, one around trex-check on the
 * job's outputs. */
#ifndef TREX_RUNNER_JOBARGS_H
#define TREX_RUNNER_JOBARGS_H

#include <jansson.h>

#include "config.h"
#include "err.h"

/* argv under construction, NULL-terminated; oom once an allocation failed
 * (every later add is then a no-op) */
struct jobargs {
	char **v;
	size_t n, cap;
	int oom;
};

/* The fds trex-sandbox inherits from the monitor (monitor.c,
 * mon_fork_exec): 0 /dev/null, 1-2 the job's stdout and stderr, 3 the
 * status record, 4 the seccomp profile, then the folders the monitor
 * opened beneath STATE without a link and hands over open, so that
 * trex-sandbox binds what was checked, never a path the service could
 * have changed since (docs/DESIGN.md "The monitor's interface"). */
enum {
	JOBARGS_FD_STATUS = 3,
	JOBARGS_FD_SECCOMP = 4,
	JOBARGS_FD_CODE = 5,     /* jobs/ID/code (run) or jobs/ID/checkin (check) */
	JOBARGS_FD_OUTPUT = 6,   /* jobs/ID/stage (run) or jobs/ID/checked (check) */
	JOBARGS_FD_IDS = 7,      /* idindex/NAME (check, when asked) */
	JOBARGS_FD_ADOPT = 7,    /* jobs/ID/adopt (run, with on_restart "adopt") */
	JOBARGS_FD_PREVIOUS = 8, /* jobs/ID/previous (check, when asked) */
	JOBARGS_NFDS = 9,
};

void jobargs_add(struct jobargs *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jobargs_free(struct jobargs *a);

/* trex-sandbox running `command` (the manifest's array) of job `id` under
 * the job's limits: the dataset at /data, the folder on JOBARGS_FD_CODE
 * as /job, outputs collected into the one on JOBARGS_FD_OUTPUT (or, with
 * a job_dir, as trex run --local gives its own folders: job_dir/code and
 * job_dir/stage by path; trexd's monitor passes NULL); the seccomp
 * profile on fd 4 when `seccomp`, the status record on fd 3; for trexd
 * (no job_dir) with on_restart "adopt", --adopt-fd JOBARGS_FD_ADOPT. */
void jobargs_run(struct jobargs *a, const struct config *c, const struct dataset *ds,
		 const struct runtime *rt, const struct limits *l, const char *job_dir,
		 const char *id, json_t *command, int seccomp);

/* trex-sandbox running trex-check on the declared outputs found (`present`,
 * paths) in the folder on JOBARGS_FD_CODE (checkin), the releasable
 * copies and the SACRO Viewer export collected into the one on
 * JOBARGS_FD_OUTPUT (checked); with the dataset's identifier index and
 * domains from the folder on JOBARGS_FD_IDS when ids_dir is not NULL,
 * and the project's previous tables from the one on JOBARGS_FD_PREVIOUS
 * when prev_dir is not NULL. With a job_dir (trex run --local) every
 * folder goes by path instead: job_dir/checkin, job_dir/checked, ids_dir,
 * prev_dir. Fails when trex-check cannot be found. */
int jobargs_check(struct jobargs *a, const struct config *c, const char *job_dir,
		  const char *id, long output_mb, const char *ids_dir, const char *prev_dir,
		  json_t *present, int seccomp, struct trex_err *err);

/* trex-sandbox running trex-check --build-id-index over dataset ds (bound
 * read-only at /data, as a job sees it) with its id columns, writing
 * ids.bin, domains.json, codebook.json (under threshold) and content.sha256
 * (the dataset's content digest) to /output, collected into the
 * folder the monitor opened and passes as JOBARGS_FD_OUTPUT (never by
 * path): the only folder it can write. The bounds are the configuration's limits.max
 * (memory also bounds /output, a tmpfs charged to it). Run by the monitor
 * (monitor.c MON_ID_INDEX) so that the service never reads a dataset.
 * Fails when trex-check cannot be found or the columns do not fit. */
int jobargs_index(struct jobargs *a, const struct config *c, const struct dataset *ds,
		  const char *key, long threshold, int seccomp, struct trex_err *err);

/* trex-sandbox running runtime rt's identity probe (rtident.h) as a job
 * of that runtime would run: the same binds, --etc entries and env, no
 * dataset, no code, no output folder; what it prints on stdout is the
 * identity. Small bounds of their own (within limits.max). */
void jobargs_probe(struct jobargs *a, const struct config *c, const struct runtime *rt,
		   int seccomp);

#endif
