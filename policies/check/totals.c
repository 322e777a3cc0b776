/* Totals, checked whatever the cells say (issue 13 item 1). A total that
 * is not the sum of its parts discloses their difference: a group the
 * table does not show (x 120, y 45, z 33, Total 201: a group of 3). A
 * total over a missing part gives that part back (x 120, y NA, z 33,
 * Total 156: y is 3). Until now only tables with a primary cell had their
 * totals looked at (by the suppression, which needs them to add up).
 *
 * Declared totals (total_codes): the equations are suppress.c's -- a
 * total is the sum of its hierarchy children when declared, else of
 * every code of its dimension that is not a total -- computed per slice
 * (all other dimensions fixed) in linear time, for tables of any size. A
 * total whose slice has no part at all is a cell (suppress.c drops that
 * equation too). How a pack decides follows its anchor:
 * - acro: ACRO builds its margins itself, so they always add up; a
 *   declared total that does not is held for review (rule margins, on the
 *   total's row), as trex held one when a primary cell existed; a missing
 *   part under a released total is held as ACRO holds missing values
 *   (its MissingCheck: review; rule missing, on the part's row);
 * - tau-argus: tau-ARGUS reads a cell that holds no number as an empty
 *   one (0) and refuses a table that is not additive (TABLENOTADDITIVE):
 *   the missing parts count 0, and a total that still does not add up
 *   fails the file (rule margins).
 *
 * Codes named like a margin (sdc_margin_name: Total, All, ...) that are
 * not declared: with a primary cell they are held by name (rules.c,
 * sdc_undeclared_margins); without one, each such cell must equal the sum
 * of the cells of its slice that are neither declared totals nor named
 * like margins, with no part missing (acro) or missing parts read as 0
 * (tau-argus); otherwise the file is held (undeclared_margin). Both check
 * paths decide this from the same per-slice sums (struct
 * sdc_named_slice), so the streamed check (stream.c) gives the same
 * bytes. */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

bool sdc_totals_differ(double total, double parts)
{
	return fabs(total - parts) > 1e-6 * (1 + fabs(total));
}

bool sdc_named_fails(const struct policy *pol, const struct sdc_named_slice *s,
		     const struct sdc_named_cells *c)
{
	double parts = s->sum - c->nsum;

	if (!c->named || s->valid - c->named + s->missing == 0)
		return false; /* no named cell, or no part: a cell */
	if (s->missing && pol->anchor != POLICY_ANCHOR_TAU_ARGUS)
		return true;
	return sdc_totals_differ(c->nmin, parts) || sdc_totals_differ(c->nmax, parts);
}

void sdc_named_margin_fails(struct sdc_result *res, const char *code, const char *dim)
{
	sdc_reason(res, "undeclared_margin", SDC_REVIEW,
		   "code '%s' of %s looks like a margin and is not the sum of its slice (or gives a missing cell back): declare total_codes",
		   code, dim);
}

bool sdc_code_is_named_margin(const struct output_decl *d, size_t dim, const char *code)
{
	return sdc_margin_name(code) && !manifest_is_total(d, d->dims[dim], code);
}

/* The column the totals add up: a frequency table's count, a magnitude
 * table's value (suppress.c's choice); a summary table is checked through
 * a view of kind frequency over its count (summary.c). */
static int totals_column(const struct sdc_table *t)
{
	return t->decl->kind == KIND_MAGNITUDE ? t->value_col : t->count_col;
}

/* Every row's value of column col, NAN when missing (an invalid number
 * failed the file before any total is looked at). */
static double *totals_values(const struct sdc_table *t, const struct sdc_result *res, int col)
{
	size_t n = t->csv->nrows;
	double *v = trex_calloc(n + 1, sizeof(double));

	if (!v)
		return NULL;
	for (size_t r = 0; r < n; r++) {
		if (res->counts && t->decl->kind == KIND_FREQUENCY && col == t->count_col)
			v[r] = res->counts[r] >= 0 ? (double)res->counts[r] : NAN;
		else if (col < 0 || sdc_parse_number(csv_field(t->csv, r, (size_t)col), &v[r]) != 0)
			v[r] = NAN;
	}
	return v;
}

bool sdc_totals_apply(const struct policy *pol, const struct sdc_table *t)
{
	const struct output_decl *d = t->decl;

	/* rounding packs replace a frequency table's totals by the sums of
	 * their released cells (suppress.c), which give nothing back */
	return d->total_codes &&
	       (d->kind == KIND_MAGNITUDE || (d->kind == KIND_SUMMARY && t->count_col >= 0) ||
		(d->kind == KIND_FREQUENCY && pol->method == POLICY_SUPPRESS));
}

