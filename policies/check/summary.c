/* Summary statistics (kind summary_statistics): one row per group, its
 * count n and statistics over its n records (issue 13 item 4).
 *
 * Single records. A statistic that is one record's value never leaves:
 * - by its column's name, whatever the spelling: the header is cut into
 *   tokens (at anything but letters, digits, '%' and a '.' between
 *   digits, and where a lower-case letter meets an upper-case one; any
 *   case), and a token that is min, max, minimum, maximum, range, ... or
 *   a percentile of 0 or 100 (p0, p100, q0, q4, q100, 0%, 100%,
 *   percentile 0, quantile 1.0, ...) fails the file (extreme_value);
 * - by its value, from the table alone: a group of one record (whatever
 *   the threshold); a percentile whose value rests on the group's
 *   smallest or largest record -- at position h = (n - 1) K / 100 of the
 *   sorted records 0..n-1 (linear interpolation, R's type 7 and numpy's
 *   default; the other definitions put it no further in), h < 1 or
 *   h > n - 2 (p95 of 20 records, p1 of 40); a standard deviation or
 *   variance of 0 over n >= 2 records, which says every record holds the
 *   group's mean (ACRO's all-values-are-same check);
 * - by its value, with the dataset's category domains (--domains): a mean
 *   whose header names a numeric category column of the dataset (age in
 *   mean_age) and that equals its smallest or largest value: a mean
 *   reaches an extreme only when every record holds it.
 *   Each such row is a primary cell (extreme_value, all_same). Whether a
 *   mean equals some other record's value needs the records: not made.
 *
 * Totals. With declared total_codes the table is checked and suppressed
 * like a magnitude table whose count is n and whose magnitudes are n x
 * mean (and a sum column as it is): a hidden group's n and mean would
 * otherwise follow from the total row and the other groups. Its totals
 * are checked first (totals.c: n must add up; a missing n or mean under a
 * released total is held). Then one suppression pass per column, each on
 * the existing suppression and audit (suppress.c, audit.c), unchanged: n
 * as a frequency table's count, then each additive statistic as a
 * magnitude table built for it (its totals the sums of their parts, so
 * the rounding of the printed means does not read as totals that do not
 * add up), with the rows hidden by earlier passes as unknowns. A pass
 * only adds complements, and hiding more cells only widens what an
 * attacker can tell, so every pass's protection holds for the final
 * pattern. A hidden row hides all its statistics. */
#include "sdc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

/* ---- the rules ---- */


/* A row's statistics that are single records' values (see the top):
 * noted, true when the row is primary. */
static bool summary_row_single(const struct sdc_table *t, const enum summary_stat *kind,
			       const double *pct, size_t row, long n, struct sdc_result *res)
{
	const struct csv_table *c = t->csv;

	if (n < 2) {
		sdc_note(res, t, row, t->decl->count, "extreme_value", NULL, "primary",
			 "statistics over %ld record(s) are its values", n);
		return true;
	}
	for (size_t col = 0; col < c->ncols; col++) {
		if (kind[col] != STAT_PERCENTILE || !statname_pct_extreme(pct[col], n))
			continue;
		sdc_note(res, t, row, t->decl->count, "extreme_value", NULL, "primary",
			 "column %zu (%.64s), percentile %g of %ld records, rests on the %s record",
			 col + 1, csv_header(c, col), pct[col], n,
			 pct[col] < 50 ? "smallest" : "largest");
		return true;
	}
	for (size_t col = 0; col < c->ncols; col++) {
		double v;
		if (kind[col] != STAT_SPREAD ||
		    sdc_parse_number(csv_field(c, row, col), &v) != 0 || v != 0)
			continue;
		sdc_note(res, t, row, t->decl->count, "all_same", NULL, "primary",
			 "column %zu (%.64s) is 0 over %ld records: every record holds the same value",
			 col + 1, csv_header(c, col), n);
		return true;
	}
	return false;
}

/* A normalised name: lower case, every run of other characters than
 * letters and digits one '_', with a '_' at both ends. */
static void summary_norm(const char *s, char *out, size_t n)
{
	size_t k = 0;

	out[k++] = '_';
	for (; *s && k + 2 < n; s++) {
		if (isalnum((unsigned char)*s))
			out[k++] = (char)tolower((unsigned char)*s);
		else if (out[k - 1] != '_')
			out[k++] = '_';
	}
	if (out[k - 1] != '_')
		out[k++] = '_';
	out[k] = '\0';
}

