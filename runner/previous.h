/* Tables released earlier for a project, handed to the checker for its
 * differencing rule (trex-check --previous). */
#ifndef TREX_RUNNER_PREVIOUS_H
#define TREX_RUNNER_PREVIOUS_H

#include <stddef.h>

#include "config.h"
#include "err.h"

/* Copy every released CSV of the project (STATE/release/<project>/<job>/..)
 * into job_dir/previous (0755, files 0644: the checker runs as an
 * unprivileged uid and the release area stays 0700), named
 * <job>__<path with '/' as '__'>. 0 with dir set, 1 when nothing was
 * released yet. A copy, not a bind: the release area may change while
 * the check runs. */
int previous_prepare(const struct config *c, const char *project, const char *job_dir,
		     char *dir, size_t len, struct trex_err *err);

#endif
