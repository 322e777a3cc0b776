/* Primary disclosure rules (ACRO's set): threshold on counts, (n,k)
 * dominance and p% on magnitudes, residual degrees of freedom for
 * regressions, statistics that are single records (min/max), class
 * disclosure and microdata passed off as a table. */
#include "sdc.h"
#include "derived.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "cleanup.h"

static json_t *sdc_threshold_params(const struct policy *pol)
{
	return json_pack("{s:I}", "safe_threshold", (json_int_t)pol->safe_threshold);
}

static json_t *sdc_dominance_params(const struct policy *pol)
{
	return json_pack("{s:I, s:f}", "safe_nk_n", (json_int_t)pol->safe_nk_n, "safe_nk_k",
			 pol->safe_nk_k);
}

static json_t *sdc_pratio_params(const struct policy *pol)
{
	return json_pack("{s:f}", "safe_pratio_p", pol->safe_pratio_p);
}

static long sdc_count_cell(const struct policy *pol, const struct sdc_table *t, size_t row,
			   int col, const char *measure, struct sdc_result *res)
{
	return sdc_count_text(pol, csv_field(t->csv, row, (size_t)col), row, measure, res);
}

bool sdc_primary_note(const struct policy *pol, size_t row, const char *measure, long n,
		      struct sdc_result *res)
{
	res->nprimary++;
	if (n == 0) {
		json_t *p = json_pack("{s:b}", "zeros_are_disclosive", 1);
		sdc_note(res, NULL, row, measure, "zero", p, "primary",
			 "count 0 is disclosive (zeros_are_disclosive)");
	} else {
		sdc_note_counts(res, row, measure, "threshold",
				sdc_shared(res, 0, sdc_threshold_params, pol), "primary", "count ", n,
				" < threshold ", pol->safe_threshold);
	}
	return true;
}

static void sdc_primary(const struct policy *pol, const struct sdc_table *t, size_t row,
			const char *measure, long n, struct sdc_result *res)
{
	if (res->state[row] == CELL_PRIMARY)
		return;
	if (sdc_primary_count(pol, row, measure, n, res))
		res->state[row] = CELL_PRIMARY;
}

/* Two rows with the same dimension codes are not a table: it is record-level
 * data (or an aggregation bug) and no cell rule makes it safe. */
static int sdc_duplicate_keys(const struct sdc_table *t, const struct sdc_result *res,
			      size_t *dup_row, bool *dup)
{
	_cleanup_free_ uint32_t *group = NULL;
	size_t ng = 0, seen = 0;
	int r;

	*dup = false;
	r = sdc_unique_sorted(t, res, dup_row);
	if (r < 0)
		return r;
	if (r > 0) {
		*dup = r == 2;
		return 0;
	}
	group = trex_calloc(t->csv->nrows + 1, sizeof(uint32_t));
	if (!group || sdc_group(t, res, (size_t)-1, group, &ng) < 0)
		return -ENOMEM;
	if (ng == t->csv->nrows)
		return 0;
	/* ids come in order of first appearance: the first row that does not
	 * open a new group repeats an earlier key */
	for (size_t row = 0; row < t->csv->nrows; row++) {
		if (group[row] == seen) {
			seen++;
			continue;
		}
		*dup_row = row;
		*dup = true;
		return 0;
	}
	return 0;
}

/* Class disclosure: within a slice of the table (all dimensions fixed but
 * one), every unit falls in one category, so membership of the slice
 * reveals the attribute. Only released zeros give it away (a suppressed
 * zero could be anything below the threshold); suppression cannot fix it,
 * so a checker must judge. */
void sdc_class_note(const struct sdc_table *t, struct sdc_result *res, size_t row, size_t d)
{
	sdc_note(res, t, row, t->decl->count, "class_disclosure", NULL, "review",
		 "every unit of this slice has the same %s", t->decl->dims[d]);
	sdc_reason(res, "class_disclosure", SDC_REVIEW, "class disclosure: a slice has a single non-zero category of %s",
		   t->decl->dims[d]);
}

