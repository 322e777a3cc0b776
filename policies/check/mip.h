/* Exact complement search for small tables (mip.c), the optimiser behind
 * suppress.c's heuristic: the pattern that hides the least value among
 * those the audit accepts, found by GLPK's branch and bound. */
#ifndef TREX_CHECK_MIP_H
#define TREX_CHECK_MIP_H

#include <stdbool.h>
#include <stddef.h>

#include "sdc.h"

/* Limits, counts rather than times so that a table always gets the same
 * pattern: the cells that may become complements, the rounds of cuts,
 * the primary cells audited over all rounds, the branch-and-bound nodes
 * over all solves of the master program. Past one, the heuristic's
 * pattern stands. */
#define SUPPRESS_EXACT_SIZE 600
#define SUPPRESS_EXACT_ROUNDS 50
#define SUPPRESS_EXACT_AUDITS 2000
#define SUPPRESS_EXACT_NODES 3000

enum suppress_exact_result {
	SUPPRESS_EXACT_LIMIT, /* too large, or a limit stopped it: keep the heuristic's */
	SUPPRESS_EXACT_NONE,  /* no pattern costs at most the cutoff (proven) */
	SUPPRESS_EXACT_FOUND, /* state holds a cheaper pattern, audited */
};

struct suppress_exact_stats {
	size_t solves;   /* master programs solved (rounds) */
	size_t nodes;    /* branch-and-bound nodes, all solves */
	size_t attacks;  /* cuts: attackers a pattern did not satisfy */
	bool proven;     /* FOUND: optimal */
};

/* state: the primary cells (CELL_PRIMARY; anything else may become a
 * complement, totals excepted); on FOUND, the pattern (CELL_SECONDARY
 * complements, CELL_OK the rest), which the audit (every attacker model)
 * accepted and whose value hidden is at most cutoff (INFINITY: any).
 * stats may be NULL. */
int suppress_exact(const struct policy *pol, const struct sdc_table *t,
		   const struct sdc_margins *m, unsigned char *state, double cutoff,
		   struct suppress_exact_stats *stats, enum suppress_exact_result *out,
		   struct trex_err *err);
/* Tests and benchmarks: the heuristic alone (false), or with the exact
 * search where the table is small enough (true, the default). */
void suppress_set_exact(bool on);

#endif
