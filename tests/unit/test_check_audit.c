/* The LP audit's attacker models (policies/check/audit.c): each test
 * hands the audit a pattern the outsider's audit accepts while a
 * contributor who knows their own share recovers or narrows a hidden
 * cell, and requires the audit to catch it and the complement search to
 * defeat it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policies/check/mip.h"
#include "policies/check/sdc.h"
#include "tests/unit/check_fixture.h"

/* hide rows (primary first, then complements), -1 ends each list */
static void fx_pattern(struct fixture *fx, const int *primary, const int *secondary)
{
	memset(fx->res.state, CELL_OK, fx->csv.nrows);
	for (; *primary >= 0; primary++)
		fx->res.state[*primary] = CELL_PRIMARY;
	for (; *secondary >= 0; secondary++)
		fx->res.state[*secondary] = CELL_SECONDARY;
}

static bool fx_holds(struct fixture *fx)
{
	struct trex_err err = {0};
	size_t solves = 0;
	bool holds;
	assert_int_equal(audit_holds(&fx->pol, &fx->t, &fx->m, fx->res.state, NULL, 0, &solves,
				     &holds, &err),
			 0);
	return holds;
}

/* The outsider's interval of row, and whether it meets the outsider's
 * requirement: what the audit checked before it modelled contributors. */
static bool fx_outsider(struct fixture *fx, size_t row, double *lo, double *hi)
{
	struct trex_err err = {0};
	double l[64], h[64];
	assert_int_equal(audit_intervals(&fx->m, fx->res.state, l, h, &err), 0);
	*lo = l[row];
	*hi = h[row];
	return audit_protected(&fx->pol, &fx->t, fx->m.value[row], l[row], h[row]);
}

/* the whole check again, from no cell hidden (a test may have set a pattern) */
static void fx_recheck(struct fixture *fx)
{
	memset(fx->res.state, CELL_OK, fx->csv.nrows);
	fx_check(fx);
}

static bool fx_has_rule(const struct fixture *fx, const char *rule)
{
	for (size_t i = 0; i < fx->res.ndecisions; i++)
		if (!strcmp(fx->res.cells[i].rule, rule))
			return true;
	return false;
}

#define MAG1 "{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"magnitude_table\"," \
	     " \"dimensions\": [\"r\"], \"value\": \"v\", \"contributors\": \"n\"," \
	     " \"largest\": [\"x1\", \"x2\"], \"total_codes\": {\"r\": [\"T\"]}}]}"

/* Two single-contributor cells that only protect each other: N + S =
 * 3000 for the outsider, N anywhere in [0, 3000]; S's contributor knows
 * S = 2000 and subtracts. */
#define PAIR "r,v,n,x1,x2\nN,1000,1,1000,0\nS,2000,1,2000,0\nE,3000,40,100,90\n" \
	     "T,6000,42,2000,1000\n"

static void test_contributor_singleton_pair(void **state)
{
	struct fixture fx;
	struct audit_finding f[4];
	struct trex_err err = {0};
	double lo, hi;

	fx_open_margins(&fx, PAIR, MAG1);
	fx_pattern(&fx, (int[]){0, 1, -1}, (int[]){-1});
	/* the outsider's audit passes it */
	assert_true(fx_outsider(&fx, 0, &lo, &hi));
	assert_true(lo == 0 && hi == 3000);
	/* S's contributor recovers N exactly (and N's, S) */
	assert_false(fx_holds(&fx));
	assert_int_equal(audit_cells(&fx.pol, &fx.t, &fx.m, fx.res.state, NULL, true, f, &err), 0);
	assert_int_equal(f[0].by, AUDIT_CONTRIBUTOR);
	assert_int_equal(f[0].attacker, 1);
	assert_true(fabs(f[0].alo - 1000) < 1e-6 && fabs(f[0].ahi - 1000) < 1e-6);
	assert_int_equal(f[1].by, AUDIT_CONTRIBUTOR);
	assert_int_equal(f[1].attacker, 0);
	/* the file-level audit sends it to review under its own rule */
	fx.res.nprimary = 2;
	assert_int_equal(audit_suppression(&fx.pol, &fx.t, &fx.res, &err), 0);
	assert_int_equal(fx.res.verdict, SDC_REVIEW);
	assert_true(fx_has_rule(&fx, "audit_contributor"));
	assert_false(fx_has_rule(&fx, "audit"));
	fx_close(&fx);

	/* the search adds a third hidden cell to the margin: E, and then N is
	 * in [0, 4000] even to S's contributor */
	fx_open_margins(&fx, PAIR, MAG1);
	fx_recheck(&fx);
	assert_int_equal(fx.res.verdict, SDC_SUPPRESSED);
	assert_int_equal(fx.res.state[0], CELL_PRIMARY);
	assert_int_equal(fx.res.state[1], CELL_PRIMARY);
	assert_int_equal(fx.res.state[2], CELL_SECONDARY);
	assert_int_equal(fx.res.nsecondary, 1);
	assert_false(fx_has_rule(&fx, "audit_contributor"));
	assert_true(fx_holds(&fx));
	fx_close(&fx);
}

