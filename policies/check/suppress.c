/* Complementary (secondary) suppression for tables with margins (the
 * rounding packs' alternative is round.c).
 *
 * Suppression: the margin equations (struct sdc_margins) are what an
 * attacker knows. A primary cell alone in an equation is recovered by
 * subtraction, so first every equation holding exactly one unknown gets a
 * second one (the cheapest: smallest value, preferring cells whose other
 * equations already hold an unknown, never a total unless nothing else
 * will do). Then the LP audit computes every primary cell's feasible
 * interval; a cell still narrowed below its protection gets one more
 * complement in its least protected equation, and the loop repeats until
 * the audit passes. Totals are never recomputed: they stay true or are
 * suppressed themselves.
 *
 * The greedy pattern can end up with complements a later one made
 * unnecessary. Last, each complement is released again, the most costly
 * first (totals, then the largest values), whenever the audit still
 * passes without it; so every complement left is needed: releasing any
 * one of them would narrow some primary cell below its protection. The
 * LP solves this takes are capped (SUPPRESS_PRUNE_SOLVES): a count, not a
 * time, so the same table always gets the same pattern. */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "fnv.h"
#include "mip.h"

#define SUPPRESS_MAX_ROWS 20000
#define SUPPRESS_PRUNE_SOLVES 20000

/* ---- complementary suppression ---- */

static bool supp_unknown(const struct sdc_margins *m, const unsigned char *state, size_t row)
{
	return state[row] == CELL_PRIMARY || state[row] == CELL_SECONDARY || isnan(m->value[row]);
}

static size_t supp_eq_unknowns(const struct sdc_margins *m, const unsigned char *state, size_t e)
{
	size_t k = 0;
	for (size_t i = m->eq_off[e]; i < m->eq_off[e + 1]; i++)
		k += supp_unknown(m, state, m->eq_row[i]);
	return k;
}

/* A hidden cell its largest contributor knows exactly: they are alone in
 * it (audit_insiders). To that contributor it is released. */
static bool supp_self_known(const struct sdc_margins *m, const unsigned char *state, size_t row)
{
	return m->own_lo && !isnan(m->own_lo[row]) && m->own_lo[row] >= m->own_hi[row] &&
	       supp_unknown(m, state, row);
}

/* Does equation e give a hidden cell back by subtraction: a single
 * unknown, or (the singleton problem) two, one a primary cell and the
 * other known exactly to its own contributor, who subtracts it? */
static bool supp_eq_exposed(const struct sdc_margins *m, const unsigned char *state, size_t e)
{
	size_t k = 0, u[2] = {0, 0};

	for (size_t i = m->eq_off[e]; i < m->eq_off[e + 1]; i++) {
		size_t row = m->eq_row[i];
		if (!supp_unknown(m, state, row))
			continue;
		if (k == 2)
			return false;
		u[k++] = row;
	}
	if (k == 1)
		return true;
	return k == 2 && ((supp_self_known(m, state, u[0]) && state[u[1]] == CELL_PRIMARY) ||
			  (supp_self_known(m, state, u[1]) && state[u[0]] == CELL_PRIMARY));
}

/* Information lost by suppressing a row: its value, plus a large price for
 * each equation it would open (no unknown yet) and a larger one for totals. */
static double supp_cost(const struct sdc_margins *m, const unsigned char *state,
			const size_t *row_eq_off, const size_t *row_eq, size_t row, size_t skip_eq)
{
	double c = m->value[row];
	for (size_t i = row_eq_off[row]; i < row_eq_off[row + 1]; i++)
		if (row_eq[i] != skip_eq && supp_eq_unknowns(m, state, row_eq[i]) == 0)
			c += 1e6;
	if (m->total[row]) {
		bool part = false;
		c += 1e12;
		/* a top-level total (a part of nothing) is the last resort */
		for (size_t i = row_eq_off[row]; i < row_eq_off[row + 1] && !part; i++)
			for (size_t k = m->eq_off[row_eq[i]]; k < m->eq_off[row_eq[i] + 1]; k++)
				if (m->eq_row[k] == row && m->eq_coef[k] < 0)
					part = true;
		if (!part)
			c += 1e13;
	}
	return c;
}

/* Suppress the cheapest released member of equation e; -1 if none. */
static long supp_pick(const struct sdc_margins *m, unsigned char *state, const size_t *row_eq_off,
		      const size_t *row_eq, size_t e)
{
	long best = -1;
	double best_cost = INFINITY;
	for (size_t i = m->eq_off[e]; i < m->eq_off[e + 1]; i++) {
		size_t row = m->eq_row[i];
		double c;
		if (supp_unknown(m, state, row))
			continue;
		c = supp_cost(m, state, row_eq_off, row_eq, row, e);
		/* a tie goes to the first in canonical order */
		if (c < best_cost || (c == best_cost && best >= 0 && m->rank[row] < m->rank[best])) {
			best_cost = c;
			best = (long)row;
		}
	}
	return best;
}

