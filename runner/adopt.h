/* Re-adoption of runs an earlier trexd left running (config on_restart
 * "adopt"; runner/adopt.c, sandbox/adopt.c). */
#ifndef TREX_RUNNER_ADOPT_H
#define TREX_RUNNER_ADOPT_H

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

#endif