#define MAG2 "{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"magnitude_table\"," \
	     " \"dimensions\": [\"g\", \"s\"], \"value\": \"v\", \"contributors\": \"n\"," \
	     " \"largest\": [\"x1\", \"x2\"], \"total_codes\": {\"g\": [\"T\"], \"s\": [\"T\"]}}]}"
/* (A,F) and (B,M) have one contributor each; the rectangle (A,F) (A,M)
 * (B,F) (B,M) gives the outsider (A,F) = t in [100, 800], protected; but
 * the two singletons share no margin: (B,M)'s contributor knows
 * (B,M) = 400 = t - 100, so t = 500. */
#define RECT "g,s,v,n,x1,x2\n" \
	     "A,F,500,1,500,0\nA,M,300,40,15,10\nA,N,350,30,40,30\nA,T,1150,71,500,40\n" \
	     "B,F,320,40,15,10\nB,M,400,1,400,0\nB,N,360,30,40,30\nB,T,1080,71,400,40\n" \
	     "C,F,400,25,30,20\nC,M,420,25,30,20\nC,N,450,25,30,20\nC,T,1270,75,30,30\n" \
	     "T,F,1220,66,500,30\nT,M,1120,66,400,30\nT,N,1160,85,40,40\nT,T,3500,217,500,400\n"

static void test_contributor_rectangle(void **state)
{
	struct fixture fx;
	struct audit_finding f[16];
	struct trex_err err = {0};
	double lo, hi;

	fx_open_margins(&fx, RECT, MAG2);
	fx_pattern(&fx, (int[]){0, 5, -1}, (int[]){1, 4, -1});
	assert_true(fx_outsider(&fx, 0, &lo, &hi));
	assert_true(fabs(lo - 100) < 1e-6 && fabs(hi - 800) < 1e-6);
	assert_int_equal(audit_cells(&fx.pol, &fx.t, &fx.m, fx.res.state, NULL, true, f, &err), 0);
	assert_int_equal(f[0].by, AUDIT_CONTRIBUTOR);
	assert_int_equal(f[0].attacker, 5);
	assert_true(fabs(f[0].alo - 500) < 1e-6 && fabs(f[0].ahi - 500) < 1e-6);
	/* and (A,F)'s contributor gets (B,M) = 400 */
	assert_int_equal(f[5].by, AUDIT_CONTRIBUTOR);
	assert_true(fabs(f[5].alo - 400) < 1e-6 && fabs(f[5].ahi - 400) < 1e-6);
	fx_close(&fx);

	fx_open_margins(&fx, RECT, MAG2);
	fx_recheck(&fx);
	assert_int_equal(fx.res.verdict, SDC_SUPPRESSED);
	assert_false(fx_has_rule(&fx, "audit_contributor"));
	assert_true(fx_holds(&fx));
	fx_close(&fx);
}

/* a: 100 from 20 contributors, the two largest 95 and 4.9 (dominance).
 * Hidden with b (10) alone, a is in [0, 110]: the outsider's requirement
 * (10% up) is met. The largest contributor knows 95 and bounds the
 * others' share by 110 - 95 = 15 (true 5); (2, 0.9)-dominance lets a cell
 * out only when the others hold at least 10% of it, so max a must reach
 * (95 + 4.9) / 0.9 = 111. */
#define DOM "r,v,n,x1,x2\na,100,20,95,4.9\nb,10,12,2,1.5\nc,500,50,30,20\nT,610,82,95,30\n"