/* One dimension's declared totals: parent k (a total code present in the
 * table) and, per code, the parents it is a part of (CSR). */
struct totals_dim {
	size_t np;
	uint32_t *parent_of; /* per code: parent index + 1, 0 when not a total */
	uint32_t *part_off;  /* per code + 1 */
	uint32_t *part_list; /* parent indexes */
};

static void totals_dim_free(struct totals_dim *x)
{
	trex_free(x->parent_of);
	trex_free(x->part_off);
	trex_free(x->part_list);
	memset(x, 0, sizeof(*x));
}

/* The code id of text in dimension d, or -1 when no row holds it. */
static long totals_code_id(const struct sdc_table *t, const struct sdc_result *res, size_t d,
			   const char *text)
{
	for (size_t c = 0; c < res->ncodes[d]; c++)
		if (!strcmp(csv_field(t->csv, res->code_row[d][c], (size_t)t->dim_col[d]), text))
			return (long)c;
	return -1;
}

static int totals_dim_build(const struct sdc_table *t, const struct sdc_result *res, size_t d,
			    struct totals_dim *x)
{
	const struct output_decl *decl = t->decl;
	const size_t nc = res->ncodes[d];
	json_t *tree = decl->hierarchies ? json_object_get(decl->hierarchies, decl->dims[d]) : NULL;
	_cleanup_free_ uint32_t *pcode = NULL;
	_cleanup_free_ bool *total = NULL;
	size_t nparts = 0;

	memset(x, 0, sizeof(*x));
	x->parent_of = trex_calloc(nc + 1, sizeof(uint32_t));
	x->part_off = trex_calloc(nc + 2, sizeof(uint32_t));
	pcode = trex_calloc(nc + 1, sizeof(uint32_t));
	total = trex_calloc(nc + 1, sizeof(bool));
	if (!x->parent_of || !x->part_off || !pcode || !total)
		return -ENOMEM;
	for (size_t c = 0; c < nc; c++) {
		const char *s = csv_field(t->csv, res->code_row[d][c], (size_t)t->dim_col[d]);
		if ((total[c] = manifest_is_total(decl, decl->dims[d], s))) {
			pcode[x->np] = (uint32_t)c;
			x->parent_of[c] = (uint32_t)++x->np;
		}
	}
	if (!x->np)
		return 0;
	/* two passes over the parents' children: count, then place */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < x->np; k++) {
			const char *ptext = csv_field(t->csv, res->code_row[d][pcode[k]],
						      (size_t)t->dim_col[d]);
			json_t *kids = tree ? json_object_get(tree, ptext) : NULL;
			size_t i;
			json_t *kid;

			if (kids) {
				json_array_foreach(kids, i, kid) {
					long c = totals_code_id(t, res, d, json_string_value(kid));
					if (c < 0)
						continue; /* an absent part adds nothing */
					if (pass == 0)
						x->part_off[c + 1]++;
					else
						x->part_list[x->part_off[c]++] = (uint32_t)k;
				}
				continue;
			}
			for (size_t c = 0; c < nc; c++) {
				if (total[c])
					continue;
				if (pass == 0)
					x->part_off[c + 1]++;
				else
					x->part_list[x->part_off[c]++] = (uint32_t)k;
			}
		}
		if (pass == 0) {
			for (size_t c = 0; c < nc; c++)
				x->part_off[c + 1] += x->part_off[c];
			nparts = x->part_off[nc];
			x->part_list = trex_calloc(nparts + 1, sizeof(uint32_t));
			if (!x->part_list)
				return -ENOMEM;
		}
	}
	/* the placing pass moved each start to the next code's: shift back */
	memmove(x->part_off + 1, x->part_off, nc * sizeof(uint32_t));
	x->part_off[0] = 0;
	return 0;
}

int sdc_totals_declared(const struct policy *pol, const struct sdc_table *t,
			struct sdc_result *res, bool *held, struct trex_err *err)
{
	const struct output_decl *decl = t->decl;

	*held = false;
	if (!sdc_totals_apply(pol, t))
		return 0;
	return sdc_totals_column(pol, t, res, totals_column(t),
				 decl->kind == KIND_MAGNITUDE ? decl->value : decl->count, true,
				 held, err);
}