/* sdc_class_disclosure for key spaces too large to index: a grouping and a
 * pass per dimension. */
static int sdc_class_disclosure_grouped(const struct policy *pol, const struct sdc_table *t,
					const long *counts, struct sdc_result *res, bool series)
{
	size_t n = t->csv->nrows, nd = t->decl->ndims, ng, srow = (size_t)-1, sd = 0;
	uint32_t *group = sdc_group_array(res, n);
	/* 32-bit: rows are capped at CSV_MAX_ROWS; sized for the worst case
	 * but only the first ng entries (one per slice) are touched */
	_cleanup_free_ uint32_t *cells = trex_calloc(n + 1, sizeof(uint32_t));
	_cleanup_free_ uint32_t *nonzero = trex_calloc(n + 1, sizeof(uint32_t));
	_cleanup_free_ uint32_t *hidden0 = trex_calloc(n + 1, sizeof(uint32_t));
	_cleanup_free_ uint32_t *first = trex_calloc(n + 1, sizeof(uint32_t));
	_cleanup_free_ struct sdc_series *ser = series ? trex_calloc(n + 1, sizeof(*ser)) : NULL;
	bool found = false;

	if (!group || !cells || !nonzero || !hidden0 || !first || (series && !ser))
		return -ENOMEM;
	for (size_t d = 0; d < nd; d++) {
		if (sdc_group(t, res, d, group, &ng) < 0)
			return -ENOMEM;
		memset(cells, 0, ng * sizeof(uint32_t));
		memset(nonzero, 0, ng * sizeof(uint32_t));
		memset(hidden0, 0, ng * sizeof(uint32_t));
		if (series)
			memset(ser, 0, ng * sizeof(*ser));
		for (size_t r = 0; r < n; r++) {
			size_t g = group[r];
			if (counts[r] < 0 || sdc_row_is_total(t, r))
				continue;
			if (series)
				sdc_series_push(&ser[g], counts[r], res->state[r] != CELL_OK,
						(uint32_t)r, pol->safe_threshold);
			cells[g]++;
			if (counts[r] > 0) {
				if (!nonzero[g]++)
					first[g] = (uint32_t)r;
			} else if (res->state[r] != CELL_OK) {
				hidden0[g]++;
			}
		}
		for (size_t g = 0; g < ng && !found; g++) {
			if (cells[g] < 2 || nonzero[g] != 1 || hidden0[g])
				continue;
			sdc_class_note(t, res, first[g], d);
			found = true;
		}
		if (series && srow == (size_t)-1) {
			struct sdc_series_judge j;
			sdc_series_judge_init(&j);
			for (size_t g = 0; g < ng; g++)
				sdc_series_judge_add(&j, &ser[g]);
			if (sdc_series_judge_holds(&j))
				srow = j.row, sd = d;
		}
	}
	if (srow != (size_t)-1)
		sdc_series_found(res, srow, t->decl->dims[sd]);
	return 0;
}

