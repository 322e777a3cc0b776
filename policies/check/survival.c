/* Survival and life tables (kind survival_table): every step is counts.
 *
 * Between two steps of a stratum the risk set shrinks by the records that
 * died or were censored, n_risk[i] - n_risk[i+1]; a survival estimate
 * gives the deaths of each step, d = n_risk * (1 - S[i] / S[i-1]). Each is
 * a count however large the n at risk around it, so each must be 0 or at
 * least safe_threshold, like the declared events and censored counts
 * (issue 14 item 4). Hiding one step does not help (its neighbours give
 * its sum back), so a table with such a step fails: the time steps must
 * be coarser. Zero is allowed (a step nobody left), whatever the pack's
 * zero rule: it says nothing of a record.
 *
 * Rows are the steps in time order, each stratum (its dimension codes) in
 * one run of rows. Reasons say where (row, declared column), never what. */
#include "derived.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

struct survival {
	const struct policy *pol;
	const struct sdc_table *t;
	struct sdc_result *res;
	size_t failed;
};

/* A step that gives a count away: the row fails, noted once (the first
 * reason found; the file fails whatever the others say). */
static void survival_fail(struct survival *s, size_t row, const char *col, const char *why)
{
	if (s->res->state[row] == CELL_PRIMARY)
		return;
	/* marks the row as decided; a failed table is never released */
	s->res->state[row] = CELL_PRIMARY;
	s->failed++;
	sdc_note(s->res, s->t, row, col, "survival_step",
		 json_pack("{s:I}", "safe_threshold", (json_int_t)s->pol->safe_threshold), "fail",
		 "%s", why);
}

static bool survival_small(const struct survival *s, double n)
{
	return n > 0 && n < (double)s->pol->safe_threshold;
}

/* The deaths a survival estimate implies at a step, an interval from the
 * printed precision of both estimates: does it hold a count from 1 to
 * safe_threshold - 1? */
static bool survival_implied(const struct survival *s, double n, double sv, double hs,
			     double sp, double hp)
{
	double rlo, rhi, lo, hi, a, b;

	if (sp - hp <= 0)
		return n > 0; /* nothing survived before: any step is unknowable */
	rlo = fmax(sv - hs, 0) / (sp + hp);
	rhi = (sv + hs) / (sp - hp);
	lo = n * (1 - rhi);
	hi = n * (1 - rlo);
	a = ceil(lo - 1e-9);
	b = floor(hi + 1e-9);
	if (a > b) {
		a = floor(lo);
		b = ceil(hi);
	}
	if (a < 1)
		a = 1;
	return a <= b && a < (double)s->pol->safe_threshold;
}

