/* Differencing: a table that differs from one already released for the
 * same project, over the same dimensions, by fewer units in total than the
 * threshold lets anyone subtract the two and see a group smaller than the
 * threshold (e.g. "all patients" then "all patients but those over 90").
 * Previously released tables are read from --previous DIR (trexd binds the
 * project's release area there); one matches when its header has every
 * declared dimension and the measure column (count, else contributors).
 * Suppressed (empty) cells on either side are unknown and skipped. */
#include "sdc.h"

#include <errno.h>
#include <fts.h>
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

static uint64_t diff_hash(const struct csv_table *c, size_t row, const int *cols, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t d = 0; d < n; d++) {
		for (const char *s = csv_field(c, row, (size_t)cols[d]); *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ull;
		h = (h ^ 0x1f) * 1099511628211ull;
	}
	return h;
}

static bool diff_same(const struct csv_table *a, size_t ra, const int *ca,
		      const struct csv_table *b, size_t rb, const int *cb, size_t n)
{
	for (size_t d = 0; d < n; d++)
		if (strcmp(csv_field(a, ra, (size_t)ca[d]), csv_field(b, rb, (size_t)cb[d])))
			return false;
	return true;
}

static bool diff_is_total(const struct sdc_table *t, const struct csv_table *c, size_t row,
			  const int *cols)
{
	for (size_t d = 0; d < t->decl->ndims; d++)
		if (manifest_is_total(t->decl, t->decl->dims[d], csv_field(c, row, (size_t)cols[d])))
			return true;
	return false;
}

/* One table released earlier that compares with the checked one: its
 * rows indexed by their codes, which of them the checked table matched,
 * and the sum over cells of |new - previous| so far. */
struct diff_prev {
	struct csv_table p;
	int pcols[MANIFEST_MAX_DIMS], pm;
	size_t cap;
	size_t *slots;  /* row + 1, 0 = empty */
	bool *matched;
	double sum;
	char *name;     /* below --previous, for the reason */
};

void diff_free(struct diff_state *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		csv_free(&ds->v[i].p);
		trex_free(ds->v[i].slots);
		trex_free(ds->v[i].matched);
		trex_free(ds->v[i].name);
	}
	trex_free(ds->v);
	memset(ds, 0, sizeof(*ds));
}

static int diff_add(struct diff_state *ds, const struct sdc_table *t, struct diff_prev *d,
		    struct trex_err *err)
{
	size_t np = d->p.nrows;
	struct diff_prev *v;

	d->cap = 1;
	while (d->cap < np * 2 + 2)
		d->cap <<= 1;
	d->slots = trex_calloc(d->cap, sizeof(size_t));
	d->matched = trex_calloc(np + 1, sizeof(bool));
	v = trex_reallocarray(ds->v, ds->n + 1, sizeof(*v));
	if (!d->slots || !d->matched || !d->name || !v) {
		if (v)
			ds->v = v;
		csv_free(&d->p);
		trex_free(d->slots);
		trex_free(d->matched);
		trex_free(d->name);
		return trex_err_set(err, -ENOMEM, "%s: differencing", t->name);
	}
	for (size_t r = 0; r < np; r++) {
		size_t i = diff_hash(&d->p, r, d->pcols, t->decl->ndims) & (d->cap - 1);
		while (d->slots[i])
			i = (i + 1) & (d->cap - 1);
		d->slots[i] = r + 1;
	}
	ds->v = v;
	ds->v[ds->n++] = *d;
	return 0;
}

int diff_open(const struct sdc_table *t, const char *prevdir, struct diff_state *ds,
	      struct trex_err *err)
{
	const char *mname = t->count_col >= 0 ? t->decl->count : t->decl->contributors;
	char *paths[] = {(char *)prevdir, NULL};
	FTS *fts;
	FTSENT *e;
	int r = 0;

