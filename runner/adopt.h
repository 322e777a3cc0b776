/* Re-adoption of runs an earlier trexd left running (config on_restart
 * "adopt"; runner/adopt.c, sandbox/adopt.c). */
#ifndef TREX_RUNNER_ADOPT_H
#define TREX_RUNNER_ADOPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"

struct trexd;

/* At start-up recovery, for job id left running: 1 when its run can be
 * adopted (the monitor kept its sandbox alive, or it ended while trexd
 * was down and left a status file), noted for adopt_start; 0 when not
 * (recovery cleans and re-queues or fails it as before). */
int adopt_claim(const struct config *c, const char *id, struct trex_err *err);
/* After the scheduler exists: every claimed job goes on from its run's
 * end (job_adopt), its adoption audited. */
void adopt_start(struct trexd *d);

/* What the run's relay wrote to STATE/jobs/ID/adopt (sandbox/adopt.c),
 * read and checked field by field: the relay is root's and the folder
 * the service user's, out of any job uid's reach, but what it holds is
 * parsed as input all the same. */
struct adopt_end {
	char *out, *err, *record; /* trex_free */
	size_t out_len, err_len, record_len;
	uint64_t out_total, err_total;
	int64_t exit_status;
	int term_signal;
};
/* -EBADMSG (err names the file and what is wrong) or -errno. */
int adopt_read(const char *job_dir, struct adopt_end *e, struct trex_err *err);
void adopt_end_free(struct adopt_end *e);

#endif