int sdc_totals_column(const struct policy *pol, const struct sdc_table *t,
		      struct sdc_result *res, int col, const char *measure, bool additive,
		      bool *held, struct trex_err *err)
{
	const struct output_decl *decl = t->decl;
	const size_t n = t->csv->nrows;
	/* a column that does not add up (a mean) has no empty cells to read */
	const bool tau = pol->anchor == POLICY_ANCHOR_TAU_ARGUS && additive;
	_cleanup_free_ double *v = NULL;
	_cleanup_free_ double *diff = NULL;
	_cleanup_free_ unsigned char *flag = NULL; /* per row: 1 total off, 2 part given back */
	_cleanup_free_ uint32_t *g = NULL;
	size_t nbad = 0, ngive = 0;
	int r = 0;

	*held = false;
	v = totals_values(t, res, col);
	diff = trex_calloc(n + 1, sizeof(double));
	flag = trex_calloc(n + 1, 1);
	g = trex_calloc(n + 1, sizeof(uint32_t));
	if (!v || !diff || !flag || !g)
		return trex_err_set(err, -ENOMEM, "%s: totals", t->name);
	for (size_t d = 0; d < decl->ndims && r == 0; d++) {
		struct totals_dim x;
		_cleanup_free_ double *sum = NULL;
		_cleanup_free_ uint32_t *parts = NULL;
		_cleanup_free_ uint32_t *missing = NULL;
		_cleanup_free_ uint32_t *trow = NULL;
		size_t ng = 0;

		r = totals_dim_build(t, res, d, &x);
		if (r == 0 && x.np)
			r = sdc_group(t, res, d, g, &ng);
		if (r < 0 || !x.np) {
			totals_dim_free(&x);
			break;
		}
		sum = trex_calloc(ng * x.np + 1, sizeof(double));
		parts = trex_calloc(ng * x.np + 1, sizeof(uint32_t));
		missing = trex_calloc(ng * x.np + 1, sizeof(uint32_t));
		trow = trex_calloc(ng * x.np + 1, sizeof(uint32_t));
		if (!sum || !parts || !missing || !trow) {
			totals_dim_free(&x);
			r = -ENOMEM;
			break;
		}
		/* every slice's parts, per parent; and its total's row */
		for (size_t row = 0; row < n; row++) {
			uint32_t c = res->code[d][row];
			size_t base = (size_t)g[row] * x.np;
			if (x.parent_of[c])
				trow[base + x.parent_of[c] - 1] = (uint32_t)row + 1;
			for (uint32_t i = x.part_off[c]; i < x.part_off[c + 1]; i++) {
				size_t e = base + x.part_list[i];
				parts[e]++;
				if (isnan(v[row]))
					missing[e]++;
				else
					sum[e] += v[row];
			}
		}
		/* each total against its parts; under acro a missing part is
		 * given back instead (flagged on the parts, below) */
		for (size_t e = 0; e < ng * x.np; e++) {
			size_t row;
			if (!trow[e] || !parts[e] || isnan(v[trow[e] - 1]))
				continue;
			row = trow[e] - 1;
			if (missing[e] && !tau) {
				missing[e] = UINT32_MAX; /* marks the equation for the parts */
				continue;
			}
			if (additive && sdc_totals_differ(v[row], sum[e]) && !(flag[row] & 1)) {
				flag[row] |= 1;
				diff[row] = v[row] - sum[e];
			}
		}
		if (!tau)
			for (size_t row = 0; row < n; row++) {
				uint32_t c = res->code[d][row];
				if (!isnan(v[row]))
					continue;
				for (uint32_t i = x.part_off[c]; i < x.part_off[c + 1]; i++)
					if (missing[(size_t)g[row] * x.np + x.part_list[i]] == UINT32_MAX)
						flag[row] |= 2;
			}
		totals_dim_free(&x);
	}
	if (r < 0)
		return trex_err_set(err, r, "%s: totals", t->name);
	for (size_t row = 0; row < n; row++) {
		if (flag[row] & 1) {
			nbad++;
			sdc_note(res, t, row, measure, "margins", NULL, tau ? "fail" : "review",
				 "total differs from the sum of its parts by %g", diff[row]);
		}
		if (flag[row] & 2) {
			ngive++;
			/* check_missing_values held the cell already */
			if (!pol->check_missing_values)
				sdc_note(res, t, row, measure, "missing", NULL, "review",
					 "missing value in %.64s, which a released total gives back",
					 measure);
		}
	}
	if (nbad)
		sdc_reason(res, "margins", tau ? SDC_FAIL : SDC_REVIEW,
			   tau ? "declared totals do not add up (%zu total(s); a missing cell read as empty): tau-ARGUS refuses a table that is not additive"
			       : "declared totals do not add up (%zu total(s)): the difference is a group the table does not show",
			   nbad);
	if (ngive)
		sdc_reason(res, "missing", SDC_REVIEW,
			   "a released total gives back %zu missing value(s)", ngive);
	*held = nbad || ngive;
	return 0;
}