static int sdc_class_disclosure(const struct policy *pol, const struct sdc_table *t,
				const long *counts, struct sdc_result *res, bool series)
{
	size_t n = t->csv->nrows, nd = t->decl->ndims, srow = (size_t)-1, sd = 0;
	struct sdc_slices s;
	/* a slice's counters side by side: one cache line per row and
	 * dimension rather than four */
	struct class_slice {
		uint32_t cells, nonzero, hidden0, first;
	};
	_cleanup_free_ struct class_slice *buf = NULL;
	_cleanup_free_ struct sdc_series *sbuf = NULL;
	struct class_slice *sl[MANIFEST_MAX_DIMS];
	struct sdc_series *ser[MANIFEST_MAX_DIMS];
	/* a dimension whose counts went down in a slice holds no series:
	 * fed no more (its judge is false either way) */
	bool sdown[MANIFEST_MAX_DIMS] = {false};
	bool found = false;
	int r;

	r = sdc_slices_init(t, res, &s);
	if (r != 0) {
		sdc_slices_free(&s);
		return r < 0 ? -ENOMEM : sdc_class_disclosure_grouped(pol, t, counts, res, series);
	}
	/* every dimension's slices in one pass over the rows (a pass per
	 * dimension read the codes and counts of the whole table each time);
	 * per-slice arrays sized for the worst case, touched per slice */
	buf = trex_calloc(nd * (n + 1), sizeof(*buf));
	sbuf = series ? trex_calloc(nd * (n + 1), sizeof(*sbuf)) : NULL;
	if (!buf || (series && !sbuf)) {
		sdc_slices_free(&s);
		return -ENOMEM;
	}
	for (size_t d = 0; d < nd; d++) {
		sl[d] = buf + d * (n + 1);
		ser[d] = series ? sbuf + d * (n + 1) : NULL;
	}
	for (size_t row = 0; row < n; row++) {
		uint32_t gs[MANIFEST_MAX_DIMS];

		sdc_slices_row(&s, res, row, gs);
		if (counts[row] < 0 || sdc_row_is_total(t, row))
			continue;
		for (size_t d = 0; d < nd; d++) {
			uint32_t g = gs[d];
			struct class_slice *c = &sl[d][g];
			if (series && !sdown[d]) {
				sdc_series_push(&ser[d][g], counts[row], res->state[row] != CELL_OK,
						(uint32_t)row, pol->safe_threshold);
				sdown[d] = ser[d][g].down;
			}
			c->cells++;
			if (counts[row] > 0) {
				if (!c->nonzero++)
					c->first = (uint32_t)row;
			} else if (res->state[row] != CELL_OK) {
				c->hidden0++;
			}
		}
	}
	for (size_t d = 0; d < nd; d++) {
		for (size_t g = 0; g < s.ng[d] && !found; g++) {
			const struct class_slice *c = &sl[d][g];
			if (c->cells < 2 || c->nonzero != 1 || c->hidden0)
				continue;
			sdc_class_note(t, res, c->first, d);
			found = true;
		}
		if (series && srow == (size_t)-1 && !sdown[d]) {
			struct sdc_series_judge j;
			sdc_series_judge_init(&j);
			for (size_t g = 0; g < s.ng[d]; g++)
				sdc_series_judge_add(&j, &ser[d][g]);
			if (sdc_series_judge_holds(&j))
				srow = j.row, sd = d;
		}
	}
	if (srow != (size_t)-1)
		sdc_series_found(res, srow, t->decl->dims[sd]);
	sdc_slices_free(&s);
	return 0;
}

static int sdc_check_frequency(const struct policy *pol, const struct sdc_table *t,
			       struct sdc_result *res, struct trex_err *err)
{
	const struct csv_table *c = t->csv;
	/* kept in res: the undeclared-margin test reads them again */
	long *counts = res->counts = trex_calloc(c->nrows + 1, sizeof(long));
	size_t ones = 0, inner = 0, dup;
	bool isdup;

