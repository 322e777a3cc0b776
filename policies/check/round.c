/* Rounding packs (method "round", OpenSAFELY): every count an output
 * releases is redacted or rounded, by one function of the true count.
 *
 * One rounding per cell: the released value of a count depends on the
 * count alone (round_count), never on the table, the row order or the
 * run, so the same cell (the same group of records) gets the same
 * released value in every output of a job and in every release of a
 * project, and no state or secret is needed to keep it so: the checker
 * stays stateless. A count that one output rounded must not be exact in
 * another, so the counts of summary tables and the contributor counts of
 * magnitude tables are rounded as a frequency table's cells are.
 *
 * Declared totals of a frequency table are the sums of its released
 * cells (OpenSAFELY's practice), so a total never gives a redacted cell
 * back by subtraction within the table. */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

#define ROUND_DEPTH 8

/* Nearest multiple of base, or midpoint-base rounding (OpenSAFELY's for
 * rates: with base 6, 0 -> 0, 1-6 -> 3, 7-12 -> 9), which never releases
 * a true small count and needs no redaction. */
long round_count(const struct policy *pol, long n)
{
	long base = pol->rounding_base;
	if (pol->rounding_midpoint)
		return n == 0 ? 0 : (n - 1) / base * base + base / 2;
	return (n + base / 2) / base * base;
}

/* Whether total code tcode of dimension d covers the leaf code `code`. */
static bool round_covers(const struct sdc_table *t, size_t d, const char *tcode,
			 const char *code, int depth)
{
	const struct output_decl *decl = t->decl;
	json_t *tree, *kids, *k;
	size_t i;

	if (!strcmp(tcode, code))
		return true;
	if (depth > ROUND_DEPTH || !manifest_is_total(decl, decl->dims[d], tcode))
		return false;
	tree = decl->hierarchies ? json_object_get(decl->hierarchies, decl->dims[d]) : NULL;
	kids = tree ? json_object_get(tree, tcode) : NULL;
	if (!kids)
		return !manifest_is_total(decl, decl->dims[d], code);
	json_array_foreach(kids, i, k)
		if (round_covers(t, d, json_string_value(k), code, depth + 1))
			return true;
	return false;
}

/* A count of row r, or -1 when it is not a plain non-negative integer
 * (the rules decided on those cells already). */
static long round_parse(const struct csv_table *c, size_t r, int col)
{
	double v;

	if (col < 0 || sdc_parse_number(csv_field(c, r, (size_t)col), &v) != 0 || v < 0 ||
	    v != floor(v) || v > 1e15)
		return -1;
	return (long)v;
}

/* A small count (1..redact_at_or_below) withheld: the row's measures are
 * replaced by the marker in the released copy. */
static void round_redact(const struct policy *pol, const struct sdc_table *t,
			 struct sdc_result *res, size_t r, const char *measure, long n)
{
	res->state[r] = CELL_REDACTED;
	res->nredacted++;
	sdc_note(res, t, r, measure, "redact",
		 json_pack("{s:I}", "redact_at_or_below", (json_int_t)pol->redact_at_or_below),
		 "redacted", "count %ld <= %ld redacted", n, pol->redact_at_or_below);
}

/* The released text of count n in *slot when it differs from the file's
 * text s; counted as a rounded cell. */
static int round_replace(const struct sdc_table *t, struct sdc_result *res, char **slot,
			 const char *s, long out, struct trex_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", out);
	if (!strcmp(buf, s))
		return 0;
	if (!(*slot = trex_strdup(buf)))
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	res->nrounded++;
	return 0;
}

/* Frequency tables: counts 1..redact_at_or_below are withheld, the rest
 * rounded (round_count); a total row is then the sum of the released
 * (rounded, redacted as 0) cells it covers, as OpenSAFELY does, so it
 * cannot give a redacted cell back by subtraction. */