static void test_coalition_dominance(void **state)
{
	struct fixture fx;
	struct audit_finding f[4];
	struct trex_err err = {0};
	double lo, hi;

	fx_open_margins(&fx, DOM, MAG1);
	assert_non_null(fx.m.need_hi);
	assert_true(fabs(fx.m.need_hi[0] - 111) < 1e-9);
	fx_pattern(&fx, (int[]){0, -1}, (int[]){1, -1});
	assert_true(fx_outsider(&fx, 0, &lo, &hi));
	assert_true(lo == 0 && fabs(hi - 110) < 1e-6);
	assert_int_equal(audit_cells(&fx.pol, &fx.t, &fx.m, fx.res.state, NULL, true, f, &err), 0);
	assert_int_equal(f[0].by, AUDIT_COALITION);
	fx.res.nprimary = 1;
	assert_int_equal(audit_suppression(&fx.pol, &fx.t, &fx.res, &err), 0);
	assert_int_equal(fx.res.verdict, SDC_REVIEW);
	assert_true(fx_has_rule(&fx, "audit_coalition"));
	fx_close(&fx);

	/* the search hides c instead: a in [0, 600] */
	fx_open_margins(&fx, DOM, MAG1);
	fx_recheck(&fx);
	assert_int_equal(fx.res.verdict, SDC_SUPPRESSED);
	assert_int_equal(fx.res.state[0], CELL_PRIMARY);
	assert_int_equal(fx.res.state[1], CELL_OK);
	assert_int_equal(fx.res.state[2], CELL_SECONDARY);
	assert_true(fx_holds(&fx));
	fx_close(&fx);
}

/* Random 2-D magnitude tables with every margin, singletons and
 * dominated cells among them. */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void table_magnitude(uint32_t *seed, size_t na, size_t nb, char *csv, size_t cap)
{
	long v[8][8], n[8][8], x1[8][8], x2[8][8];
	size_t len = (size_t)snprintf(csv, cap, "g,s,v,n,x1,x2\n");

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++) {
			uint32_t k = rnd(seed) % 10;
			v[i][j] = 50 + (long)(rnd(seed) % 500);
			n[i][j] = k < 2 ? 1 : k < 3 ? 3 : 15 + (long)(rnd(seed) % 30);
			if (n[i][j] == 1) {
				x1[i][j] = v[i][j];
				x2[i][j] = 0;
			} else if (k == 3) { /* dominated */
				x1[i][j] = v[i][j] * 93 / 100;
				x2[i][j] = v[i][j] * 4 / 100;
			} else {
				x1[i][j] = v[i][j] / 4;
				x2[i][j] = v[i][j] / 5;
			}
		}
	for (size_t i = 0; i <= na; i++)
		for (size_t j = 0; j <= nb; j++) {
			long sv = 0, sn = 0, t1 = 0, t2 = 0;
			for (size_t a = 0; a < na; a++)
				for (size_t b = 0; b < nb; b++) {
					if ((i < na && a != i) || (j < nb && b != j))
						continue;
					sv += v[a][b];
					sn += n[a][b];
					/* contributors are distinct across cells */
					if (x1[a][b] > t1) {
						t2 = t1 > x2[a][b] ? t1 : x2[a][b];
						t1 = x1[a][b];
					} else if (x1[a][b] > t2) {
						t2 = x1[a][b];
					}
				}
			len += (size_t)snprintf(csv + len, cap - len, "%s%zu,%s%zu,%ld,%ld,%ld,%ld\n",
						i < na ? "g" : "T", i < na ? i : 0,
						j < nb ? "s" : "T", j < nb ? j : 0, sv, sn, t1, t2);
		}
}

#define MAGR "{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"magnitude_table\"," \
	     " \"dimensions\": [\"g\", \"s\"], \"value\": \"v\", \"contributors\": \"n\"," \
	     " \"largest\": [\"x1\", \"x2\"], \"total_codes\": {\"g\": [\"T0\"], \"s\": [\"T0\"]}}]}"

/* The convexity shortcut (audit_convex_ok) only skips attackers the LP
 * would find harmless: on random patterns of random tables, the verdict
 * of every cell is the same with and without it. And the patterns the
 * search releases hold under every attacker, each LP solved. */
