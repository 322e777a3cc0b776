/* Derived statistics checked as what they imply (issue 14 item 4).
 *
 * A percentage beside its denominator is a count (pct x n / 100), a mean
 * beside its count is a magnitude (mean x n), the steps of a survival
 * table are counts (who left the risk set, who died), and a regression
 * term is estimated from the records holding its level. Each is checked
 * as the count or magnitude it gives back, with the same thresholds
 * (OpenSAFELY's and the SDC Handbook's rule: implied counts must meet the
 * threshold). A released value is known only to its printed precision, so
 * what it implies is an interval; a cell is disclosive when some count in
 * that interval would be (the checker does not know which one is true).
 * A column whose meaning the checker cannot tell is held for review.
 *
 * Reasons and cell decisions say where (row, declared column), never what:
 * no value of the table is quoted. */
#include "derived.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

/* "1.5e2" is 150 +- 5: the exponent scales the last digit. */
int derived_number(const char *s, double *v, double *half)
{
	int r = sdc_parse_number(s, v);
	long decimals = 0, exp = 0;
	const char *p = s;

	if (r != 0)
		return r;
	while (*p && *p != '.' && *p != 'e' && *p != 'E')
		p++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			decimals++;
	if (*p == 'e' || *p == 'E') {
		int sign = 1;
		p++;
		if (*p == '-' || *p == '+')
			sign = *p++ == '-' ? -1 : 1;
		/* a plain decimal (sdc_parse_number checked it); huge exponents
		 * are already infinite or zero there */
		for (; *p >= '0' && *p <= '9' && exp < 10000; p++)
			exp = exp * 10 + (*p - '0');
		exp *= sign;
	}
	/* asked of every cell of a statistic column: a table of powers
	 * rather than pow() for the usual few digits */
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	static const double n10[] = {1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,
				     1e-8,  1e-9,  1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15};
	long e = exp - decimals;
	if (e >= 0 && e < 16)
		*half = 0.5 * p10[e];
	else if (e < 0 && e > -16)
		*half = 0.5 * n10[-e];
	else
		*half = 0.5 * pow(10.0, (double)e);
	return 0;
}

/* Does the interval [lo, hi] of an implied count hold a disclosive count:
 * one from 1 to safe_threshold - 1, or 0 when zeros are (zero_rule and
 * zeros_are_disclosive)? An interval with no integer in it (a value that
 * no whole count gives exactly) is widened to its nearest integers. */
static bool derived_disclosive(const struct policy *pol, double lo, double hi, bool zero_rule)
{
	double a = ceil(lo - 1e-9), b = floor(hi + 1e-9);

	if (isnan(lo) || isnan(hi))
		return true;
	if (a > b) {
		a = floor(lo);
		b = ceil(hi);
	}
	if (b < 0)
		return false;
	if (a < 0)
		a = 0;
	if (a == 0 && zero_rule && pol->zeros_are_disclosive)
		return true;
	if (a < 1)
		a = 1;
	return a <= b && a < (double)pol->safe_threshold;
}

/* Columns of a checked table that no declaration names: held for review
 * (rule uninterpreted_statistic), named by position, never by header. */
static void derived_uninterpreted(const struct sdc_table *t, const bool *named,
				  struct sdc_result *res, const char *what)
{
	const size_t nc = t->csv->ncols;
	char list[128];
	size_t n = sdc_column_list(named, nc, list, sizeof(list));

	if (n)
		sdc_reason(res, "uninterpreted_statistic", SDC_REVIEW,
			   "%zu column(s) of this %s not declared (column %s of %zu): a statistic the checker cannot interpret",
			   n, what, list, nc);
}

/* Params objects built once per table and shared by its cells, in the
 * slots rules.c fills with the same objects (0 threshold, 1 dominance,
 * 2 p%): whichever builds one first, the cells carry the same params. */
static json_t *derived_params_make(const struct policy *pol, size_t slot)
{
	switch (slot) {
	case 0:
		return json_pack("{s:I}", "safe_threshold", (json_int_t)pol->safe_threshold);
	case 1:
		return json_pack("{s:I, s:f}", "safe_nk_n", (json_int_t)pol->safe_nk_n,
				 "safe_nk_k", pol->safe_nk_k);
	default:
		return json_pack("{s:f}", "safe_pratio_p", pol->safe_pratio_p);
	}
}