static void supp_mark(const struct sdc_table *t, struct sdc_result *res, size_t row,
		      const char *why)
{
	res->state[row] = CELL_SECONDARY;
	res->nsecondary++;
	sdc_note(res, t, row, t->decl->kind == KIND_FREQUENCY ? t->decl->count : t->decl->value,
		 "secondary", NULL, "secondary", "complementary suppression: %s", why);
}

static bool supp_prune_on = true; /* suppress_set_prune: tests only */

void suppress_set_prune(bool on)
{
	supp_prune_on = on;
}

/* complements in the order they are tried for release: totals first,
 * then the largest values (what is lost by keeping them hidden) */
static const struct sdc_margins *supp_prune_m;

static int supp_prune_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct sdc_margins *m = supp_prune_m;

	if (m->total[x] != m->total[y])
		return m->total[x] ? -1 : 1;
	if (m->value[x] != m->value[y])
		return m->value[x] > m->value[y] ? -1 : 1;
	return m->rank[x] < m->rank[y] ? -1 : m->rank[x] > m->rank[y];
}

/* Release every complement the audit does not need (see the top), or
 * only those of value 0 (after the exact search: the others are needed,
 * or a cheaper pattern would exist). Their decisions are dropped;
 * *released says how many were released. */
static int supp_prune(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		      const struct sdc_margins *m, const size_t *row_eq_off, const size_t *row_eq,
		      bool zeros_only, size_t *released, struct trex_err *err)
{
	const size_t n = m->nrows;
	_cleanup_free_ size_t *sec = trex_calloc(res->nsecondary + 1, sizeof(size_t));
	_cleanup_free_ size_t *first = trex_calloc(n + 1, sizeof(size_t));
	_cleanup_free_ unsigned char *seen = trex_calloc(n + 1, 1);
	size_t nsec = 0, solves = 0;

	*released = 0;
	if (!sec || !first || !seen)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	for (size_t row = 0; row < n; row++)
		if (res->state[row] == CELL_SECONDARY && nsec < res->nsecondary &&
		    (!m->locked || !m->locked[row]) && (!zeros_only || m->value[row] == 0))
			sec[nsec++] = row;
	supp_prune_m = m;
	qsort(sec, nsec, sizeof(*sec), supp_prune_cmp);
	for (size_t k = 0; k < nsec && solves < SUPPRESS_PRUNE_SOLVES; k++) {
		size_t s = sec[k], nfirst = 0;
		bool holds;
		int r;

		/* the primary cells that share an equation with it are the
		 * likeliest to lose their protection: solved first */
		for (size_t i = row_eq_off[s]; i < row_eq_off[s + 1]; i++) {
			size_t e = row_eq[i];
			for (size_t j = m->eq_off[e]; j < m->eq_off[e + 1]; j++) {
				size_t p = m->eq_row[j];
				if (res->state[p] == CELL_PRIMARY && !seen[p]) {
					seen[p] = 1;
					first[nfirst++] = p;
				}
			}
		}
		for (size_t i = 0; i < nfirst; i++)
			seen[first[i]] = 0;
		res->state[s] = CELL_OK;
		r = audit_holds(pol, t, m, res->state, first, nfirst, &solves, &holds, err);
		if (r < 0) {
			res->state[s] = CELL_SECONDARY;
			return r;
		}
		if (holds)
			(*released)++;
		else
			res->state[s] = CELL_SECONDARY;
	}
	if (*released) {
		/* drop the decisions of the complements released */
		size_t w = 0;
		for (size_t i = 0; i < res->ndecisions; i++) {
			struct sdc_cell *c = &res->cells[i];
			if (!strcmp(c->action, "secondary") && res->state[c->row] != CELL_SECONDARY) {
				json_decref(c->params);
				continue;
			}
			res->cells[w++] = *c;
		}
		res->ndecisions = w;
		res->nsecondary -= *released;
	}
	return 0;
}

static bool supp_exact_on = true; /* suppress_set_exact: tests and benchmarks */

void suppress_set_exact(bool on)
{
	supp_exact_on = on;
}

/* Drop the decisions of every complement (their cells released). */
static void supp_unmark_all(struct sdc_result *res)
{
	size_t w = 0;

	for (size_t i = 0; i < res->ndecisions; i++) {
		struct sdc_cell *c = &res->cells[i];
		if (!strcmp(c->action, "secondary")) {
			res->state[c->row] = CELL_OK;
			json_decref(c->params);
			continue;
		}
		res->cells[w++] = *c;
	}
	res->ndecisions = w;
	res->nsecondary = 0;
}

