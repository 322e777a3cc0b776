/* Margins: totals a table holds under any name, declared or not. A margin
 * nobody declared is the classic leak (the hidden cell is the total minus
 * the rest), so codes that name a total, and sums that behave like one,
 * are found here and held for review. */
#include "sdc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "cleanup.h"

/* A margin under any name: along one dimension, in every slice (all other
 * dimensions fixed) the same code holds the sum of the others. One slice
 * alone could be a coincidence (4 + 5 = 9), so a 1-D table needs three
 * non-zero parts and a larger table the same code in every slice. */
/* A cell's value for the margin test: false when missing. */
static inline bool sdc_margin_value(const long *counts, const double *val, size_t r, double *v)
{
	if (counts) {
		*v = (double)counts[r];
		return counts[r] >= 0;
	}
	*v = val[r];
	return !isnan(*v);
}

/* Per-slice sums of one dimension, and the verdict on them. */
struct sdc_margin_slice {
	double sum, max;
	uint32_t nonzero, argmax;
};

static inline void sdc_margin_add(struct sdc_margin_slice *m, uint32_t g, double v, size_t r)
{
	struct sdc_margin_slice *x = &m[g];
	x->sum += v;
	x->nonzero += v != 0;
	if (v > x->max) {
		x->max = v;
		x->argmax = (uint32_t)r;
	}
}

/* Does a slice (of nslices) hold its own margin: its largest cell the
 * total of the rest (sum = 2 * max), of at least two non-zero parts, three
 * when it is the table's only slice (see above; the same code in every
 * slice is the callers' to check)? Shared by both check paths. */
bool sdc_margin_holds(double sum, double max, uint32_t nonzero, size_t nslices)
{
	return nonzero >= (nslices == 1 ? 4u : 3u) && max > 0 && fabs(sum - 2 * max) <= 1e-9;
}

/* Does dimension k declare total codes? */
static bool sdc_dim_declares_totals(const struct output_decl *d, size_t k)
{
	json_t *codes = d->total_codes ? json_object_get(d->total_codes, d->dims[k]) : NULL;

	return codes && json_array_size(codes) > 0;
}

/* Does dimension d hold an undeclared margin (ng slices)? Reports it when
 * it does. */
static bool sdc_margin_judge(const struct sdc_table *t, struct sdc_result *res, size_t d,
			     const struct sdc_margin_slice *m, size_t ng)
{
	size_t slices = 0, holds = 0, first = (size_t)-1;
	bool same_code = true;

	/* a dimension with declared totals has its margins declared; the
	 * others are searched whatever another dimension declares */
	if (sdc_dim_declares_totals(t->decl, d))
		return false;

	for (size_t g = 0; g < ng; g++) {
		slices++;
		if (!sdc_margin_holds(m[g].sum, m[g].max, m[g].nonzero, ng))
			continue;
		holds++;
		if (first == (size_t)-1)
			first = m[g].argmax;
		else if (strcmp(csv_field(t->csv, first, (size_t)t->dim_col[d]),
				csv_field(t->csv, m[g].argmax, (size_t)t->dim_col[d])))
			same_code = false;
	}
	if (!holds || holds != slices || !same_code)
		return false;
	sdc_margin_found(res, csv_field(t->csv, first, (size_t)t->dim_col[d]), t->decl->dims[d]);
	return true;
}

void sdc_margin_found(struct sdc_result *res, const char *code, const char *dim)
{
	sdc_reason(res, "undeclared_margin", SDC_REVIEW,
		   "code '%s' of %s looks like an undeclared margin (the sum of its slice): declare total_codes",
		   code, dim);
}

/* sdc_numeric_margin for key spaces too large to index: a grouping and a
 * pass per dimension. */
static bool sdc_numeric_margin_grouped(const struct sdc_table *t, struct sdc_result *res,
				       const long *counts, const double *val)
{
	size_t n = t->csv->nrows;
	/* per-slice arrays: sized for the worst case, only the first ng
	 * entries touched */
	uint32_t *group = sdc_group_array(res, n);
	_cleanup_free_ struct sdc_margin_slice *m = trex_calloc(n + 1, sizeof(*m));
	size_t ng;

	if (!group || !m)
		return false;
	for (size_t d = 0; d < t->decl->ndims; d++) {
		if (sdc_group(t, res, d, group, &ng) < 0)
			return false;
		memset(m, 0, ng * sizeof(*m));
		for (size_t r = 0; r < n; r++) {
			double v;
			if (sdc_margin_value(counts, val, r, &v))
				sdc_margin_add(m, group[r], v, r);
		}
		if (sdc_margin_judge(t, res, d, m, ng))
			return true;
	}
	return false;
}

/* A column's numbers, NAN where a field is not one; NULL without memory. */
static double *sdc_column_values(const struct sdc_table *t, int col)
{
	const size_t n = t->csv->nrows;
	double *val = trex_calloc(n + 1, sizeof(double));

	for (size_t row = 0; val && row < n; row++)
		if (sdc_parse_number(csv_field(t->csv, row, (size_t)col), &val[row]) != 0)
			val[row] = NAN;
	return val;
}