static json_t *derived_params(struct sdc_result *res, const struct policy *pol, size_t slot)
{
	if (!res->shared_params[slot])
		res->shared_params[slot] = derived_params_make(pol, slot);
	return json_incref(res->shared_params[slot]);
}

/* A row decided primary by one of its derived columns. */
static void derived_primary(struct sdc_result *res, const struct sdc_table *t, size_t row,
			    const char *col, const char *rule, json_t *params, const char *why)
{
	res->state[row] = CELL_PRIMARY;
	res->nprimary++;
	sdc_note(res, t, row, col, rule, params, "primary", "%s", why);
}

/* A cell that is not a usable number: fail when malformed, review when
 * missing under check_missing_values. true when the cell can be used. */
static bool derived_usable(const struct policy *pol, const struct sdc_table *t, size_t row,
			   const char *col, int pr, struct sdc_result *res)
{
	if (pr == 0)
		return true;
	if (pr == 1) {
		if (pol->check_missing_values) {
			sdc_note(res, t, row, col, "missing", NULL, "review", "missing value in %.64s",
				 col);
			sdc_worsen(res, SDC_REVIEW);
		}
		return false;
	}
	sdc_note(res, t, row, col, "invalid_value", NULL, "fail", "%.64s is not a number", col);
	sdc_worsen(res, SDC_FAIL);
	return false;
}

/* One summary statistic column, resolved. */
struct derived_colx {
	const struct derived_decl *x;
	int col, base_col, largest_col[64];
	double scale; /* value x base / scale is the implied count */
};

/* A percentage, proportion or rate of row r: the implied count and, for a
 * share of its denominator, the complement (denominator minus count). */
static bool derived_ratio_row(const struct policy *pol, const struct sdc_table *t,
			      const struct derived_colx *c, size_t r, struct sdc_result *res)
{
	const struct derived_decl *x = c->x;
	double v, hv, n, hn, lo, hi;

	if (!derived_usable(pol, t, r, x->column,
			    derived_number(csv_field(t->csv, r, (size_t)c->col), &v, &hv), res) ||
	    !derived_usable(pol, t, r, x->base,
			    derived_number(csv_field(t->csv, r, (size_t)c->base_col), &n, &hn), res))
		return false;
	/* a denominator that is a count is exact */
	if (n == floor(n) && (!manifest_derived(t->decl, x->base) ||
			      manifest_derived(t->decl, x->base)->kind == DERIVED_COUNT))
		hn = 0;
	if (v < 0 || n < 0 || (x->kind != DERIVED_RATE && v > c->scale)) {
		sdc_note(res, t, r, x->column, "invalid_value", NULL, "fail",
			 "%.64s is not a %s of %.64s", x->column, manifest_derived_name(x->kind),
			 x->base);
		sdc_worsen(res, SDC_FAIL);
		return false;
	}
	lo = fmax(v - hv, 0) * fmax(n - hn, 0) / c->scale;
	hi = (v + hv) * (n + hn) / c->scale;
	if (derived_disclosive(pol, lo, hi, true)) {
		derived_primary(res, t, r, x->column, "implied_count",
				derived_params(res, pol, 0),
				"the count this value implies with its denominator is below the threshold");
		return true;
	}
	if (x->kind == DERIVED_RATE)
		return false;
	/* the rest of the denominator: 96% of 50 leaves 2 */
	if (derived_disclosive(pol, fmax(n - hn - hi, 0), n + hn - lo, true)) {
		derived_primary(res, t, r, x->column, "implied_count",
				derived_params(res, pol, 0),
				"the denominator minus the count this value implies is below the threshold");
		return true;
	}
	return false;
}

/* A mean or sum of row r as the magnitude mean x count: contributors
 * threshold on the count, then (n,k)-dominance and p% from the declared
 * largest contributions, as on a magnitude table's cell. */