/* Small tables: look for a pattern that hides less than the heuristic's
 * (mip.c), or any that protects every primary cell when the heuristic's
 * does not (it can paint itself into a corner: every cell of the failing
 * cell's equations hidden, totals included). A pattern with a total
 * among its complements loses to any without one, so the search is over
 * the other cells. 1 when it replaced the pattern, which protects every
 * primary cell (ok[] set for all). */
static int supp_exact(const struct policy *pol, const struct sdc_table *t,
		      struct sdc_result *res, const struct sdc_margins *m, unsigned char *ok,
		      struct trex_err *err)
{
	const size_t n = m->nrows;
	_cleanup_free_ unsigned char *state = NULL;
	enum suppress_exact_result out;
	double cost = 0, cutoff;
	bool totals = false, integral = true, weak = false;
	int r;

	for (size_t k = 0; k < n; k++) {
		size_t row = m->order[k]; /* the same sum, however the rows come */
		weak |= res->state[row] == CELL_PRIMARY && !isnan(m->value[row]) && !ok[row];
		if (res->state[row] != CELL_SECONDARY)
			continue;
		cost += m->value[row];
		totals |= m->total[row];
		integral &= m->value[row] == floor(m->value[row]);
	}
	/* a pattern some cells of which must stay hidden (joint.c) is not
	 * searched again from scratch */
	if (!res->nsecondary || m->locked)
		return 0;
	/* strictly less: an equal pattern keeps the heuristic's (and its
	 * reasons) */
	cutoff = totals || weak ? INFINITY : integral ? cost - 0.5 : cost - 1e-9 * (1 + cost);
	state = trex_malloc(n + 1);
	if (!state)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	memcpy(state, res->state, n);
	r = suppress_exact(pol, t, m, state, cutoff, NULL, &out, err);
	if (r < 0 || out != SUPPRESS_EXACT_FOUND)
		return r;
	supp_unmark_all(res);
	for (size_t k = 0; k < n; k++) {
		size_t row = m->order[k];
		if (state[row] == CELL_SECONDARY)
			supp_mark(t, res, row,
				  "the least value hidden that protects every primary cell (exact search)");
		ok[row] = state[row] == CELL_PRIMARY;
	}
	return 1;
}

int suppress_secondary(const struct policy *pol, const struct sdc_table *t,
		       struct sdc_result *res, struct trex_err *err)
{
	struct sdc_margins m;
	size_t n = t->csv->nrows;
	int r;

	if (n > SUPPRESS_MAX_ROWS) {
		sdc_reason(res, "suppression_limit", SDC_REVIEW,
			   "table with margins too large for secondary suppression (%zu rows > %d)",
			   n, SUPPRESS_MAX_ROWS);
		return 0;
	}
	r = margineqs_build(t, &m, err);
	if (r < 0)
		return r;
	return suppress_pattern(pol, t, res, &m, err);
}

int suppress_pattern(const struct policy *pol, const struct sdc_table *t,
		     struct sdc_result *res, struct sdc_margins *mp, struct trex_err *err)
{
	struct sdc_margins m = *mp;
	_cleanup_free_ size_t *row_eq_off = NULL;
	_cleanup_free_ size_t *row_eq = NULL;
	_cleanup_free_ size_t *fill = NULL;
	_cleanup_free_ struct audit_finding *f = NULL;
	_cleanup_free_ unsigned char *ok = NULL;
	size_t n = t->csv->nrows, released = 0;
	bool repattern = false;
	int r;

	memset(mp, 0, sizeof(*mp));
	row_eq_off = trex_calloc(n + 2, sizeof(size_t));
	row_eq = trex_calloc(m.eq_off ? m.eq_off[m.neq] + 1 : 1, sizeof(size_t));
	fill = trex_calloc(n + 1, sizeof(size_t));
	f = trex_calloc(n + 1, sizeof(*f));
	ok = trex_calloc(n + 1, 1);
	if (!row_eq_off || !row_eq || !fill || !f || !ok) {
		margineqs_free(&m);
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	}
	/* Margins that do not add up are not a table we can reason about: what
	 * is hidden could be derived from whichever figure is true. */
	for (size_t e = 0; e < m.neq; e++) {
		double sum = 0;
		for (size_t i = m.eq_off[e]; i < m.eq_off[e + 1]; i++)
			sum += m.eq_coef[i] * m.value[m.eq_row[i]];
		if (!isnan(sum) && fabs(sum) > 1e-6 * (1 + fabs(m.value[m.eq_row[m.eq_off[e]]]))) {
			sdc_note(res, t, m.eq_row[m.eq_off[e]],
				 t->decl->kind == KIND_FREQUENCY ? t->decl->count : t->decl->value,
				 "margins", NULL, "review", "total differs from the sum of its parts by %g",
				 sum);
			sdc_reason(res, "margins", SDC_REVIEW,
				   "declared totals do not add up: suppression cannot be audited");
			margineqs_free(&m);
			return 0;
		}
	}
	/* what the largest contributors know (magnitude tables) */
	if ((r = audit_insiders(pol, t, &m, err)) < 0) {
		margineqs_free(&m);
		return r;
	}
	/* row -> equations it appears in */
	for (size_t e = 0; e < m.neq; e++)
		for (size_t i = m.eq_off[e]; i < m.eq_off[e + 1]; i++)
			row_eq_off[m.eq_row[i] + 1]++;
	for (size_t i = 0; i < n; i++)
		row_eq_off[i + 1] += row_eq_off[i];
	for (size_t e = 0; e < m.neq; e++)
		for (size_t i = m.eq_off[e]; i < m.eq_off[e + 1]; i++) {
			size_t row = m.eq_row[i];
			row_eq[row_eq_off[row] + fill[row]++] = e;
		}

