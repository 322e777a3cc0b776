/* Allocation-failure loops (as curl and SQLite run them): a parse runs
 * once whole, then again with its 1st, 2nd, 3rd, ... allocation failing
 * (trex's own, common/alloc.h; not jansson's: tallocfail.c says why) until
 * a run makes fewer allocations than the one meant to fail. Every run must
 * end in an error or in the very result of the whole run, never a crash,
 * a leak (valgrind, make SAN=1) or a half-built result. */
#ifndef TREX_TESTS_TALLOCFAIL_H
#define TREX_TESTS_TALLOCFAIL_H

/* run(arg) returns 0 with the result compared to the whole run's (itself
 * asserting), or a negative errno. talloc_each returns how many
 * allocations the whole run made (the number of failing runs). */
unsigned long talloc_each(int (*run)(void *arg), void *arg);

#endif
