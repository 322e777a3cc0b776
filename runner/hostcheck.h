/* `trexd --check-host` (and `trex doctor`): whether this host can run the
 * configuration's jobs. One line per check on stdout:
 *   ok   NAME  what was found
 *   warn NAME  what was found -- what to do
 *   FAIL NAME  what was found -- what to do
 * The checks are made on the real kernel and files (a forked child that
 * unshares namespaces, loads a seccomp filter, takes a job uid and reads
 * each dataset; the configured trex-sandbox running /bin/true), never
 * inferred from version numbers. */
#ifndef TREX_RUNNER_HOSTCHECK_H
#define TREX_RUNNER_HOSTCHECK_H

#include "config.h"
#include "err.h"

/* Every check; c is NULL when the configuration did not load (cfg_err
 * then says why, and only the kernel's checks are made). Returns the
 * number of failed checks (warnings do not count). */
int hostcheck_run(const struct config *c, const char *config_file,
		  const struct trex_err *cfg_err);

/* The dataset check alone, for `trexd -n`: 0 when the first job uid of
 * the range can read every folder and file of every dataset, else
 * -EACCES (or the error met) with err naming the dataset and the path.
 * Needs root (to take the job uid); without it nothing is checked. */
int hostcheck_datasets(const struct config *c, struct trex_err *err);

#endif