static bool sdc_numeric_margin(const struct sdc_table *t, struct sdc_result *res)
{
	size_t n = t->csv->nrows, nd = t->decl->ndims;
	int col = t->count_col >= 0 ? t->count_col : t->value_col;
	/* A frequency table's counts were parsed by its rules: when this
	 * runs no count was invalid (that fails the file first), so the
	 * parsed counts are the cells' values, -1 standing for missing. */
	const long *counts = t->decl->kind == KIND_FREQUENCY && col == t->count_col ? res->counts : NULL;
	_cleanup_free_ double *val = NULL;
	_cleanup_free_ struct sdc_margin_slice *buf = NULL;
	struct sdc_margin_slice *m[MANIFEST_MAX_DIMS];
	struct sdc_slices s;
	bool found = false;
	int r;

	if (col < 0)
		return false;
	if (!counts && !(val = sdc_column_values(t, col)))
		return false;
	r = sdc_slices_init(t, res, &s);
	if (r != 0) {
		sdc_slices_free(&s);
		return r > 0 && sdc_numeric_margin_grouped(t, res, counts, val);
	}
	/* every dimension's slices in one pass over the rows; per-slice
	 * arrays sized for the worst case, touched per slice */
	buf = trex_calloc(nd * (n + 1), sizeof(*buf));
	if (!buf) {
		sdc_slices_free(&s);
		return false;
	}
	for (size_t d = 0; d < nd; d++) {
		m[d] = buf + d * (n + 1);
	}
	for (size_t row = 0; row < n; row++) {
		uint32_t gs[MANIFEST_MAX_DIMS];
		double v;

		sdc_slices_row(&s, res, row, gs);
		if (!sdc_margin_value(counts, val, row, &v))
			continue;
		for (size_t d = 0; d < nd; d++)
			sdc_margin_add(m[d], gs[d], v, row);
	}
	for (size_t d = 0; d < nd && !found; d++)
		found = sdc_margin_judge(t, res, d, m[d], s.ng[d]);
	sdc_slices_free(&s);
	return found;
}

/* A margin nobody declared is the classic leak: the hidden cell is the
 * total minus the rest. Codes that name a total are held for review. */
bool sdc_margin_name(const char *code)
{
	static const char *const names[] = {"total", "all", "overall", "sum", "ensemble",
					    "tous", "(all)", "margin", "totals"};
	for (size_t i = 0; i < TREX_ARRAY_LEN(names); i++)
		if (!strcasecmp(code, names[i]))
			return true;
	return false;
}

void sdc_margin_named(struct sdc_result *res, const char *code, const char *dim)
{
	sdc_reason(res, "undeclared_margin", SDC_REVIEW,
		   "code '%s' of %s looks like a margin: declare total_codes so suppression protects it",
		   code, dim);
}

/* A margin of part of a slice (series.c): every cell's value in row
 * order into its slices' runs, declared totals left out; the first
 * dimension whose slices hold one is reported. */