static bool derived_magnitude_row(const struct policy *pol, const struct sdc_table *t,
				  const struct derived_colx *c, size_t r, struct sdc_result *res)
{
	const struct derived_decl *x = c->x;
	const char *base = x->base ? x->base : t->decl->count;
	double v, hv, n, hn, total, top = 0, l[64];

	if (!derived_usable(pol, t, r, x->column,
			    derived_number(csv_field(t->csv, r, (size_t)c->col), &v, &hv), res) ||
	    !derived_usable(pol, t, r, base,
			    derived_number(csv_field(t->csv, r, (size_t)c->base_col), &n, &hn), res))
		return false;
	if (n < 0 || n != floor(n)) {
		sdc_note(res, t, r, base, "invalid_count", NULL, "fail",
			 "%.64s is not a non-negative integer", base);
		sdc_worsen(res, SDC_FAIL);
		return false;
	}
	if (n < (double)pol->safe_threshold && !(n == 0 && !pol->zeros_are_disclosive)) {
		derived_primary(res, t, r, x->column, "threshold",
				derived_params(res, pol, 0),
				"the magnitude this value implies rests on fewer contributors than the threshold");
		return true;
	}
	total = x->kind == DERIVED_MEAN ? v * n : v;
	if (x->nlargest < 2 || (size_t)pol->safe_nk_n > x->nlargest)
		return false; /* held for review once per column (derived_check_summary) */
	if (total < 0) {
		/* dominance has no meaning for a signed magnitude: as on a
		 * magnitude table's cell, a checker decides */
		sdc_note(res, t, r, x->column, "dominance", NULL, "review",
			 "a negative magnitude: dominance cannot be checked");
		sdc_worsen(res, SDC_REVIEW);
		return false;
	}
	if (total == 0)
		return false;
	for (size_t i = 0; i < x->nlargest; i++)
		if (sdc_parse_number(csv_field(t->csv, r, (size_t)c->largest_col[i]), &l[i]) != 0 ||
		    l[i] < 0) {
			sdc_note(res, t, r, x->column, "dominance", NULL, "review",
				 "largest contributions unusable: dominance cannot be checked");
			sdc_worsen(res, SDC_REVIEW);
			return false;
		}
	for (long i = 0; i < pol->safe_nk_n; i++)
		top += l[i];
	if (top > pol->safe_nk_k * total) {
		derived_primary(res, t, r, x->column, "dominance",
				derived_params(res, pol, 1),
				"the largest contributions dominate the magnitude this value implies");
		return true;
	}
	if (total - l[0] - l[1] < pol->safe_pratio_p * l[0]) {
		derived_primary(res, t, r, x->column, "p-ratio",
				derived_params(res, pol, 2),
				"the magnitude this value implies fails the p% rule");
		return true;
	}
	return false;
}

/* A count column of row r (a second count, a quantile's count). */
static bool derived_count_row(const struct policy *pol, const struct sdc_table *t, int col,
			      const char *name, const char *measure, size_t r,
			      struct sdc_result *res)
{
	long n = sdc_count_text(pol, csv_field(t->csv, r, (size_t)col), r, name, res);

	if (n < 0 || !(n == 0 ? pol->zeros_are_disclosive : n < pol->safe_threshold))
		return false;
	derived_primary(res, t, r, measure, "threshold",
			derived_params(res, pol, 0),
			"a count this row rests on is below the threshold");
	return true;
}

/* Summary statistics (after rules.c's checks on the table's count): each
 * declared statistic checked as what it implies; every other column held. */
int derived_check_summary(const struct policy *pol, const struct sdc_table *t,
			  struct sdc_result *res, struct trex_err *err)
{
	const struct output_decl *d = t->decl;
	const struct csv_table *csv = t->csv;
	_cleanup_free_ struct derived_colx *cx = trex_calloc(d->nderived + 1, sizeof(*cx));
	bool named[CSV_MAX_COLS] = {false};