	memset(ds, 0, sizeof(*ds));
	ds->mcol = t->count_col >= 0 ? t->count_col : t->contrib_col;
	if (ds->mcol < 0 || !mname || !t->decl->ndims ||
	    (t->decl->kind != KIND_FREQUENCY && t->decl->kind != KIND_MAGNITUDE))
		return 0;
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (!fts)
		return 0; /* nothing released yet */
	while (r == 0 && (e = fts_read(fts))) {
		size_t len = strlen(e->fts_path);
		struct diff_prev d = {0};
		struct trex_err perr = {0};
		bool ok = true;
		const char *name;

		if (e->fts_info != FTS_F || len < 5 || strcmp(e->fts_path + len - 4, ".csv"))
			continue;
		/* a previous release that no longer parses is not comparable */
		if (csv_read_file(e->fts_path, &d.p, &perr) < 0)
			continue;
		for (size_t k = 0; k < t->decl->ndims && ok; k++)
			ok = (d.pcols[k] = csv_column(&d.p, t->decl->dims[k])) >= 0;
		d.pm = csv_column(&d.p, mname);
		if (!ok || d.pm < 0) {
			csv_free(&d.p);
			continue;
		}
		name = e->fts_path + strlen(prevdir);
		while (*name == '/')
			name++;
		d.name = trex_strdup(name);
		r = diff_add(ds, t, &d, err);
	}
	fts_close(fts);
	if (r < 0)
		diff_free(ds);
	return r;
}

/* Rows from..to-1 of c (the checked table, or a batch of it): each
 * cell's |new - previous| into every previous table's sum, skipping totals
 * and unknown (suppressed) cells. */
void diff_rows(struct diff_state *ds, const struct sdc_table *t, const struct csv_table *c,
	       size_t from, size_t to)
{
	for (size_t k = 0; k < ds->n; k++) {
		struct diff_prev *d = &ds->v[k];
		for (size_t r = from; r < to; r++) {
			double nv, pv = 0;
			size_t i;
			long hit = -1;

			if (diff_is_total(t, c, r, t->dim_col))
				continue;
			for (i = diff_hash(c, r, t->dim_col, t->decl->ndims) & (d->cap - 1);
			     d->slots[i]; i = (i + 1) & (d->cap - 1))
				if (diff_same(c, r, t->dim_col, &d->p, d->slots[i] - 1, d->pcols,
					      t->decl->ndims)) {
					hit = (long)d->slots[i] - 1;
					break;
				}
			if (sdc_parse_number(csv_field(c, r, (size_t)ds->mcol), &nv) != 0)
				continue;
			if (hit >= 0) {
				d->matched[hit] = true;
				if (sdc_parse_number(csv_field(&d->p, (size_t)hit, (size_t)d->pm), &pv) !=
				    0)
					continue;
			}
			d->sum += fabs(nv - pv);
		}
	}
}

/* The previous tables' cells the checked one did not have (absent = 0),
 * then the verdict: held when some table differs by less than the
 * threshold. */
void diff_finish(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		 struct diff_state *ds)
{
	for (size_t k = 0; k < ds->n; k++) {
		struct diff_prev *d = &ds->v[k];
		double sum = d->sum;

		for (size_t r = 0; r < d->p.nrows; r++) {
			double pv;
			if (d->matched[r] || diff_is_total(t, &d->p, r, d->pcols) ||
			    sdc_parse_number(csv_field(&d->p, r, (size_t)d->pm), &pv) != 0)
				continue;
			sum += fabs(pv);
		}
		if (sum > 0 && sum < (double)pol->safe_threshold) {
			sdc_reason(res, "differencing", SDC_REVIEW,
				   "differencing: differs from %.120s, released earlier for this project over the same dimensions, by fewer than %ld units in total: the difference is a group below the threshold",
				   d->name, pol->safe_threshold);
			snprintf(res->summary, sizeof(res->summary),
				 "held for review: differencing with an earlier release");
		}
	}
}

int diff_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
	       const char *prevdir, struct trex_err *err)
{
	struct diff_state ds;
	int r = diff_open(t, prevdir, &ds, err);

	if (r < 0)
		return r;
	diff_rows(&ds, t, t->csv, 0, t->csv->nrows);
	diff_finish(pol, t, res, &ds);
	diff_free(&ds);
	return 0;
}