static void test_random_magnitude(void **state)
{
	uint32_t seed = 4242;
	static char csv[16384];
	size_t compared = 0, contributor_weak = 0, searched = 0;

	for (int k = 0; k < 40; k++) {
		size_t na = 2 + rnd(&seed) % 4, nb = 2 + rnd(&seed) % 4;
		struct fixture fx;
		struct audit_finding f1[64], f2[64];
		struct trex_err err = {0};

		table_magnitude(&seed, na, nb, csv, sizeof(csv));
		fx_open_margins(&fx, csv, MAGR);
		for (int p = 0; p < 5; p++) {
			for (size_t r = 0; r < fx.csv.nrows; r++) {
				uint32_t u = rnd(&seed) % 10;
				fx.res.state[r] = u < 2 ? CELL_PRIMARY : u < 5 ? CELL_SECONDARY : CELL_OK;
			}
			assert_int_equal(audit_cells(&fx.pol, &fx.t, &fx.m, fx.res.state, NULL, true, f1, &err), 0);
			audit_set_shortcut(false);
			assert_int_equal(audit_cells(&fx.pol, &fx.t, &fx.m, fx.res.state, NULL, true, f2, &err), 0);
			audit_set_shortcut(true);
			for (size_t r = 0; r < fx.csv.nrows; r++) {
				assert_int_equal(f1[r].by == AUDIT_OK, f2[r].by == AUDIT_OK);
				contributor_weak += f2[r].by == AUDIT_CONTRIBUTOR;
				compared += fx.res.state[r] == CELL_PRIMARY;
			}
		}
		fx_recheck(&fx);
		if (fx.res.nprimary && fx.res.verdict == SDC_SUPPRESSED) {
			audit_set_shortcut(false);
			assert_true(fx_holds(&fx));
			audit_set_shortcut(true);
			searched++;
		}
		fx_close(&fx);
	}
	/* the test saw the attack it guards against */
	assert_true(contributor_weak >= 20);
	assert_true(compared >= 200);
	assert_true(searched >= 30);
}

/* The exact search (mip.c) under every attacker: on small random
 * magnitude tables, the least value an inner-cell pattern the audit
 * accepts can hide, found by trying every set, is what the search's
 * pattern hides -- with contributor attackers, whose cuts it adds as the
 * audit finds them. */
static void test_exact_magnitude_optimal(void **state)
{
	uint32_t seed = 99;
	static char csv[16384];
	size_t compared = 0, improved = 0;

	for (int k = 0; k < 30; k++) {
		size_t na = 3, nb = 2 + (size_t)(k % 2);
		struct fixture fx;
		size_t inner[16], ninner = 0;
		double chosen = 0, heuristic = 0, best = INFINITY;
		bool total_used = false;

		table_magnitude(&seed, na, nb, csv, sizeof(csv));
		fx_open_margins(&fx, csv, MAGR);
		suppress_set_exact(false);
		fx_recheck(&fx);
		suppress_set_exact(true);
		for (size_t r = 0; r < fx.csv.nrows; r++)
			if (fx.res.state[r] == CELL_SECONDARY)
				heuristic += fx.m.value[r];
		fx_close(&fx);
		fx_open_margins(&fx, csv, MAGR);
		fx_recheck(&fx);
		for (size_t r = 0; r < fx.csv.nrows; r++) {
			if (fx.res.state[r] == CELL_SECONDARY) {
				chosen += fx.m.value[r];
				total_used |= fx.m.total[r];
			}
			if (!fx.m.total[r] && fx.res.state[r] != CELL_PRIMARY)
				inner[ninner++] = r;
		}
		if (!fx.res.nsecondary || total_used || fx.res.verdict != SDC_SUPPRESSED) {
			fx_close(&fx);
			continue;
		}
		for (uint32_t set = 0; set < (1u << ninner); set++) {
			double v = 0;
			for (size_t i = 0; i < ninner; i++)
				if (set & (1u << i))
					v += fx.m.value[inner[i]];
			if (v >= best)
				continue;
			for (size_t i = 0; i < ninner; i++)
				fx.res.state[inner[i]] = set & (1u << i) ? CELL_SECONDARY : CELL_OK;
			if (fx_holds(&fx))
				best = v;
		}
		assert_true(chosen == best);
		assert_true(best <= heuristic);
		compared++;
		improved += best < heuristic;
		fx_close(&fx);
	}
	assert_true(compared >= 15);
	assert_true(improved >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contributor_singleton_pair),
		cmocka_unit_test(test_contributor_rectangle),
		cmocka_unit_test(test_coalition_dominance),
		cmocka_unit_test(test_random_magnitude),
		cmocka_unit_test(test_exact_magnitude_optimal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