static bool sdc_nested_margin(const struct sdc_table *t, struct sdc_result *res)
{
	size_t n = t->csv->nrows, nd = t->decl->ndims;
	int col = t->count_col >= 0 ? t->count_col : t->value_col;
	const long *counts = t->decl->kind == KIND_FREQUENCY && col == t->count_col ? res->counts : NULL;
	_cleanup_free_ double *val = NULL;
	_cleanup_free_ struct sdc_run *buf = NULL;
	struct sdc_run *run[MANIFEST_MAX_DIMS];
	size_t ng[MANIFEST_MAX_DIMS] = {0};
	bool dead[MANIFEST_MAX_DIMS] = {false};
	struct sdc_slices s;
	uint32_t *group = NULL;
	int r;

	if (col < 0)
		return false;
	if (!counts && !(val = sdc_column_values(t, col)))
		return false;
	r = sdc_slices_init(t, res, &s);
	if (r < 0) {
		sdc_slices_free(&s);
		return false;
	}
	/* a dimension has at most as many slices as rows, and as keys of
	 * the others' codes: a run is 120 bytes, and most tables are far
	 * from n slices per dimension */
	{
		size_t cap[MANIFEST_MAX_DIMS], total = 0;
		for (size_t d = 0; d < nd; d++) {
			size_t k = 1;
			for (size_t e = 0; e < nd && k <= n; e++)
				if (e != d)
					k *= res->ncodes[e] ? res->ncodes[e] : 1;
			cap[d] = (k < n ? k : n) + 1;
			total += cap[d];
		}
		buf = trex_calloc(total, sizeof(*buf));
		if (!buf || (r > 0 && !(group = sdc_group_array(res, n)))) {
			sdc_slices_free(&s);
			return false;
		}
		total = 0;
		for (size_t d = 0; d < nd; d++) {
			run[d] = buf + total;
			total += cap[d];
		}
	}
	/* one pass for every dimension, or (key spaces too large to index)
	 * a grouping and a pass per dimension: the same runs either way */
	for (size_t d0 = 0; d0 < (r > 0 ? nd : 1); d0++) {
		const size_t dlo = r > 0 ? d0 : 0, dhi = r > 0 ? d0 + 1 : nd;
		if (r > 0 && sdc_group(t, res, d0, group, &ng[d0]) < 0)
			break;
		size_t ndead = 0;
		for (size_t d = dlo; d < dhi; d++)
			ndead += dead[d];
		/* every dimension ruled out: nothing left to feed */
		for (size_t row = 0; row < n && ndead < dhi - dlo; row++) {
			uint32_t gs[MANIFEST_MAX_DIMS];
			double v;
			bool ok;

			if (r == 0)
				sdc_slices_row(&s, res, row, gs);
			else
				gs[d0] = group[row];
			if (sdc_row_is_total(t, row))
				continue;
			ok = sdc_margin_value(counts, val, row, &v);
			for (size_t d = dlo; d < dhi; d++) {
				struct sdc_run *x = &run[d][gs[d]];
				if (dead[d])
					continue;
				if (!ok) {
					sdc_run_break(x);
					continue;
				}
				sdc_run_push(x, v, res->code[d][row], (uint32_t)row);
				if ((dead[d] = sdc_run_dead(x)))
					ndead++;
			}
		}
	}
	for (size_t d = 0; d < nd; d++) {
		struct sdc_run_judge j;
		size_t nslices = r > 0 ? ng[d] : s.ng[d];

		if (dead[d])
			continue;
		sdc_run_judge_init(&j);
		for (size_t g = 0; g < nslices; g++)
			sdc_run_judge_add(&j, &run[d][g]);
		if (sdc_run_judge_holds(&j)) {
			sdc_slices_free(&s);
			sdc_run_found(res, j.row, j.len, t->decl->dims[d]);
			return true;
		}
	}
	sdc_slices_free(&s);
	return false;
}

/* Named like a margin in part (issue 14 item 6): besides the exact
 * names (sdc_margin_name), a word that says total anywhere in the label
 * (Total North, Grand total, Sub-total, Overall) or one that says all of
 * them first (All ages, Sum of ...). Words are runs of letters, so
 * Totalitarian or Small are not margins; "all" only leads, so a Likert
 * answer (Not at all) is not one either. Asked only of tables with a
 * primary cell, where a margin is held by name. */
bool sdc_margin_label(const char *code)
{
	static const char *const anywhere[] = {"total", "totals", "subtotal", "subtotals", "overall"};
	static const char *const leading[] = {"all", "sum", "ensemble", "tous", "margin"};
	const char *p = code;
	bool first = true;

	if (sdc_margin_name(code))
		return true;
	for (;;) {
		const char *w;
		size_t len;

		while (*p && !isalpha((unsigned char)*p))
			p++;
		if (!*p)
			return false;
		w = p;
		while (isalpha((unsigned char)*p))
			p++;
		len = (size_t)(p - w);
		for (size_t i = 0; i < TREX_ARRAY_LEN(anywhere); i++)
			if (strlen(anywhere[i]) == len && !strncasecmp(w, anywhere[i], len))
				return true;
		for (size_t i = 0; first && i < TREX_ARRAY_LEN(leading); i++)
			if (strlen(leading[i]) == len && !strncasecmp(w, leading[i], len))
				return true;
		first = false;
	}
}

void sdc_undeclared_margins(const struct sdc_table *t, struct sdc_result *res)
{
	const struct output_decl *d = t->decl;

	if (!res->nprimary)
		return;
	/* a numeric margin of a whole slice; a code named like one, in any
	 * dimension where it is not declared; a numeric margin in each
	 * dimension that declares no totals when others do; a margin of
	 * part of a slice (a nested code) */
	if (!d->total_codes && sdc_numeric_margin(t, res))
		return;
	/* each distinct code once; the one named is the first in row order */
	size_t best_row = (size_t)-1, best_k = 0;
	for (size_t k = 0; k < d->ndims; k++)
		for (size_t code = 0; code < res->ncodes[k]; code++) {
			size_t r = res->code_row[k][code];
			const char *c = csv_field(t->csv, r, (size_t)t->dim_col[k]);
			if (r > best_row || (r == best_row && k > best_k))
				continue;
			if (sdc_margin_label(c) && !manifest_is_total(d, d->dims[k], c)) {
				best_row = r;
				best_k = k;
			}
		}
	if (best_row != (size_t)-1) {
		sdc_margin_named(res, csv_field(t->csv, best_row, (size_t)t->dim_col[best_k]),
				 d->dims[best_k]);
		return;
	}
	if (d->total_codes && sdc_numeric_margin(t, res))
		return;
	sdc_nested_margin(t, res);
}
