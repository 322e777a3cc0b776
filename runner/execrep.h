/* Whether a forked child's execve worked, for the monitor's spawns
 * (monitor.c, monslurm.c): the child holds the write end of a close-on-exec
 * pipe, so the parent reads either nothing (exec done, the pipe closed by
 * it) or the child's errno. */
#ifndef TREXD_EXECREP_H
#define TREXD_EXECREP_H

#include <sys/types.h>

#include "err.h"

/* pipe2 the report pipe into ep (both close-on-exec) and fork; the child
 * (*pid 0) starts as uv_spawn leaves one: default dispositions, no signal
 * blocked. -errno with err set when either fails (nothing left open). */
int execrep_fork(int ep[2], pid_t *pid, struct trex_err *err);

/* In the child, after a failed execve: errno down the report fd, exit 127. */
__attribute__((noreturn)) void execrep_fail(int report);

/* In the parent, ep0 the pipe's read end (closed here; the write end must
 * be closed already): 0 when pid's exec went through, else the child is
 * reaped and err says prog could not start. */
int execrep_wait(int ep0, pid_t pid, const char *prog, struct trex_err *err);

#endif