/* The smallest and largest value of the dataset's category column whose
 * name the header holds between separators (age in mean_age), when all
 * its values are numbers; false otherwise. */
static bool summary_dataset_range(const struct domains *dom, const char *header, double *lo,
				  double *hi)
{
	json_t *cols = dom && dom->root ? json_object_get(dom->root, "columns") : NULL;
	char h[192], name[192];
	const char *key;
	json_t *vals;

	if (!cols)
		return false;
	summary_norm(header, h, sizeof(h));
	json_object_foreach(cols, key, vals) {
		size_t i;
		json_t *v;
		bool ok = json_array_size(vals) > 0;

		summary_norm(key, name, sizeof(name));
		if (strlen(name) < 4 || !strstr(h, name)) /* a name of 2 characters or more */
			continue;
		json_array_foreach(vals, i, v) {
			double x;
			if (!ok || sdc_parse_number(json_string_value(v), &x) != 0) {
				ok = false;
				break;
			}
			*lo = i ? fmin(*lo, x) : x;
			*hi = i ? fmax(*hi, x) : x;
		}
		if (ok)
			return true;
	}
	return false;
}

/* With the dataset's domains: a mean that equals the smallest or largest
 * value of the dataset column it is about cannot have averaged anything
 * away -- every record of the group holds that value. */
static bool summary_row_dataset(const struct sdc_table *t, const enum summary_stat *kind,
				const bool *ranged, const double *lo, const double *hi, size_t row,
				long n, struct sdc_result *res)
{
	const struct csv_table *c = t->csv;

	for (size_t col = 0; col < c->ncols; col++) {
		double v;
		if (kind[col] != STAT_MEAN || !ranged[col] ||
		    sdc_parse_number(csv_field(c, row, col), &v) != 0 || (v != lo[col] && v != hi[col]))
			continue;
		sdc_note(res, t, row, t->decl->count, "all_same", NULL, "primary",
			 "column %zu (%.64s) is the dataset's %s over %ld records: every record holds it",
			 col + 1, csv_header(c, col), v == lo[col] ? "smallest value" : "largest value",
			 n);
		return true;
	}
	return false;
}

int summary_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		  struct trex_err *err)
{
	const struct csv_table *c = t->csv;
	_cleanup_free_ enum summary_stat *kind = trex_calloc(c->ncols + 1, sizeof(*kind));
	_cleanup_free_ double *pct = trex_calloc(c->ncols + 1, sizeof(double));
	_cleanup_free_ double *lo = trex_calloc(c->ncols + 1, sizeof(double));
	_cleanup_free_ double *hi = trex_calloc(c->ncols + 1, sizeof(double));
	_cleanup_free_ bool *ranged = trex_calloc(c->ncols + 1, sizeof(bool));
	json_t *params = json_pack("{s:I}", "safe_threshold", (json_int_t)pol->safe_threshold);

	if (!kind || !pct || !lo || !hi || !ranged || !params) {
		json_decref(params);
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	}
	for (size_t i = 0; i < c->ncols; i++) {
		kind[i] = statname_is_stat(t, i) ? statname_kind(csv_header(c, i), &pct[i])
						: STAT_OTHER;
		if (kind[i] == STAT_EXTREME)
			sdc_reason(res, "extreme_value", SDC_FAIL,
				   "column '%s' is a minimum/maximum: a single record's value",
				   csv_header(c, i));
		if (kind[i] == STAT_MEAN)
			ranged[i] = summary_dataset_range(t->domains, csv_header(c, i), &lo[i], &hi[i]);
	}
	if (res->verdict == SDC_FAIL || t->count_col < 0) {
		if (res->verdict != SDC_FAIL)
			sdc_reason(res, "no_count", SDC_REVIEW,
				   "summary statistics without a declared count cannot be checked");
		json_decref(params);
		return 0;
	}
	for (size_t r = 0; r < c->nrows; r++) {
		long n = sdc_count_text(pol, csv_field(c, r, (size_t)t->count_col), r,
					t->decl->count, res);
		if (n < 0)
			continue;
		if (n < pol->safe_threshold) {
			res->state[r] = CELL_PRIMARY;
			res->nprimary++;
			sdc_note(res, t, r, t->decl->count, "threshold", json_incref(params), "primary",
				 "statistics over %ld records < threshold %ld", n, pol->safe_threshold);
		} else if (summary_row_single(t, kind, pct, r, n, res) ||
			   summary_row_dataset(t, kind, ranged, lo, hi, r, n, res)) {
			res->state[r] = CELL_PRIMARY;
			res->nprimary++;
		}
	}
	json_decref(params);
	return 0;
}