	if (!counts)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	if (sdc_duplicate_keys(t, res, &dup, &isdup) < 0)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	if (isdup) {
		sdc_note(res, t, dup, t->decl->count, "microdata", NULL, "fail",
			 "rows are not unique over the dimensions: record-level data");
		sdc_reason(res, "microdata", SDC_FAIL,
			   "rows are not unique over the declared dimensions (microdata?)");
		return 0;
	}
	for (size_t r = 0; r < c->nrows; r++) {
		counts[r] = sdc_count_cell(pol, t, r, t->count_col, t->decl->count, res);
		if (counts[r] < 0 || sdc_row_is_total(t, r))
			continue;
		inner++;
		ones += counts[r] == 1;
	}
	/* A "table" whose cells are mostly 1 lists individuals. */
	if (inner >= 4 && ones * 2 > inner) {
		sdc_reason(res, "mostly_ones", SDC_FAIL,
			   "%zu of %zu cells have count 1: record-level data disguised as a table",
			   ones, inner);
		return 0;
	}
	if (res->verdict == SDC_FAIL)
		return 0;
	if (pol->method == POLICY_ROUND) {
		/* any other measure (a percentage, a rate) would give the
		 * unrounded count back */
		for (size_t col = 0; col < c->ncols; col++) {
			bool known = (int)col == t->count_col;
			for (size_t d = 0; d < t->decl->ndims; d++)
				known |= t->dim_col[d] == (int)col;
			if (!known) {
				sdc_reason(res, "unrounded_column", SDC_REVIEW,
					   "column '%s' is not rounded and would reveal the counts",
					   csv_header(c, col));
			}
		}
		/* class disclosure too: rounding keeps a zero a zero (a
		 * redacted one is hidden as a suppressed one is); no series,
		 * whose steps rounding blurs */
		int rc = round_frequency(pol, t, res, err);
		if (rc < 0)
			return rc;
		if (sdc_class_disclosure(pol, t, counts, res, false) < 0)
			return trex_err_set(err, -ENOMEM, "%s", t->name);
		return 0;
	}
	for (size_t r = 0; r < c->nrows; r++)
		if (counts[r] >= 0)
			sdc_primary(pol, t, r, t->decl->count, counts[r], res);
	if (sdc_class_disclosure(pol, t, counts, res, true) < 0)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	return 0;
}

/* Magnitude tables: threshold on contributors, then (n,k)-dominance and the
 * p% rule from the largest contributions, which never leave. */
/* What every row of a magnitude table needs: its reasons formatted once
 * (the same on every cell they fail). */
void sdc_magnitude_init(const struct policy *pol, struct sdc_magnitude *m)
{
	snprintf(m->dominance_reason, sizeof(m->dominance_reason),
		 pol->anchor == POLICY_ANCHOR_TAU_ARGUS
			 ? "the %ld largest contributions exceed %g%% of the cell"
			 : "the %ld largest contributions are %g%% of the cell or more",
		 pol->safe_nk_n, pol->safe_nk_k * 100);
	snprintf(m->pratio_reason, sizeof(m->pratio_reason),
		 "the rest after the two largest is < %g%% of the largest",
		 pol->safe_pratio_p * 100);
}

/* The (n,k)-dominance and p% tests of a cell of total `total` > 0 whose
 * largest contributions are x[0] >= x[1] >= ... (top: the n largest
 * summed), each computed as its anchor computes it, so the boundaries
 * fall where they fall there:
 * - ACRO 1.0.1 (sdcchecks.py): top / total >= k fails; p%: (total - (x0 +
 *   x1)) / x0 < p fails, and with x0 = 0 the rest itself is compared (so a
 *   cell of zeros fails: 0 < p);
 * - tau-ARGUS (libtauargus Table.cpp, DataCell.cpp): top * 100 / total > k
 *   x 100 fails (a cell of 0 has dominance 0); p%: p x0 + (x0 + x1 - total)
 *   > 0 fails.
 * The operations are the anchor's, in its order: ACRO's rest is the sum
 * less the sum of the two largest (top_2_sum), not the sum less each in
 * turn, which rounds differently (1.5 - 1.0 - 0.4 < 0.1 of 1.0, 1.5 - 1.4
 * is not). tau-ARGUS is given k and p in percent (85, 10) where a pack
 * holds fractions: k x 100 is not always that integer (0.57 x 100 =
 * 56.99999999999999), so the percentage is taken to 6 decimals, and p as
 * tau-ARGUS divides it (p / 100). */
static double sdc_percent(double frac)
{
	return nearbyint(frac * 100.0 * 1e6) / 1e6;
}

static bool sdc_dominant(const struct policy *pol, double top, double total)
{
	if (pol->anchor == POLICY_ANCHOR_TAU_ARGUS)
		return total != 0 && top * 100.0 / total > sdc_percent(pol->safe_nk_k);
	return total != 0 && top / total >= pol->safe_nk_k;
}