int round_frequency(const struct policy *pol, const struct sdc_table *t,
		    struct sdc_result *res, struct trex_err *err)
{
	const struct csv_table *c = t->csv;
	_cleanup_free_ long *released = trex_calloc(c->nrows + 1, sizeof(long));
	char buf[32];

	if (!released)
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	for (size_t r = 0; r < c->nrows; r++) {
		long n;

		released[r] = -1;
		if (sdc_row_is_total(t, r))
			continue;
		if ((n = round_parse(c, r, t->count_col)) < 0)
			continue;
		if (n >= 1 && n <= pol->redact_at_or_below) {
			round_redact(pol, t, res, r, t->decl->count, n);
			released[r] = 0;
			continue;
		}
		released[r] = round_count(pol, n);
		if (round_replace(t, res, &res->replace[r], csv_field(c, r, (size_t)t->count_col),
				  released[r], err) < 0)
			return -ENOMEM;
		if (res->replace[r])
			res->state[r] = CELL_ROUNDED;
	}
	for (size_t tr = 0; tr < c->nrows; tr++) {
		long sum = 0;
		if (!sdc_row_is_total(t, tr))
			continue;
		for (size_t r = 0; r < c->nrows; r++) {
			bool in = released[r] >= 0;
			for (size_t d = 0; in && d < t->decl->ndims; d++)
				in = round_covers(t, d, csv_field(c, tr, (size_t)t->dim_col[d]),
						  csv_field(c, r, (size_t)t->dim_col[d]), 0);
			if (in)
				sum += released[r];
		}
		snprintf(buf, sizeof(buf), "%ld", sum);
		if (strcmp(buf, csv_field(c, tr, (size_t)t->count_col))) {
			if (!(res->replace[tr] = trex_strdup(buf)))
				return trex_err_set(err, -ENOMEM, "%s", t->name);
			res->state[tr] = CELL_ROUNDED;
			res->nrounded++;
			sdc_note(res, t, tr, t->decl->count, "rounded_total", NULL, "rounded",
				 "total replaced by the sum of its released cells");
		}
	}
	return 0;
}

/* Summary and magnitude tables: the count a row's statistics rest on (a
 * summary table's count, a magnitude table's contributors and its count
 * when declared) is a count of records like a frequency table's cell, and
 * an exact one would give back a cell another output rounded or redacted.
 * Rows the primary rules hid stay hidden; a count 1..redact_at_or_below
 * withholds its row; every other count is rounded by round_count. Rows
 * are rounded one by one: a summary table's rows are not cells of one
 * additive table, so no total is recomputed. */
int round_counts(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		 struct trex_err *err)
{
	const struct csv_table *c = t->csv;
	int col[2] = {t->count_col, t->decl->kind == KIND_MAGNITUDE ? t->contrib_col : -1};
	const char *measure[2] = {t->decl->count, t->decl->contributors};

	if (col[1] >= 0 && !res->replace_contrib &&
	    !(res->replace_contrib = trex_calloc(c->nrows + 1, sizeof(char *))))
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	for (size_t r = 0; r < c->nrows; r++) {
		long n[2];

		if (res->state[r] != CELL_OK)
			continue;
		for (int i = 0; i < 2; i++)
			n[i] = round_parse(c, r, col[i]);
		for (int i = 0; i < 2 && res->state[r] == CELL_OK; i++)
			if (n[i] >= 1 && n[i] <= pol->redact_at_or_below)
				round_redact(pol, t, res, r, measure[i], n[i]);
		if (res->state[r] != CELL_OK)
			continue;
		for (int i = 0; i < 2; i++) {
			char **slot;
			if (n[i] < 0)
				continue;
			slot = i ? &res->replace_contrib[r] : &res->replace[r];
			if (round_replace(t, res, slot, csv_field(c, r, (size_t)col[i]),
					  round_count(pol, n[i]), err) < 0)
				return -ENOMEM;
			if (*slot)
				res->state[r] = CELL_ROUNDED;
		}
	}
	return 0;
}