/* ---- totals ---- */

/* The statistics that add up through n: a mean (n x mean) or a sum. */

int summary_totals(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		   bool *held, struct trex_err *err)
{
	for (size_t col = 0; col < t->csv->ncols; col++) {
		bool times_n, h = false;
		int r;

		if (!statname_additive(t, col, &times_n))
			continue;
		r = sdc_totals_column(pol, t, res, (int)col, csv_header(t->csv, col), false, &h, err);
		if (r < 0)
			return r;
		*held |= h;
	}
	return 0;
}

/* A CSV field, quoted when it must be. */
static int summary_put(char **buf, size_t *len, size_t *cap, const char *s, bool quote)
{
	size_t n = strlen(s), need = 2 * n + 4;

	if (*len + need > *cap) {
		size_t c = (*cap ? *cap * 2 : 4096) + need;
		char *b = trex_realloc(*buf, c);
		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = c;
	}
	if (!quote || !strpbrk(s, ",\"\r\n")) {
		memcpy(*buf + *len, s, n);
		*len += n;
		return 0;
	}
	(*buf)[(*len)++] = '"';
	for (; *s; s++) {
		if (*s == '"')
			(*buf)[(*len)++] = '"';
		(*buf)[(*len)++] = *s;
	}
	(*buf)[(*len)++] = '"';
	return 0;
}

/* Each total's magnitude as the sum of its parts', from the margin
 * equations (a total may be a part of another: filled bottom up). */
static void summary_fill_totals(const struct sdc_margins *m, double *v, const bool *given)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t e = 0; e < m->neq; e++) {
			size_t tot = m->eq_row[m->eq_off[e]];
			double sum = 0;
			bool all = true;
			if (!isnan(v[tot]) || !given[tot])
				continue;
			for (size_t i = m->eq_off[e] + 1; i < m->eq_off[e + 1] && all; i++) {
				size_t part = m->eq_row[i];
				all = !isnan(v[part]);
				sum += v[part];
			}
			if (all) {
				v[tot] = sum;
				progress = true;
			}
		}
	}
}

/* The magnitude table's own columns: no dimension is named so (a
 * declaration's dimension starting with "\x01" would be refused by the
 * CSV reader long before: control characters are not names). */
#define SUMMARY_N "trex\x01n"
#define SUMMARY_V "trex\x01v"

/* The magnitude table of statistic column col: dims, n, v = n x stat (or
 * stat), totals the sums of their parts, rows hidden so far unknown. */
static int summary_magnitude_text(const struct sdc_table *t, const struct sdc_result *res,
				  size_t col, bool times_n, char **text, size_t *len,
				  struct trex_err *err)
{
	const struct csv_table *c = t->csv;
	const struct output_decl *d = t->decl;
	const size_t n = c->nrows;
	_cleanup_free_ double *v = trex_calloc(n + 1, sizeof(double));
	_cleanup_free_ bool *given = trex_calloc(n + 1, sizeof(bool));
	struct sdc_margins m;
	size_t cap = 0;
	int r;

	if (!v || !given)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	r = margineqs_build(t, &m, err);
	if (r < 0)
		return r;
	for (size_t row = 0; row < n; row++) {
		double cnt, x;
		bool ok = sdc_parse_number(csv_field(c, row, (size_t)t->count_col), &cnt) == 0 &&
			  sdc_parse_number(csv_field(c, row, col), &x) == 0;
		given[row] = ok;
		v[row] = ok && !m.total[row] ? (times_n ? cnt * x : x) : NAN;
	}
	summary_fill_totals(&m, v, given);
	*text = NULL;
	*len = 0;
	for (size_t k = 0; k < d->ndims && r == 0; k++) {
		r = summary_put(text, len, &cap, d->dims[k], true);
		if (r == 0)
			r = summary_put(text, len, &cap, ",", false);
	}
	if (r == 0)
		r = summary_put(text, len, &cap, SUMMARY_N "," SUMMARY_V "\n", false);
	for (size_t row = 0; row < n && r == 0; row++) {
		char num[64];
		for (size_t k = 0; k < d->ndims && r == 0; k++) {
			r = summary_put(text, len, &cap, csv_field(c, row, (size_t)t->dim_col[k]), true);
			if (r == 0)
				r = summary_put(text, len, &cap, ",", false);
		}
		/* a row hidden by an earlier pass is an unknown of this one (no
		 * rule reads the contributors: the rows' states are given) */
		if (isnan(v[row]) || res->state[row] == CELL_SECONDARY)
			snprintf(num, sizeof(num), "0,NA\n");
		else
			snprintf(num, sizeof(num), "0,%.17g\n", v[row]);
		if (r == 0)
			r = summary_put(text, len, &cap, num, false);
	}
	margineqs_free(&m);
	if (r < 0)
		return trex_err_set(err, r, "%s", t->name);
	return 0;
}