/* One column's named margins over dimension d's slices (v: the column's
 * values; cls: per code, 0 part, 1 named, 2 declared total): the first
 * failing named cell's row into *best_row, d into *best_d. A column that
 * does not add up (a summary table's mean) fails only on a missing part
 * under a named cell with a value, which gives the part back through n:
 * as in sdc_totals_column, it has no empty cells to read, whatever the
 * anchor. */
static int totals_named_dim(const struct policy *pol, const struct sdc_table *t,
			    const struct sdc_result *res, size_t d, const unsigned char *cls,
			    const double *v, bool additive, uint32_t *g, size_t *best_row,
			    size_t *best_d)
{
	_cleanup_free_ struct sdc_named_slice *s = NULL;
	_cleanup_free_ struct sdc_named_cells *nc = NULL;
	size_t ng = 0;

	if (sdc_group(t, res, d, g, &ng) < 0 || !(s = trex_calloc(ng + 1, sizeof(*s))) ||
	    !(nc = trex_calloc(ng + 1, sizeof(*nc))))
		return -ENOMEM;
	for (size_t row = 0; row < t->csv->nrows; row++) {
		uint32_t c = res->code[d][row];
		struct sdc_named_slice *x = &s[g[row]];
		/* a declared total is neither a part nor a named margin */
		if (cls[c] == 2)
			continue;
		if (isnan(v[row])) {
			x->missing += cls[c] == 0;
			continue;
		}
		x->sum += v[row];
		x->valid++;
		if (cls[c] == 1)
			sdc_named_cell_add(&nc[g[row]], v[row], (uint32_t)row, c);
	}
	for (size_t k = 0; k < ng; k++)
		if ((additive ? sdc_named_fails(pol, &s[k], &nc[k]) : nc[k].named && s[k].missing) &&
		    nc[k].row < *best_row) {
			*best_row = nc[k].row;
			*best_d = d;
		}
	return 0;
}

int sdc_totals_named(const struct policy *pol, const struct sdc_table *t,
		     struct sdc_result *res, struct trex_err *err)
{
	const struct output_decl *decl = t->decl;
	const size_t n = t->csv->nrows;
	_cleanup_free_ uint32_t *g = NULL;
	_cleanup_free_ unsigned char *cls = NULL; /* per dimension and code: as totals_named_dim */
	size_t best_row = (size_t)-1, best_d = 0, maxcodes = 0;
	bool any = false;

	if (decl->kind == KIND_FREQUENCY && pol->method == POLICY_ROUND)
		return 0; /* every count is rounded: no total gives a cell back */
	if (decl->kind != KIND_FREQUENCY && decl->kind != KIND_MAGNITUDE &&
	    decl->kind != KIND_SUMMARY)
		return 0;
	for (size_t d = 0; d < decl->ndims; d++)
		maxcodes = res->ncodes[d] > maxcodes ? res->ncodes[d] : maxcodes;
	cls = trex_calloc(decl->ndims * (maxcodes + 1) + 1, 1);
	if (!cls)
		return trex_err_set(err, -ENOMEM, "%s: margins", t->name);
	for (size_t d = 0; d < decl->ndims; d++)
		for (size_t c = 0; c < res->ncodes[d]; c++) {
			const char *code = csv_field(t->csv, res->code_row[d][c], (size_t)t->dim_col[d]);
			unsigned char k = manifest_is_total(decl, decl->dims[d], code) ? 2
					  : sdc_margin_name(code)			 ? 1
											 : 0;
			cls[d * (maxcodes + 1) + c] = k;
			any |= k == 1;
		}
	if (!any)
		return 0;
	g = trex_calloc(n + 1, sizeof(uint32_t));
	if (!g)
		return trex_err_set(err, -ENOMEM, "%s: margins", t->name);
	/* the margin column; then a summary table's additive statistics,
	 * whose missing values a named total row gives back */
	for (int col = -1; col < (int)t->csv->ncols; col++) {
		_cleanup_free_ double *v = NULL;
		bool times_n;

		if (col >= 0 && (decl->kind != KIND_SUMMARY || !statname_additive(t, (size_t)col, &times_n)))
			continue;
		v = totals_values(t, res, col < 0 ? totals_column(t) : col);
		if (!v)
			return trex_err_set(err, -ENOMEM, "%s: margins", t->name);
		for (size_t d = 0; d < decl->ndims; d++)
			if (totals_named_dim(pol, t, res, d, cls + d * (maxcodes + 1), v, col < 0, g,
					     &best_row, &best_d) < 0)
				return trex_err_set(err, -ENOMEM, "%s: margins", t->name);
	}
	if (best_row != (size_t)-1)
		sdc_named_margin_fails(res, csv_field(t->csv, best_row, (size_t)t->dim_col[best_d]),
				       decl->dims[best_d]);
	return 0;
}