static bool sdc_pratio_fails(const struct policy *pol, double x0, double x1, double total)
{
	double rest = total - (x0 + x1);

	if (pol->anchor == POLICY_ANCHOR_TAU_ARGUS)
		return sdc_percent(pol->safe_pratio_p) / 100 * x0 + ((x0 + x1) - total) > 0;
	return (x0 == 0 ? rest : rest / x0) < pol->safe_pratio_p;
}

/* A magnitude table's cell: threshold on contributors, then (n,k)-dominance
 * and the p% rule from the largest contributions, which never leave. Reads
 * row r of c, decides on data row `row` of the file. *value gets the
 * cell's value (NAN when missing or not a number) for the margin tests.
 *
 * Negative contributions (a negative total, a negative largest, or largest
 * that sum to more than the total, which a negative contribution among the
 * rest must then offset) leave dominance undefined: ACRO holds such a cell
 * for review ("dominance not defined when negative values are present");
 * tau-ARGUS ranks contributions by absolute value, which a table does not
 * give: review under both. A cell of total 0 with contributors is flagged
 * as its anchor flags it: by ACRO's p% rule (x0 = 0), or by tau-ARGUS's
 * zero rule when the pack's zeros are disclosive. */
bool sdc_magnitude_row(const struct policy *pol, const struct sdc_table *t,
		       const struct sdc_magnitude *m, const struct csv_table *c, size_t r,
		       size_t row, struct sdc_result *res, double *value)
{
	const struct output_decl *d = t->decl;
	long n = sdc_count_text(pol, csv_field(c, r, (size_t)t->contrib_col), row,
				d->contributors, res);
	double total, x[64], top = 0, largest = 0;
	const char *vs = csv_field(c, r, (size_t)t->value_col);
	int pr = sdc_parse_number(vs, &total);
	bool have_largest = true, negative;

	*value = pr == 0 ? total : NAN;
	if (n < 0)
		return false;
	if (pr == 1) {
		if (pol->check_missing_values) {
			sdc_note(res, t, row, d->value, "missing", NULL, "review",
				 "missing value in %s", d->value);
			sdc_worsen(res, SDC_REVIEW);
		}
		return false;
	}
	if (pr < 0) {
		sdc_note(res, t, row, d->value, "invalid_value", NULL, "fail",
			 "%.64s is not a number", d->value);
		sdc_worsen(res, SDC_FAIL);
		return false;
	}
	if (n < pol->safe_threshold && !(n == 0 && !pol->zeros_are_disclosive)) {
		res->nprimary++;
		sdc_note_counts(res, row, d->value, "threshold",
				sdc_shared(res, 0, sdc_threshold_params, pol), "primary", "", n,
				" contributors < threshold ", pol->safe_threshold);
		return true;
	}
	for (size_t i = 0; i < d->nlargest; i++) {
		if (sdc_parse_number(csv_field(c, r, (size_t)t->largest_col[i]), &x[i]) != 0) {
			have_largest = false;
			break;
		}
		largest += x[i];
	}
	negative = total < 0;
	for (size_t i = 0; have_largest && i < d->nlargest; i++)
		negative |= x[i] < 0;
	/* largest above the total, beyond what printing the figures rounds */
	if (have_largest && d->nlargest && total - largest < -1e-9 * fmax(1.0, fabs(total)))
		negative = true;
	if (negative) {
		sdc_note(res, t, row, d->value, "dominance", NULL, "review",
			 "negative contributions: dominance and p%% are not defined");
		sdc_worsen(res, SDC_REVIEW);
		return false;
	}
	if (!have_largest) {
		sdc_note(res, t, row, d->value, "dominance", NULL, "review",
			 "largest contributions unusable: dominance cannot be checked");
		sdc_worsen(res, SDC_REVIEW);
		return false;
	}
	if (total == 0 && n > 0 && pol->anchor == POLICY_ANCHOR_TAU_ARGUS) {
		if (!pol->zeros_are_disclosive)
			return false;
		res->nprimary++;
		sdc_note(res, t, row, d->value, "zero", json_pack("{s:b}", "zeros_are_disclosive", 1),
			 "primary", "a value of 0 from %ld contributors (tau-ARGUS's zero rule)", n);
		return true;
	}
	if (d->nlargest < 2 || (total == 0 && n == 0))
		return false; /* the file is held for review (or the cell is empty) */
	for (long i = 0; i < pol->safe_nk_n && (size_t)i < d->nlargest; i++)
		top += x[i];
	if (sdc_dominant(pol, top, total)) {
		res->nprimary++;
		sdc_note_fixed(res, row, d->value, "dominance",
			       sdc_shared(res, 1, sdc_dominance_params, pol), "primary",
			       m->dominance_reason);
		return true;
	}
	/* p%: the second largest contributor can estimate the largest to
	 * within p% from the total minus its own value. */
	if (sdc_pratio_fails(pol, x[0], x[1], total)) {
		res->nprimary++;
		sdc_note_fixed(res, row, d->value, "p-ratio",
			       sdc_shared(res, 2, sdc_pratio_params, pol), "primary",
			       m->pratio_reason);
		return true;
	}
	return false;
}

