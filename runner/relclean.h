/* The release area after a restart (runner/relclean.c). */
#ifndef TREX_RUNNER_RELCLEAN_H
#define TREX_RUNNER_RELCLEAN_H

#include "err.h"
#include "trexd.h"

/* Remove every temporary file a killed trexd left in STATE/release (a
 * manifest's <id>.release.json.tmp.<pid>, an output's .tmp.<name> that
 * the store does not record as released), and write again the manifest of
 * a job with released outputs whose manifest write was cut short. Needs
 * the store and trexd's signing key; call before anything is served.
 * Returns the number of files removed or a negative errno. */
int relclean_run(struct trexd *d, struct trex_err *err);

#endif
