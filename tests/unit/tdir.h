/* For the unit tests that open a real store (test_runner_store,
 * test_runner_jobdoc): a fresh temporary folder per test (cmocka setup and
 * teardown) and jobs put into the store. */
#ifndef TREX_TESTS_TDIR_H
#define TREX_TESTS_TDIR_H

#include <sys/types.h>

#include "runner/store.h"

/* The folder of the running test, and its trexd.db path. */
extern char tdir_path[64];
extern char tdir_db[128];

int tdir_setup(void **state);    /* mkdtemp /tmp/trex-unit-XXXXXX */
int tdir_teardown(void **state); /* rm -rf it */

/* Job `id` of `project` submitted by uid/name (dataset synth, runtime
 * python3, manifest {"project": project}), asserted stored. */
void tdir_put_job(struct store *s, const char *id, const char *project, uid_t uid,
		  const char *name);

#endif