/* What the declaration alone decides, before any cell: the largest
 * contributions never leave (drop_col of the released copy), and too few
 * of them declared is a reason for review. */
void sdc_magnitude_declared(const struct policy *pol, const struct sdc_table *t,
			    struct sdc_result *res, bool *drop_col)
{
	const struct output_decl *d = t->decl;

	for (size_t i = 0; i < d->nlargest; i++)
		drop_col[t->largest_col[i]] = true;
	if ((size_t)pol->safe_nk_n > d->nlargest || d->nlargest < 2) {
		sdc_reason(res, "dominance", SDC_REVIEW,
			   "dominance and p%% rules need the %ld largest contributions per cell (declared %zu)",
			   pol->safe_nk_n > 2 ? pol->safe_nk_n : 2, d->nlargest);
	}
}

static int sdc_check_magnitude(const struct policy *pol, const struct sdc_table *t,
			       struct sdc_result *res, struct trex_err *err)
{
	const struct csv_table *c = t->csv;
	struct sdc_magnitude m;
	size_t dup;
	bool isdup;

	sdc_magnitude_init(pol, &m);
	if (sdc_duplicate_keys(t, res, &dup, &isdup) < 0)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	if (isdup) {
		sdc_reason(res, "microdata", SDC_FAIL,
			   "rows are not unique over the declared dimensions (microdata?)");
		return 0;
	}
	sdc_magnitude_declared(pol, t, res, res->drop_col);
	for (size_t r = 0; r < c->nrows; r++) {
		double v;
		if (sdc_magnitude_row(pol, t, &m, c, r, r, res, &v))
			res->state[r] = CELL_PRIMARY;
	}
	return 0;
}

static int sdc_check_regression(const struct policy *pol, const struct sdc_table *t,
				struct sdc_result *res, struct trex_err *err)
{
	const struct csv_table *c = t->csv;

	for (size_t r = 0; r < c->nrows; r++) {
		double v;
		const char *s = csv_field(c, r, (size_t)t->dof_col);
		int pr = sdc_parse_number(s, &v);
		if (pr != 0 || v < pol->safe_dof_threshold) {
			json_t *p = json_pack("{s:I}", "safe_dof_threshold",
					      (json_int_t)pol->safe_dof_threshold);
			if (pr != 0)
				sdc_note(res, t, r, t->decl->dof, "dof", p, "fail",
					 "residual degrees of freedom in %.64s are not a number",
					 t->decl->dof);
			else
				sdc_note(res, t, r, t->decl->dof, "dof", p, "fail",
					 "residual degrees of freedom %g < %ld", v,
					 pol->safe_dof_threshold);
			sdc_worsen(res, SDC_FAIL);
		}
	}
	if (res->verdict == SDC_FAIL)
		sdc_reason(res, "dof", SDC_FAIL, "residual degrees of freedom below %ld",
			   pol->safe_dof_threshold);
	return 0;
}