int survival_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		   struct trex_err *err)
{
	const struct output_decl *d = t->decl;
	const struct csv_table *csv = t->csv;
	const size_t n = csv->nrows;
	struct survival s = {pol, t, res, 0};
	int tcol, ncol, ecol = -1, ccol = -1, scol = -1;
	bool named[CSV_MAX_COLS] = {false};
	_cleanup_free_ uint32_t *group = NULL;
	size_t ng = 1, runs = 0, nnamed = 0;
	bool steps = true;
	double prev_time = 0, prev_n = 0, prev_e = 0, prev_c = 0, prev_s = 1, prev_hs = 0;

	if ((tcol = sdc_declared_col(t, d->time, "time", err)) < 0 ||
	    (ncol = sdc_declared_col(t, d->at_risk, "at_risk", err)) < 0 ||
	    (d->events && (ecol = sdc_declared_col(t, d->events, "events", err)) < 0) ||
	    (d->censored && (ccol = sdc_declared_col(t, d->censored, "censored", err)) < 0) ||
	    (d->survival && (scol = sdc_declared_col(t, d->survival, "survival", err)) < 0))
		return -EINVAL;
	for (size_t i = 0; i < d->ndims; i++)
		named[t->dim_col[i]] = true;
	named[tcol] = named[ncol] = true;
	if (ecol >= 0)
		named[ecol] = true;
	if (ccol >= 0)
		named[ccol] = true;
	if (scol >= 0)
		named[scol] = true;
	for (size_t c = 0; c < csv->ncols; c++)
		nnamed += named[c];
	if (nnamed < csv->ncols)
		sdc_reason(res, "uninterpreted_statistic", SDC_REVIEW,
			   "%zu column(s) of this survival table not declared: a statistic the checker cannot interpret",
			   csv->ncols - nnamed);
	group = trex_calloc(n + 1, sizeof(uint32_t));
	if (!group)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	if (d->ndims && sdc_group(t, res, (size_t)-1, group, &ng) < 0)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	for (size_t r = 0; r < n; r++)
		runs += r == 0 || group[r] != group[r - 1];
	if (n && runs != ng) {
		steps = false;
		sdc_reason(res, "uninterpreted_statistic", SDC_REVIEW,
			   "the rows of a stratum are not together: the steps cannot be read");
	}
	for (size_t r = 0; r < n; r++) {
		bool first = r == 0 || group[r] != group[r - 1];
		bool last = r + 1 == n || group[r + 1] != group[r];
		double time, h, sv = 1, hs = 0;
		long nr = sdc_count_text(pol, csv_field(csv, r, (size_t)ncol), r, d->at_risk, res);
		long e = ecol < 0 ? -1 : sdc_count_text(pol, csv_field(csv, r, (size_t)ecol), r, d->events, res);
		long c = ccol < 0 ? -1 : sdc_count_text(pol, csv_field(csv, r, (size_t)ccol), r, d->censored, res);
		int pr = derived_number(csv_field(csv, r, (size_t)tcol), &time, &h);

		if (pr != 0 || nr < 0 || (ecol >= 0 && e < 0) || (ccol >= 0 && c < 0)) {
			/* a malformed count was noted (invalid_count fails the
			 * file); a missing one or a time that is not a number
			 * leaves the steps unreadable */
			if (steps)
				sdc_reason(res, "uninterpreted_statistic", SDC_REVIEW,
					   "row %zu: a time, n at risk, events or censored cell is missing or not a number: the steps cannot be read",
					   r + 1);
			steps = false;
			continue;
		}
		if (!first && time <= prev_time && steps) {
			sdc_reason(res, "uninterpreted_statistic", SDC_REVIEW,
				   "row %zu: time does not increase within its stratum: the steps cannot be read",
				   r + 1);
			steps = false;
		}
		if (survival_small(&s, (double)nr))
			survival_fail(&s, r, d->at_risk, "the n at risk is below the threshold");
		if (survival_small(&s, (double)e))
			survival_fail(&s, r, d->events, "the events of this step are below the threshold");
		if (survival_small(&s, (double)c))
			survival_fail(&s, r, d->censored, "the censored of this step are below the threshold");
		if (scol >= 0) {
			int sp = derived_number(csv_field(csv, r, (size_t)scol), &sv, &hs);
			if (sp != 0 || sv < 0 || sv > 1) {
				sdc_note(res, t, r, d->survival, "invalid_value", NULL, "fail",
					 "%.64s is not a survival proportion", d->survival);
				sdc_worsen(res, SDC_FAIL);
				steps = false;
			} else if (steps && survival_implied(&s, (double)nr, sv, hs,
							     first ? 1 : prev_s, first ? 0 : prev_hs)) {
				survival_fail(&s, r, d->survival,
					      "the deaths this estimate implies with the n at risk are below the threshold");
			}
		}
		if (steps && !first) {
			/* who left the risk set during the previous step */
			double left = prev_n - (double)nr;
			if (left < 0) {
				sdc_reason(res, "uninterpreted_statistic", SDC_REVIEW,
					   "row %zu: the n at risk grows within its stratum: the steps cannot be read",
					   r + 1);
				steps = false;
			} else if (survival_small(&s, left)) {
				survival_fail(&s, r - 1, d->at_risk,
					      "the records leaving the risk set after this step are below the threshold");
			} else if (ecol >= 0 && ccol < 0 && survival_small(&s, left - prev_e)) {
				survival_fail(&s, r - 1, d->at_risk,
					      "the censored this step implies (n at risk less events) are below the threshold");
			} else if (ccol >= 0 && ecol < 0 && survival_small(&s, left - prev_c)) {
				survival_fail(&s, r - 1, d->at_risk,
					      "the events this step implies (n at risk less censored) are below the threshold");
			}
		}
		if (steps && last && ecol >= 0 && ccol >= 0 &&
		    survival_small(&s, (double)nr - (double)e - (double)c))
			survival_fail(&s, r, d->at_risk,
				      "the records left after the last step are below the threshold");
		prev_time = time;
		prev_n = (double)nr;
		prev_e = (double)e;
		prev_c = (double)c;
		prev_s = sv;
		prev_hs = hs;
	}
	if (s.failed)
		sdc_reason(res, "survival_step", SDC_FAIL,
			   "%zu step(s) imply a count below %ld (n at risk, who left the risk set, events, censored): coarsen the time steps",
			   s.failed, pol->safe_threshold);
	return 0;
}
