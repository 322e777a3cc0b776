/* Start-up recovery after a crash (runner/recover.c). */
#ifndef TREX_RUNNER_RECOVER_H
#define TREX_RUNNER_RECOVER_H

#include "config.h"
#include "err.h"
#include "store.h"

/* Take the state folder's lock (STATE/trexd.lock, flock, held until
 * exit): -EBUSY when another trexd uses the folder. */
int recover_lock(const struct config *c, struct trex_err *err);

/* End every trex-sandbox a previous trexd on the same state folder left
 * behind (SIGTERM, then SIGKILL; bounded). Returns how many, or -EBUSY when
 * some would not die. */
int recover_orphans(const struct config *c, struct trex_err *err);

/* Clean the folders of jobs left running or checking and re-queue or
 * fail them (config "on_crash"). Returns the number of jobs recovered or a
 * negative errno. Call before any job starts, after recover_orphans (as
 * root, before the service drops its privileges: main.c). */
int recover_run(const struct config *c, struct store *s, struct trex_err *err);

#endif