void sdc_summarise(const struct policy *pol, const struct sdc_table *t,
			  struct sdc_result *res)
{
	size_t n = res->ncells;

	if (pol->method == POLICY_ROUND && t->decl->kind == KIND_FREQUENCY)
		snprintf(res->summary, sizeof(res->summary),
			 "%zu of %zu cells redacted (<= %ld), %zu rounded to %ld", res->nredacted, n,
			 pol->redact_at_or_below, res->nrounded, pol->rounding_base);
	else if (pol->method == POLICY_ROUND && (res->nredacted || res->nrounded))
		snprintf(res->summary, sizeof(res->summary),
			 "%zu of %zu cells suppressed (primary), %zu secondary, %zu redacted (<= %ld), %zu counts rounded to %ld",
			 res->nprimary, n, res->nsecondary, res->nredacted, pol->redact_at_or_below,
			 res->nrounded, pol->rounding_base);
	else if (res->nprimary || res->nsecondary)
		snprintf(res->summary, sizeof(res->summary),
			 "%zu of %zu cells suppressed (primary), %zu secondary", res->nprimary, n,
			 res->nsecondary);
	else
		snprintf(res->summary, sizeof(res->summary), "%zu cells, none disclosive", n);
}

/* The declared name of column col, or NULL when the declaration does
 * not name it (its header is the job's: never quoted). */
static const char *sdc_declared_name(const struct sdc_table *t, size_t col)
{
	const struct output_decl *d = t->decl;
	int c = (int)col;

	for (size_t i = 0; i < d->ndims; i++)
		if (t->dim_col[i] == c)
			return d->dims[i];
	for (size_t i = 0; i < d->nlargest; i++)
		if (t->largest_col[i] == c)
			return d->largest[i];
	if (t->count_col == c)
		return d->count;
	if (t->value_col == c)
		return d->value;
	if (t->contrib_col == c)
		return d->contributors;
	if (t->dof_col == c)
		return d->dof;
	return NULL;
}

/* Any field holding a pseudonymised identifier of the dataset (whole or
 * inside its text, idindex.c) fails the file, whatever its rules said: it
 * is record-level data. The report names the row (1-based, 0 the header)
 * and column, never the value; the column by its declared name, else by
 * position. Every label of such a table may hold one, so the keys of its
 * cells are withheld from the report (keys_hidden). */
void sdc_identifier(const struct sdc_table *t, struct sdc_result *res, size_t row, size_t col)
{
	const char *name = sdc_declared_name(t, col);
	char pos[32];

	snprintf(pos, sizeof(pos), "column %zu", col + 1);
	/* the decision's column, owned: a streamed table's header does not
	 * outlive its check, and the report may be written after it */
	trex_free(res->id_measure);
	res->id_measure = trex_strdup(name ? name : pos);
	res->keys_hidden = true;
	if (row > 0)
		sdc_note(res, t, row - 1, res->id_measure ? res->id_measure : "?", "identifier",
			 NULL, "fail", "%.64s holds a pseudonymised identifier of the dataset",
			 name ? name : pos);
	sdc_reason(res, "identifier", SDC_FAIL,
		   "identifier: row %zu, column %zu (%.64s) holds a pseudonymised identifier of the dataset",
		   row, col + 1, row ? (name ? name : "undeclared") : "header");
	snprintf(res->summary, sizeof(res->summary), "identifier leak");
}

/* A frequency or magnitude table holds only the columns its declaration
 * names (issue #11 item 7a): anything else would leave word for word,
 * since no rule reads it. The file fails; the reason names the columns
 * by position, never by the header the job gave them. */
