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

void jobargs_add(struct jobargs *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jobargs_free(struct jobargs *a);

/* trex-sandbox running `command` (the manifest's array) of job `id` under
 * the job's limits: the dataset at /data, job_dir/code as /job, outputs
 * collected into job_dir/stage; the seccomp profile on fd 4 when
 * `seccomp`, the status record on fd 3. */
void jobargs_run(struct jobargs *a, const struct config *c, const struct dataset *ds,
		 const struct runtime *rt, const struct limits *l, const char *job_dir,
		 const char *id, json_t *command, int seccomp);

/* trex-sandbox running trex-check on the declared outputs found (`present`,
 * paths) in job_dir/checkin, the releasable copies and the SACRO Viewer
 * export collected into job_dir/checked; with the dataset's identifier index and domains from
 * ids_dir and the project's previous tables from prev_dir when not NULL.
 * Fails when trex-check cannot be found. */
int jobargs_check(struct jobargs *a, const struct config *c, const char *job_dir,
		  const char *id, long output_mb, const char *ids_dir, const char *prev_dir,
		  json_t *present, int seccomp, struct trex_err *err);

/* trex-sandbox running trex-check --build-id-index over dataset ds (bound
 * read-only at /data, as a job sees it) with its id columns, writing
 * ids.bin, domains.json and codebook.json (under threshold) to /output, collected into build_dir: the only
 * folder it can write. The bounds are the configuration's limits.max
 * (memory also bounds /output, a tmpfs charged to it). Run by the monitor
 * (monitor.c MON_ID_INDEX) so that the service never reads a dataset.
 * Fails when trex-check cannot be found or the columns do not fit. */
int jobargs_index(struct jobargs *a, const struct config *c, const struct dataset *ds,
		  const char *build_dir, const char *key, long threshold, int seccomp,
		  struct trex_err *err);

#endif