/* src's file-level reasons and decisions into dst, each reason prefixed
 * with the column it was found on. */
static void summary_reasons_merge(struct sdc_result *dst, const struct sdc_result *src,
				  size_t col, const char *name)
{
	size_t i;
	json_t *why;

	json_array_foreach(src->reasons, i, why) {
		char buf[512];
		snprintf(buf, sizeof(buf), "column %zu (%.64s) as a magnitude: %s", col + 1, name,
			 json_string_value(why));
		json_array_append_new(dst->reasons, json_string(buf));
	}
	for (size_t k = 0; k < src->nfdec; k++) {
		bool seen = false;
		for (size_t j = 0; j < dst->nfdec && !seen; j++)
			seen = !strcmp(dst->fdec[j].rule, src->fdec[k].rule) &&
			       !strcmp(dst->fdec[j].action, src->fdec[k].action);
		if (!seen && dst->nfdec < SDC_MAX_FILE_DECISIONS)
			dst->fdec[dst->nfdec++] = src->fdec[k];
	}
	sdc_worsen(dst, src->verdict);
}

/* One pass: suppress and audit column col as a magnitude table, and
 * bring its complements and findings into res. */
static int summary_pass(const struct policy *pol, const struct sdc_table *t,
			struct sdc_result *res, size_t col, bool times_n, struct trex_err *err)
{
	const struct csv_table *c = t->csv;
	struct output_decl md = {0};
	struct csv_table mc;
	struct sdc_table mt;
	struct sdc_result mr;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = summary_magnitude_text(t, res, col, times_n, &text, &len, err);
	if (r < 0)
		return r;
	r = csv_parse_mem(text, len, t->name, &mc, err);
	if (r < 0)
		return r;
	md.path = t->decl->path;
	md.kind = KIND_MAGNITUDE;
	memcpy(md.dims, t->decl->dims, sizeof(md.dims));
	md.ndims = t->decl->ndims;
	md.value = (char *)SUMMARY_V;
	md.contributors = (char *)SUMMARY_N;
	md.total_codes = t->decl->total_codes;
	md.hierarchies = t->decl->hierarchies;
	r = sdc_table_open(&mt, &mc, &md, t->name, err);
	if (r == 0 && sdc_result_init(&mr, c->nrows) < 0)
		r = trex_err_set(err, -ENOMEM, "%s", t->name);
	if (r < 0) {
		csv_free(&mc);
		return r;
	}
	for (size_t row = 0; row < c->nrows; row++)
		if (res->state[row] == CELL_PRIMARY) {
			mr.state[row] = CELL_PRIMARY;
			mr.nprimary++;
		}
	r = suppress_secondary(pol, &mt, &mr, err);
	if (r == 0)
		r = audit_suppression(pol, &mt, &mr, err);
	for (size_t i = 0; r == 0 && i < mr.ndecisions; i++) {
		const struct sdc_cell *x = &mr.cells[i];
		if (!strcmp(x->action, "secondary") && res->state[x->row] == CELL_OK) {
			res->state[x->row] = CELL_SECONDARY;
			res->nsecondary++;
		}
		sdc_note(res, t, x->row, csv_header(c, col), x->rule, json_incref(x->params),
			 x->action, "column %zu: %s", col + 1, mr.reason_text + x->reason);
	}
	if (r == 0)
		summary_reasons_merge(res, &mr, col, csv_header(c, col));
	sdc_result_free(&mr);
	csv_free(&mc);
	return r;
}

int summary_suppress(const struct policy *pol, const struct sdc_table *t,
		     struct sdc_result *res, struct trex_err *err)
{
	struct output_decl cd = *t->decl;
	struct sdc_table ct = *t;
	int r;

	/* n first, as a frequency table's count */
	cd.kind = KIND_FREQUENCY;
	ct.decl = &cd;
	r = suppress_secondary(pol, &ct, res, err);
	if (r == 0)
		r = audit_suppression(pol, &ct, res, err);
	for (size_t col = 0; r == 0 && col < t->csv->ncols; col++) {
		bool times_n;
		if (statname_additive(t, col, &times_n))
			r = summary_pass(pol, t, res, col, times_n, err);
	}
	return r;
}
