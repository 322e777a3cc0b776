/* A fresh temporary folder per test, for the unit tests that open a real
 * store (test_runner_store, test_runner_jobdoc): cmocka setup/teardown. */
#ifndef TREX_TESTS_TDIR_H
#define TREX_TESTS_TDIR_H

/* The folder of the running test, and its trexd.db path. */
extern char tdir_path[64];
extern char tdir_db[128];

int tdir_setup(void **state);    /* mkdtemp /tmp/trex-unit-XXXXXX */
int tdir_teardown(void **state); /* rm -rf it */

#endif