	if (!cx)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	for (size_t i = 0; i < d->ndims; i++)
		named[t->dim_col[i]] = true;
	if (t->count_col >= 0)
		named[t->count_col] = true;
	for (size_t i = 0; i < d->nderived; i++) {
		const struct derived_decl *x = &d->derived[i];
		const char *base = x->base ? x->base : d->count;
		struct derived_colx *c = &cx[i];

		c->x = x;
		c->base_col = -1;
		if ((c->col = sdc_declared_col(t, x->column, "derived", err)) < 0)
			return -EINVAL;
		named[c->col] = true;
		if (base && (c->base_col = sdc_declared_col(t, base, "derived", err)) < 0)
			return -EINVAL;
		for (size_t k = 0; k < x->nlargest; k++) {
			if ((c->largest_col[k] = sdc_declared_col(t, x->largest[k], "largest", err)) < 0)
				return -EINVAL;
			/* the largest contributions never leave */
			named[c->largest_col[k]] = res->drop_col[c->largest_col[k]] = true;
		}
		c->scale = x->kind == DERIVED_PERCENTAGE ? 100 : x->kind == DERIVED_RATE ? x->per : 1;
		if ((x->kind == DERIVED_MEAN || x->kind == DERIVED_SUM) &&
		    (x->nlargest < 2 || (size_t)pol->safe_nk_n > x->nlargest))
			sdc_reason(res, "dominance", SDC_REVIEW,
				   "dominance and p%% rules on %.64s (as a magnitude) need the %ld largest contributions per cell (declared %zu)",
				   x->column, pol->safe_nk_n > 2 ? pol->safe_nk_n : 2, x->nlargest);
	}
	/* what summary.c reads from a header and checks on n alone (a
	 * percentile, a dispersion; an extreme fails the file there) needs no
	 * declaration; a mean, sum or share implies a magnitude or a count
	 * and does */
	for (size_t col = 0; col < csv->ncols; col++) {
		double pct;
		enum summary_stat k = named[col] ? STAT_OTHER : statname_kind(csv_header(csv, col), &pct);
		if (k == STAT_PERCENTILE || k == STAT_SPREAD || k == STAT_EXTREME)
			named[col] = true;
	}
	derived_uninterpreted(t, named, res, "summary table");
	for (size_t r = 0; r < csv->nrows; r++) {
		/* one decision per row: the first statistic that hides it */
		for (size_t i = 0; i < d->nderived && res->state[r] != CELL_PRIMARY; i++) {
			const struct derived_colx *c = &cx[i];
			switch (c->x->kind) {
			case DERIVED_COUNT:
				derived_count_row(pol, t, c->col, c->x->column, c->x->column, r, res);
				break;
			case DERIVED_QUANTILE:
				derived_count_row(pol, t, c->base_col, c->x->base ? c->x->base : d->count,
						  c->x->column, r, res);
				break;
			case DERIVED_PERCENTAGE:
			case DERIVED_PROPORTION:
			case DERIVED_RATE:
				derived_ratio_row(pol, t, c, r, res);
				break;
			case DERIVED_MEAN:
			case DERIVED_SUM:
				derived_magnitude_row(pol, t, c, r, res);
				break;
			}
		}
	}
	return 0;
}

/* Regression: a term whose level is held by fewer records than the
 * threshold gives their outcome away (a dummy held by one patient is
 * fitted exactly, whatever the residual dof), and so does a level held
 * by all but a few (the reference level they are left in). The records
 * of the model are the most any term rests on (the intercept's). */
int derived_check_regression(const struct policy *pol, const struct sdc_table *t,
			     struct sdc_result *res, struct trex_err *err)
{
	const struct output_decl *d = t->decl;
	const struct csv_table *csv = t->csv;
	const char *name = d->observations;
	double nobs = 0;
	size_t bad = 0;
	int col;

	if (!name) {
		sdc_reason(res, "uninterpreted_statistic", SDC_REVIEW,
			   "regression without declared 'observations' per term: covariate levels held by few records cannot be checked");
		return 0;
	}
	if ((col = sdc_declared_col(t, name, "observations", err)) < 0)
		return -EINVAL;
	for (size_t r = 0; r < csv->nrows; r++) {
		double m;
		if (sdc_parse_number(csv_field(csv, r, (size_t)col), &m) == 0 && m > nobs)
			nobs = m;
	}
	for (size_t r = 0; r < csv->nrows; r++) {
		long m = sdc_count_text(pol, csv_field(csv, r, (size_t)col), r, name, res);
		json_t *p;

		if (m < 0) {
			/* a missing count was noted under check_missing_values;
			 * either way this term cannot be checked */
			sdc_note(res, t, r, name, "level_count", NULL, "review",
				 "no usable observation count for this term in %.64s", name);
			sdc_worsen(res, SDC_REVIEW);
			continue;
		}
		if (!(m > 0 && m < pol->safe_threshold) &&
		    !(nobs - (double)m > 0 && nobs - (double)m < (double)pol->safe_threshold))
			continue;
		p = derived_params(res, pol, 0);
		sdc_note(res, t, r, name, "level_count", p, "fail",
			 m < pol->safe_threshold
				 ? "this term's level is held by fewer records than the threshold"
				 : "all but fewer records than the threshold hold this term's level");
		bad++;
	}
	if (bad)
		sdc_reason(res, "level_count", SDC_FAIL,
			   "%zu term(s) rest on a covariate level held by fewer than %ld records, or by all but fewer",
			   bad, pol->safe_threshold);
	return 0;
}