	for (size_t iter = 0; iter <= n; iter++) {
		bool changed = true, failing = false;
		/* structural closure: no equation may give a hidden cell back
		 * by subtraction, to anyone or to a singleton's contributor */
		while (changed) {
			changed = false;
			for (size_t e = 0; e < m.neq; e++) {
				long pick;
				bool single;
				if (!supp_eq_exposed(&m, res->state, e))
					continue;
				single = supp_eq_unknowns(&m, res->state, e) == 1;
				pick = supp_pick(&m, res->state, row_eq_off, row_eq, e);
				if (pick < 0)
					continue;
				supp_mark(t, res, (size_t)pick,
					  single ? "its margin held a single hidden cell"
						 : "its margin held a primary cell and a singleton, whose contributor knows it");
				changed = true;
			}
		}
		/* cells protected once stay so as complements are added: only
		 * the others are audited again (their intervals still are,
		 * for the report) */
		r = audit_cells(pol, t, &m, res->state, ok, true, f, err);
		if (r < 0)
			break;
		for (size_t row = 0; row < n; row++)
			ok[row] |= res->state[row] == CELL_PRIMARY && f[row].by == AUDIT_OK;
		/* the first failing cell in canonical order */
		for (size_t k = 0; k < n && !failing; k++) {
			size_t row = m.order[k];
			double best_k = INFINITY;
			long pick;
			if (res->state[row] != CELL_PRIMARY || isnan(m.value[row]) ||
			    f[row].by == AUDIT_OK)
				continue;
			failing = true;
			/* widen through the equation whose cheapest complement
			 * costs least (a total only when nothing else will do) */
			pick = -1;
			for (size_t i = row_eq_off[row]; i < row_eq_off[row + 1]; i++) {
				long p = supp_pick(&m, res->state, row_eq_off, row_eq, row_eq[i]);
				double c;
				if (p < 0)
					continue;
				c = supp_cost(&m, res->state, row_eq_off, row_eq, (size_t)p, row_eq[i]);
				if (c < best_k ||
				    (c == best_k && pick >= 0 && m.rank[p] < m.rank[pick])) {
					best_k = c;
					pick = p;
				}
			}
			if (pick < 0)
				break; /* nothing left to add: the final audit says so */
			supp_mark(t, res, (size_t)pick,
				  f[row].by == AUDIT_OUTSIDER
					  ? "the audit found a primary cell too narrowly bounded"
				  : f[row].by == AUDIT_CONTRIBUTOR
					  ? "the audit found a primary cell the contributor of another hidden cell could narrow"
					  : "the audit found a primary cell its own largest contributors could bound");
		}
		if (!failing)
			break;
	}
	if (r == 0 && res->nsecondary && supp_prune_on) {
		r = supp_prune(pol, t, res, &m, row_eq_off, row_eq, false, &released, err);
		repattern = released > 0;
	}
	/* small tables: the exact search, then the release of the cells of
	 * value 0 the audit does not need (they cost the search nothing) */
	if (r == 0 && supp_exact_on && (r = supp_exact(pol, t, res, &m, ok, err)) > 0) {
		repattern = true;
		r = supp_prune(pol, t, res, &m, row_eq_off, row_eq, true, &released, err);
	}
	/* the findings reported are of the final pattern */
	if (r == 0 && repattern)
		r = audit_cells(pol, t, &m, res->state, ok, true, f, err);
	margineqs_free(&m);
	if (r == 0) {
		/* the last audit was of the final pattern: audit_suppression
		 * reports it rather than solving every LP again */
		trex_free(res->audit);
		res->audit = TREX_TAKE(f);
	}
	return r;
}
