/* trex run --local --like JOB [DIR] --data DUMMY (runlike.c): a released
 * job rerun on dummy data with the runtime and policy its signed
 * reproducibility record names. */
#ifndef TREX_AGENT_RUNLIKE_H
#define TREX_AGENT_RUNLIKE_H

#include <stdio.h>

#include <jansson.h>

#include "agent/cli.h"
#include "common/err.h"
#include "runner/config.h"

struct runlike {
	char id[160];
	char tmp[64];       /* a folder of /tmp holding manifest.json, ours to remove */
	char manifest[128]; /* the job's manifest as trexd stored it */
	json_t *job;        /* GET /v1/jobs/ID */
	json_t *release;    /* the release manifest, its signature verified */
	json_t *record;     /* its "reproducibility" (borrowed from release) */
	json_t *report;     /* what was compared: {"job", "code", "policy", "runtime"} */
	int differs;        /* something here is not as it was for the job */
};

/* Fetch job id's manifest and its signed release manifest (checked with
 * trexd's key: keyfile or the pinned one, as trex fetch), which must hold
 * a record; the manifest is written to l->manifest. */
int runlike_fetch(const struct cli_ctx *ctx, const char *id, const char *keyfile,
		  struct runlike *l, struct trex_err *err);

/* The policy the record names (its name: the local pack of that name). */
const char *runlike_policy(const struct runlike *l);

/* Compare what this machine would run with what the record says: the
 * code in dir (each file of the job by SHA-256, and the whole job's
 * job_sha256), the pack's digest, and the runtime's identity, found by
 * running the same probe (runner/rtident.h) in trex-sandbox through
 * spawn(argv, stdout_fd). Each difference is a warning on stderr (unless
 * quiet); all goes into l->report. */
typedef int (*runlike_spawn_fn)(char **argv, int out, void *arg);
void runlike_compare(struct runlike *l, const struct config *c, const char *runtime,
		     const char *dir, const char *work, int seccomp, runlike_spawn_fn spawn,
		     void *arg, int quiet);

void runlike_free(struct runlike *l);

#endif