void sdc_undeclared_columns(const struct sdc_table *t, struct sdc_result *res)
{
	const struct output_decl *d = t->decl;
	const size_t nc = t->csv->ncols;
	bool named[CSV_MAX_COLS] = {false};
	char list[128];
	size_t n;

	if (d->kind != KIND_FREQUENCY && d->kind != KIND_MAGNITUDE)
		return;
	for (size_t i = 0; i < d->ndims; i++)
		named[t->dim_col[i]] = true;
	for (size_t i = 0; i < d->nlargest; i++)
		named[t->largest_col[i]] = true;
	if (t->count_col >= 0)
		named[t->count_col] = true;
	if (t->value_col >= 0)
		named[t->value_col] = true;
	if (t->contrib_col >= 0)
		named[t->contrib_col] = true;
	if (t->dof_col >= 0)
		named[t->dof_col] = true;
	n = sdc_column_list(named, nc, list, sizeof(list));
	if (n)
		sdc_reason(res, "undeclared_column", SDC_FAIL,
			   "undeclared column: %zu column(s) not named by the declaration (column %s of %zu): a table may hold only its declared columns",
			   n, list, nc);
}

int sdc_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
	      struct trex_err *err)
{
	int r = sdc_codes_build(t, res);
	bool held = false;

	if (r < 0)
		return trex_err_set(err, r, "%s", t->name);
	switch (t->decl->kind) {
	case KIND_FREQUENCY:
		r = sdc_check_frequency(pol, t, res, err);
		break;
	case KIND_MAGNITUDE:
		r = sdc_check_magnitude(pol, t, res, err);
		break;
	case KIND_SUMMARY:
		r = summary_check(pol, t, res, err);
		if (r == 0)
			r = derived_check_summary(pol, t, res, err);
		break;
	case KIND_REGRESSION:
		r = sdc_check_regression(pol, t, res, err);
		if (r == 0)
			r = derived_check_regression(pol, t, res, err);
		break;
	case KIND_SURVIVAL:
		r = survival_check(pol, t, res, err);
		break;
	default:
		sdc_reason(res, "no_automatic_check", SDC_REVIEW, "no automatic check for kind %s",
			   manifest_kind_name(t->decl->kind));
		return 0;
	}
	if (r < 0)
		return r;
	/* totals are checked whatever the cells (totals.c) */
	if (res->verdict != SDC_FAIL && (r = sdc_totals_declared(pol, t, res, &held, err)) < 0)
		return r;
	if (res->verdict != SDC_FAIL && t->decl->kind == KIND_SUMMARY && t->decl->total_codes &&
	    t->count_col >= 0 && (r = summary_totals(pol, t, res, &held, err)) < 0)
		return r;
	if (res->nprimary && res->verdict != SDC_FAIL) {
		sdc_worsen(res, SDC_SUPPRESSED);
		sdc_undeclared_margins(t, res);
		if (t->joint) {
			/* the complements were chosen over the joint system */
			if ((r = joint_apply(pol, t, res, held, err)) < 0)
				return r;
		} else if (t->decl->total_codes && !held &&
			   (t->decl->kind == KIND_FREQUENCY || t->decl->kind == KIND_MAGNITUDE)) {
			r = suppress_secondary(pol, t, res, err);
			if (r == 0)
				r = audit_suppression(pol, t, res, err);
			if (r < 0)
				return r;
		}
		if (t->decl->total_codes && !held && t->decl->kind == KIND_SUMMARY &&
		    (r = summary_suppress(pol, t, res, err)) < 0)
			return r;
	} else if (res->verdict != SDC_FAIL) {
		/* no primary cell of its own: the joint system may still hide
		 * cells that give another table's back */
		if (t->joint && (r = joint_apply(pol, t, res, held, err)) < 0)
			return r;
		if ((r = sdc_totals_named(pol, t, res, err)) < 0)
			return r;
	}
	/* every count a rounding pack releases is rounded (round.c) */
	if (pol->method == POLICY_ROUND && res->verdict != SDC_FAIL &&
	    (t->decl->kind == KIND_SUMMARY || t->decl->kind == KIND_MAGNITUDE) &&
	    (r = round_counts(pol, t, res, err)) < 0)
		return r;
	if ((res->nredacted || res->nrounded) && res->verdict == SDC_PASS)
		sdc_worsen(res, SDC_SUPPRESSED);
	sdc_undeclared_columns(t, res);
	sdc_summarise(pol, t, res);
	return 0;
}
